"""One problem found in a definition, and the diagnostic codes problems carry.

The codes are the ones AWS's ``ValidateStateMachineDefinition`` API returns, so a message from
aslrun reads like the one ``CreateStateMachine`` would give for the same mistake. A problem is
plain data: validation collects every one of them and the engine raises them all at once inside
:class:`aslrun.errors.DefinitionError`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DUPLICATE_LABEL_NAME",
    "DUPLICATE_STATE_NAME",
    "INVALID_JSONATA_EXPRESSION",
    "INVALID_JSON_DESCRIPTION",
    "INVALID_LABEL_NAME",
    "INVALID_RESOURCE",
    "INVALID_STATE_NAME",
    "MISSING_DESCRIPTION",
    "MISSING_END_STATE",
    "MISSING_SUBSTITUTION",
    "MISSING_TRANSITION_TARGET",
    "Problem",
    "SCHEMA_VALIDATION_FAILED",
    "join_location",
]

# AWS's codes (API_ValidateStateMachineDefinitionDiagnostic).
INVALID_JSON_DESCRIPTION = "INVALID_JSON_DESCRIPTION"
MISSING_DESCRIPTION = "MISSING_DESCRIPTION"
SCHEMA_VALIDATION_FAILED = "SCHEMA_VALIDATION_FAILED"
INVALID_RESOURCE = "INVALID_RESOURCE"
MISSING_END_STATE = "MISSING_END_STATE"
DUPLICATE_STATE_NAME = "DUPLICATE_STATE_NAME"
INVALID_STATE_NAME = "INVALID_STATE_NAME"
DUPLICATE_LABEL_NAME = "DUPLICATE_LABEL_NAME"
INVALID_LABEL_NAME = "INVALID_LABEL_NAME"
MISSING_TRANSITION_TARGET = "MISSING_TRANSITION_TARGET"
# Not in AWS's documented list, but what CreateStateMachine answers for a JSONata expression that
# does not parse (as recorded by emulator authors measuring it against AWS).
INVALID_JSONATA_EXPRESSION = "INVALID_JSONATA_EXPRESSION"

# Ours: AWS resolves DefinitionSubstitutions in CloudFormation, before its validator ever runs.
MISSING_SUBSTITUTION = "MISSING_SUBSTITUTION"


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong (``message``), where (``location``) and which kind of problem (``code``).

    ``location`` walks the definition with dots and ``[i]`` indexes, for example
    ``States.Map.ItemProcessor.States.Check.Retry[0].ErrorEquals``; the empty string is the
    definition itself.
    """

    location: str
    message: str
    code: str = SCHEMA_VALIDATION_FAILED

    def __str__(self) -> str:
        return f"{self.location or '(definition)'}: {self.message}  [{self.code}]"


def join_location(base: str, part: str | int) -> str:
    """``base`` extended by a field name or a list index, in :attr:`Problem.location` form."""
    if isinstance(part, int):
        return f"{base}[{part}]"
    return f"{base}.{part}" if base else part

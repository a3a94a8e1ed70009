"""Query languages: which one a state uses, and the fields only the other one allows.

A definition chooses JSONPath (the default) or JSONata at the top level (``QueryLanguage``), and
a state may choose for itself. The five JSONPath filters (``InputPath``, ``Parameters``,
``ResultSelector``, ``ResultPath``, ``OutputPath``) and every ``...Path`` field exist only in
JSONPath states; ``Arguments``, ``Output``, ``Items`` and a rule's ``Condition`` only in JSONata
states. AWS rejects a field of the other language with the message built by
:func:`wrong_language_message`.

Resolution follows what AWS does (as measured against ``ValidateStateMachineDefinition``): a
state whose ``QueryLanguage`` is exactly ``"JSONPath"`` is JSONPath, one with any other value is
JSONata, and one without the field uses the *state machine's* language, also inside a Map's
item processor or a Parallel's branches (not the enclosing state's). A JSONata state machine
cannot take a state back to JSONPath.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

__all__ = [
    "JSONATA",
    "JSONATA_ONLY_FIELDS",
    "JSONPATH",
    "JSONPATH_ONLY_FIELDS",
    "Language",
    "NESTED_JSONATA_ONLY",
    "NESTED_JSONPATH_ONLY",
    "RULE_JSONATA_ONLY",
    "fields_of_other_language",
    "machine_query_language",
    "state_query_language",
    "wrong_language_message",
]

Language = Literal["JSONPath", "JSONata"]
JSONPATH: Language = "JSONPath"
JSONATA: Language = "JSONata"

#: State fields that exist only in JSONPath states.
JSONPATH_ONLY_FIELDS = frozenset(
    {
        "InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath", "Result", "ItemsPath",
        "SecondsPath", "TimestampPath", "TimeoutSecondsPath", "HeartbeatSecondsPath", "ErrorPath",
        "CausePath", "MaxConcurrencyPath", "ToleratedFailureCountPath", "ToleratedFailurePercentagePath",
    }
)
#: State fields that exist only in JSONata states.
JSONATA_ONLY_FIELDS = frozenset({"Arguments", "Output", "Items"})

#: Fields of Catch elements, ItemReader, ResultWriter, ItemBatcher and ReaderConfig, by language.
NESTED_JSONPATH_ONLY = frozenset(
    {"ResultPath", "Parameters", "MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath", "MaxItemsPath"}
)
NESTED_JSONATA_ONLY = frozenset({"Output", "Arguments"})

#: Choice rule fields by language (the comparison operators are JSONPath's; see rules.OPERATORS).
RULE_JSONATA_ONLY = frozenset({"Condition", "Output"})


def machine_query_language(definition: Mapping[str, Any]) -> Language:
    """The state machine's own query language (JSONPath unless it says ``"JSONata"``)."""
    return JSONATA if definition.get("QueryLanguage") == JSONATA else JSONPATH


def state_query_language(state: Mapping[str, Any], machine_language: Language) -> Language:
    """The query language ``state`` is evaluated in, given the state machine's language."""
    if "QueryLanguage" not in state:
        return machine_language
    return JSONPATH if state["QueryLanguage"] == JSONPATH else JSONATA


def wrong_language_message(field: str, language: Language) -> str:
    """AWS's message for ``field`` used in a state of ``language``."""
    other = JSONATA if language == JSONPATH else JSONPATH
    return (
        f"The QueryLanguage is set to '{language}', but field '{field}' is only supported for the "
        f"'{other}' QueryLanguage"
    )


def fields_of_other_language(
    obj: Mapping[str, Any],
    language: Language,
    *,
    jsonpath_only: frozenset[str] = JSONPATH_ONLY_FIELDS,
    jsonata_only: frozenset[str] = JSONATA_ONLY_FIELDS,
) -> Iterator[str]:
    """The fields of ``obj`` (in document order) that ``language`` does not allow."""
    forbidden = jsonpath_only if language == JSONATA else jsonata_only
    for field in obj:
        if field in forbidden:
            yield field

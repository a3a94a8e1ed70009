"""Step Functions ARNs: building them, reading them, and refusing malformed ones as AWS does.

    arn:aws:states:REGION:ACCOUNT:stateMachine:NAME                  a state machine
    arn:aws:states:REGION:ACCOUNT:stateMachine:NAME:7                one of its versions
    arn:aws:states:REGION:ACCOUNT:stateMachine:NAME:ALIAS            one of its aliases
    arn:aws:states:REGION:ACCOUNT:execution:NAME:EXECUTION           a standard execution
    arn:aws:states:REGION:ACCOUNT:express:NAME:EXECUTION:UUID        an express execution
    arn:aws:states:REGION:ACCOUNT:execution:NAME/LABEL:UUID          a distributed Map's child
    arn:aws:states:REGION:ACCOUNT:mapRun:NAME/LABEL:UUID             a Map Run
    arn:aws:states:REGION:ACCOUNT:activity:NAME                      an activity
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .faults import ServiceError, invalid_arn

__all__ = ["Arn", "activity_arn", "check_name", "execution_arn", "express_execution_arn",
           "machine_arn", "parse_arn", "require_arn"]

_ARN = re.compile(r"^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\d{12}):([A-Za-z]+):(.+)$")
_RESOURCE_TYPES = {"stateMachine", "execution", "express", "activity", "mapRun"}
# characters AWS refuses in the name of a state machine, execution or activity
_FORBIDDEN = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Arn:
    """A parsed Step Functions ARN: ``kind`` is its resource type, ``parts`` what follows it."""

    text: str
    partition: str
    region: str
    account: str
    kind: str
    parts: tuple[str, ...]

    @property
    def machine_name(self) -> str:
        return self.parts[0]

    @property
    def qualifier(self) -> str | None:
        """A state machine ARN's version number or alias name (None: the machine itself)."""
        return self.parts[1] if self.kind == "stateMachine" and len(self.parts) > 1 else None

    @property
    def is_version(self) -> bool:
        return self.qualifier is not None and self.qualifier.isdigit()

    @property
    def is_alias(self) -> bool:
        return self.qualifier is not None and not self.qualifier.isdigit()

    @property
    def base(self) -> str:
        """The unqualified state machine ARN (the machine a version or alias belongs to)."""
        return machine_arn(self.partition, self.region, self.account, self.machine_name)


def parse_arn(text: str) -> Arn | None:
    """The parsed ARN, or None when it is not a Step Functions ARN of a known shape."""
    match = _ARN.match(text)
    if match is None:
        return None
    partition, region, account, kind, rest = match.groups()
    if kind not in _RESOURCE_TYPES:
        return None
    parts = tuple(rest.split(":"))
    shapes = {"stateMachine": (1, 2), "execution": (2, 2), "express": (3, 3), "activity": (1, 1), "mapRun": (2, 2)}
    low, high = shapes[kind]
    if not low <= len(parts) <= high or any(not part for part in parts):
        return None
    return Arn(text, partition, region, account, kind, parts)


def require_arn(text: str, *kinds: str) -> Arn:
    """The parsed ARN, which must be of one of ``kinds``; InvalidArn (worded as AWS does) if not."""
    parsed = parse_arn(text)
    if parsed is None:
        if not text.startswith("arn:"):
            raise invalid_arn(text, f"Invalid ARN prefix: {text}")
        match = _ARN.match(text)
        if match is not None and match.group(4) not in _RESOURCE_TYPES:
            raise invalid_arn(text, f"Resource type not valid in this context: {match.group(4)}")
        raise invalid_arn(text)
    if parsed.kind not in kinds:
        raise invalid_arn(text, f"Resource type not valid in this context: {parsed.kind}")
    return parsed


def check_name(name: str) -> None:
    """InvalidName unless ``name`` is a valid name for a state machine, execution or activity."""
    if not 1 <= len(name) <= 80 or _FORBIDDEN.search(name):
        raise ServiceError("InvalidName", f"Invalid Name: '{name}'")


def machine_arn(partition: str, region: str, account: str, name: str) -> str:
    return f"arn:{partition}:states:{region}:{account}:stateMachine:{name}"


def execution_arn(partition: str, region: str, account: str, machine: str, name: str) -> str:
    return f"arn:{partition}:states:{region}:{account}:execution:{machine}:{name}"


def express_execution_arn(partition: str, region: str, account: str, machine: str, name: str, run: str) -> str:
    return f"arn:{partition}:states:{region}:{account}:express:{machine}:{name}:{run}"


def activity_arn(partition: str, region: str, account: str, name: str) -> str:
    return f"arn:{partition}:states:{region}:{account}:activity:{name}"

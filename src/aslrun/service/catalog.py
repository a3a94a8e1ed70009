"""The state machines the server knows: their records, revisions, versions and aliases, and the
compiled :class:`~aslrun.machine.StateMachine` each revision runs as.

A *revision* is one definition (with its role, type, logging and tracing) as a state machine had
it at some moment: CreateStateMachine makes the first, each UpdateStateMachine that changes
something the next; a *version* is a revision published under a number; an *alias* routes to one
or two versions by weight. An execution runs one revision, which it keeps even if the state
machine changes meanwhile (DescribeStateMachineForExecution shows that one).
"""

from __future__ import annotations

import json
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from ..machine import StateMachine
from .arns import require_arn
from .faults import ServiceError, machine_does_not_exist
from .store import Store

__all__ = ["Catalog", "INITIAL_REVISION", "Revision", "Target", "public_revision_id"]

_COMPILED_KEEP = 256
INITIAL_REVISION = "initial-"  # the revision a machine is created with: AWS shows it no revisionId


def public_revision_id(revision_id: str) -> str | None:
    """The revisionId the API shows (None for a machine's first revision, as on AWS)."""
    return None if revision_id.startswith(INITIAL_REVISION) else revision_id


@dataclass(frozen=True)
class Revision:
    revision_id: str
    machine_arn: str
    definition: str
    role_arn: str
    type: str
    logging: dict[str, Any]
    tracing: dict[str, Any]
    encryption: dict[str, Any]
    created: float

    @classmethod
    def from_row(cls, row: Any) -> Revision:
        return cls(row["revision_id"], row["machine_arn"], row["definition"], row["role_arn"], row["type"],
                   _loads(row["logging"], {"level": "OFF", "includeExecutionData": False}),
                   _loads(row["tracing"], {"enabled": False}),
                   _loads(row["encryption"], {"type": "AWS_OWNED_KEY"}), row["created"])


@dataclass(frozen=True)
class Target:
    """What a StartExecution runs: a machine's revision, reached directly or by version / alias."""

    machine: Any  # the state_machines row
    revision: Revision
    version_arn: str | None = None
    alias_arn: str | None = None

    @property
    def machine_arn(self) -> str:
        return str(self.machine["arn"])

    @property
    def name(self) -> str:
        return str(self.machine["name"])

    @property
    def type(self) -> str:
        return self.revision.type


class Catalog:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._compiled: OrderedDict[str, StateMachine] = OrderedDict()
        self._lock = threading.Lock()
        self._random = random.Random()

    # -- records ----------------------------------------------------------------------------------

    def machine_row(self, arn: str, *, deleting_ok: bool = True) -> Any:
        row = self.store.one("SELECT * FROM state_machines WHERE arn = ?", (arn,))
        if row is None:
            raise machine_does_not_exist(arn)
        if row["status"] == "DELETING" and not deleting_ok:
            raise ServiceError("StateMachineDeleting", f"State Machine is being deleted: '{arn}'")
        return row

    def revision(self, revision_id: str) -> Revision:
        row = self.store.one("SELECT * FROM revisions WHERE revision_id = ?", (revision_id,))
        assert row is not None, f"revision {revision_id} is missing"
        return Revision.from_row(row)

    def version_row(self, arn: str) -> Any:
        return self.store.one("SELECT * FROM versions WHERE arn = ?", (arn,))

    def alias_row(self, arn: str) -> Any:
        return self.store.one("SELECT * FROM aliases WHERE arn = ?", (arn,))

    # -- what an ARN runs ---------------------------------------------------------------------------

    def target(self, text: str, *, for_start: bool = True) -> Target:
        """The revision a state machine, version or alias ARN runs (an alias picks by weight)."""
        arn = require_arn(text, "stateMachine")
        machine = self.machine_row(arn.base, deleting_ok=not for_start)
        if arn.is_version:
            version = self.version_row(text)
            if version is None:
                raise machine_does_not_exist(text)
            return Target(machine, self.revision(version["revision_id"]), version_arn=text)
        if arn.is_alias:
            alias = self.alias_row(text)
            if alias is None:
                raise machine_does_not_exist(text)
            version_arn = self._route(json.loads(alias["routing"]))
            version = self.version_row(version_arn)
            if version is None:  # pragma: no cover - a version an alias routes to cannot be deleted
                raise machine_does_not_exist(version_arn)
            return Target(machine, self.revision(version["revision_id"]), version_arn=version_arn, alias_arn=text)
        return Target(machine, self.revision(machine["revision_id"]))

    def _route(self, routing: list[dict[str, Any]]) -> str:
        """An alias's routing: each version is picked with its weight's share of the starts."""
        draw = self._random.uniform(0, sum(entry["weight"] for entry in routing))
        for entry in routing:
            draw -= entry["weight"]
            if draw < 0:
                return str(entry["stateMachineVersionArn"])
        return str(routing[-1]["stateMachineVersionArn"])

    def compiled(self, revision: Revision, name: str) -> StateMachine:
        """The StateMachine of a revision (compiled once, the most recently used ones kept)."""
        key = f"{revision.revision_id}/{name}"
        with self._lock:
            machine = self._compiled.get(key)
            if machine is not None:
                self._compiled.move_to_end(key)
                return machine
        machine = StateMachine(json.loads(revision.definition), name=name, validate=False)
        machine.service_revision = revision.revision_id  # type: ignore[attr-defined]  # what nested runs record
        machine.service_type = revision.type  # type: ignore[attr-defined]
        with self._lock:
            self._compiled[key] = machine
            while len(self._compiled) > _COMPILED_KEEP:
                self._compiled.popitem(last=False)
        return machine

    def resolve_for_nested(self, text: str) -> StateMachine | None:
        """The StateMachine a ``states:startExecution`` Task names (None: no such machine)."""
        try:
            target = self.target(text)
        except ServiceError:
            return None
        return self.compiled(target.revision, target.name)


def _loads(text: str | None, default: dict[str, Any]) -> dict[str, Any]:
    return json.loads(text) if text else dict(default)

"""Versions and aliases of state machines.

A version is an immutable, numbered snapshot of a state machine's revision (numbers are never
reused, at most 1,000 live versions per machine); an alias points at one version, or splits starts
between two by weight (the weights add up to 100). StartExecution accepts a version or alias ARN.
"""

from __future__ import annotations

import json
from typing import Any

from .arns import require_arn
from .catalog import Catalog, public_revision_id
from .context import Call
from .faults import ServiceError, validation
from .paging import page
from .store import Store

__all__ = ["VersionApi"]

_MAX_VERSIONS = 1000
_MAX_ALIASES = 100


class VersionApi:
    def __init__(self, store: Store, catalog: Catalog) -> None:
        self.store = store
        self.catalog = catalog

    # -- versions ---------------------------------------------------------------------------------------

    def publish(self, db: Any, machine_arn: str, revision_id: str, description: str | None, now: float) -> str:
        """Publish ``revision_id`` (inside the caller's transaction); the version's ARN. Publishing is
        idempotent, as on AWS: a revision that already has a version answers that version (whatever
        the description asked for now)."""
        existing = self.version_of_revision(db, machine_arn, revision_id)
        if existing is not None:
            return str(existing["arn"])
        count = db.execute("SELECT COUNT(*) FROM versions WHERE machine_arn = ?", (machine_arn,)).fetchone()[0]
        if count >= _MAX_VERSIONS:
            raise ServiceError("ServiceQuotaExceededException",
                               f"The state machine {machine_arn} has reached the limit of {_MAX_VERSIONS} versions: "
                               "delete some with DeleteStateMachineVersion")
        number = db.execute("SELECT next_version FROM state_machines WHERE arn = ?", (machine_arn,)).fetchone()[0]
        arn = f"{machine_arn}:{number}"
        db.execute("INSERT INTO versions (arn, machine_arn, version, revision_id, description, created) "
                   "VALUES (?, ?, ?, ?, ?, ?)", (arn, machine_arn, number, revision_id, description, now))
        db.execute("UPDATE state_machines SET next_version = ? WHERE arn = ?", (number + 1, machine_arn))
        return arn

    @staticmethod
    def version_of_revision(db: Any, machine_arn: str, revision_id: str) -> Any:
        """The newest live version published from ``revision_id`` (None: it has none)."""
        return db.execute("SELECT * FROM versions WHERE machine_arn = ? AND revision_id = ? ORDER BY version DESC "
                          "LIMIT 1", (machine_arn, revision_id)).fetchone()

    def publish_state_machine_version(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        text = request["stateMachineArn"]
        arn = require_arn(text, "stateMachine")
        if arn.qualifier is not None:
            raise validation("Publishing a version of a version or alias is not supported: "
                             "pass the state machine's own ARN", None)
        with self.store.write() as db:
            machine = db.execute("SELECT * FROM state_machines WHERE arn = ?", (text,)).fetchone()
            if machine is None:
                raise ServiceError("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{text}'")
            if machine["status"] != "ACTIVE":
                raise ServiceError("StateMachineDeleting", f"State Machine is being deleted: '{text}'")
            wanted = request.get("revisionId")
            if wanted is not None and wanted != machine["revision_id"]:
                raise ServiceError("ConflictException",
                                   f"Failed to publish the State Machine version for revision {wanted}. The current "
                                   f"State Machine revision is {public_revision_id(machine['revision_id']) or 'null'}.")
            version_arn = self.publish(db, text, machine["revision_id"], request.get("description"), call.now)
            created = db.execute("SELECT created FROM versions WHERE arn = ?", (version_arn,)).fetchone()[0]
        return {"creationDate": created, "stateMachineVersionArn": version_arn}

    def list_state_machine_versions(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        text = request["stateMachineArn"]
        arn = require_arn(text, "stateMachine")
        if arn.qualifier is not None:
            raise validation("Pass the state machine's own ARN to list its versions", None)
        self.catalog.machine_row(text)
        rows = self.store.all("SELECT arn, created FROM versions WHERE machine_arn = ? ORDER BY version DESC", (text,))
        items = [{"stateMachineVersionArn": row["arn"], "creationDate": row["created"]} for row in rows]
        chosen, token = page(items, request, "ListStateMachineVersions")
        return {"stateMachineVersions": chosen, "nextToken": token}

    def delete_state_machine_version(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        text = request["stateMachineVersionArn"]
        arn = require_arn(text, "stateMachine")
        if not arn.is_version:
            raise validation(f"The ARN '{text}' is not the ARN of a state machine version", None)
        with self.store.write() as db:
            referencing = [alias["name"] for alias in db.execute(
                "SELECT name, routing FROM aliases WHERE machine_arn = ? ORDER BY created", (arn.base,))
                if any(entry["stateMachineVersionArn"] == text for entry in json.loads(alias["routing"]))]
            if referencing:
                raise ServiceError("ConflictException",
                                   "Version to be deleted must not be referenced by an alias. Current list of "
                                   f"aliases referencing this version: [{', '.join(referencing)}]")
            db.execute("DELETE FROM versions WHERE arn = ?", (text,))
        return {}

    # -- aliases ----------------------------------------------------------------------------------------

    def create_state_machine_alias(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        name = request["name"]  # its pattern and length were checked against the model (wire.py)
        with self.store.write() as db:
            machine_arn = self._check_routing(db, request["routingConfiguration"])
            arn = f"{machine_arn}:{name}"
            routing = _routing_text(request["routingConfiguration"])
            existing = db.execute("SELECT * FROM aliases WHERE arn = ?", (arn,)).fetchone()
            if existing is not None:
                if existing["routing"] == routing and existing["description"] == request.get("description"):
                    return {"stateMachineAliasArn": arn, "creationDate": existing["created"]}
                raise ServiceError("ConflictException",
                                   "Failed to create alias because an alias with the same name and a different "
                                   "routing configuration already exists.")
            count = db.execute("SELECT COUNT(*) FROM aliases WHERE machine_arn = ?", (machine_arn,)).fetchone()[0]
            if count >= _MAX_ALIASES:
                raise ServiceError("ServiceQuotaExceededException",
                                   f"The state machine {machine_arn} has reached the limit of {_MAX_ALIASES} aliases")
            db.execute("INSERT INTO aliases (arn, machine_arn, name, description, routing, created, updated) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)", (arn, machine_arn, name, request.get("description"), routing,
                                                       call.now, call.now))
        return {"stateMachineAliasArn": arn, "creationDate": call.now}

    def describe_state_machine_alias(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        row = self._alias(request["stateMachineAliasArn"])
        return {"stateMachineAliasArn": row["arn"], "name": row["name"], "description": row["description"],
                "routingConfiguration": json.loads(row["routing"]), "creationDate": row["created"],
                "updateDate": row["updated"]}

    def list_state_machine_aliases(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        text = request["stateMachineArn"]
        arn = require_arn(text, "stateMachine")
        self.catalog.machine_row(arn.base)
        if arn.is_alias:
            raise validation("Pass a state machine or version ARN to list aliases", None)
        rows = self.store.all("SELECT arn, routing, created FROM aliases WHERE machine_arn = ? ORDER BY created",
                              (arn.base,))
        if arn.is_version:  # the aliases that route to this version
            rows = [row for row in rows
                    if any(entry["stateMachineVersionArn"] == text for entry in json.loads(row["routing"]))]
        items = [{"stateMachineAliasArn": row["arn"], "creationDate": row["created"]} for row in rows]
        chosen, token = page(items, request, "ListStateMachineAliases")
        return {"stateMachineAliases": chosen, "nextToken": token}

    def update_state_machine_alias(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        text = request["stateMachineAliasArn"]
        if request.get("description") is None and request.get("routingConfiguration") is None:
            raise validation("Either the description or the RoutingConfiguration must be specified",
                             "MISSING_REQUIRED_PARAMETER")
        with self.store.write() as db:
            row = self._alias(text, db)
            routing = row["routing"]
            if request.get("routingConfiguration") is not None:
                if self._check_routing(db, request["routingConfiguration"]) != row["machine_arn"]:
                    raise validation("The routing configuration of an alias must name versions of its own state "
                                     "machine", "INVALID_ROUTING_CONFIGURATION")
                routing = _routing_text(request["routingConfiguration"])
            description = request["description"] if request.get("description") is not None else row["description"]
            db.execute("UPDATE aliases SET routing = ?, description = ?, updated = ? WHERE arn = ?",
                       (routing, description, call.now, text))
        return {"updateDate": call.now}

    def delete_state_machine_alias(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        text = request["stateMachineAliasArn"]
        self._alias_arn(text)
        with self.store.write() as db:
            db.execute("DELETE FROM aliases WHERE arn = ?", (text,))  # no such alias: nothing to do, as on AWS
        return {}

    # -- helpers ------------------------------------------------------------------------------------------

    def _alias_arn(self, text: str) -> None:
        arn = require_arn(text, "stateMachine")
        if not arn.is_alias:
            raise validation(f"The ARN '{text}' is not the ARN of a state machine alias", None)

    def _alias(self, text: str, db: Any = None) -> Any:
        self._alias_arn(text)
        row = (db.execute("SELECT * FROM aliases WHERE arn = ?", (text,)).fetchone() if db is not None
               else self.catalog.alias_row(text))
        if row is None:
            raise ServiceError("ResourceNotFound", "Request references a resource that does not exist.",
                               resourceName=text)
        return row

    def _check_routing(self, db: Any, routing: list[dict[str, Any]]) -> str:
        """The machine the routing's versions belong to; refused unless it is 1 or 2 versions of one
        machine whose weights add up to 100."""
        if not 1 <= len(routing) <= 2:
            raise validation("The routing configuration must have one or two entries",
                             "INVALID_ROUTING_CONFIGURATION")
        machines = set()
        received = ", ".join(entry["stateMachineVersionArn"] for entry in routing)
        for entry in routing:
            text = entry["stateMachineVersionArn"]
            arn = require_arn(text, "stateMachine")
            if not arn.is_version:
                raise validation(f"Routing configuration must contain state machine version ARNs. Received: "
                                 f"[{received}]", "INVALID_ROUTING_CONFIGURATION")
            if db.execute("SELECT 1 FROM versions WHERE arn = ?", (text,)).fetchone() is None:
                raise ServiceError("ResourceNotFound", f"Resource not found: '{text}'", resourceName=text)
            machines.add(arn.base)
        if len(machines) > 1:
            raise validation("Routing configuration must contain versions of the same state machine",
                             "INVALID_ROUTING_CONFIGURATION")
        if len({entry["stateMachineVersionArn"] for entry in routing}) < len(routing):
            raise validation(f"Routing configuration must contain distinct state machine version ARNs. Received: "
                             f"[{received}]", "INVALID_ROUTING_CONFIGURATION")
        weights = [entry["weight"] for entry in routing]
        if sum(weights) != 100:
            raise validation(f"Sum of routing configuration weights must equal 100. Received: "
                             f"[{', '.join(str(w) for w in weights)}]", "INVALID_ROUTING_CONFIGURATION")
        return machines.pop()


def _routing_text(routing: list[dict[str, Any]]) -> str:
    """A routing configuration as stored: its two members in one order, so that the same routing
    sent again (an idempotent CreateStateMachineAlias) compares equal whatever the client's order."""
    return json.dumps([{"stateMachineVersionArn": entry["stateMachineVersionArn"], "weight": entry["weight"]}
                       for entry in routing])

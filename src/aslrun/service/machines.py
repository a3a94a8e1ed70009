"""State machines over the API: Create, Describe, Update, Delete, List, ValidateStateMachineDefinition,
and tags (on state machines and activities).

Each method takes the request's members (already checked against botocore's model) and the
:class:`~aslrun.service.context.Call` it came in, and returns the answer's members.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from .arns import check_name, machine_arn, require_arn
from .catalog import INITIAL_REVISION, Catalog, public_revision_id
from .context import Call
from .definitions import diagnostics, read_definition
from .faults import ServiceError, machine_does_not_exist, validation
from .paging import page
from .store import Store
from .tags import MAX_TAGS, forget_tags, put_tags, read_tags, remove_tags, require_taggable, tags_of

__all__ = ["MachineApi"]

_DEFAULT_LOGGING = {"level": "OFF", "includeExecutionData": False}
_DEFAULT_TRACING = {"enabled": False}
_DEFAULT_ENCRYPTION = {"type": "AWS_OWNED_KEY"}


class MachineApi:
    def __init__(self, store: Store, catalog: Catalog, versions: Any) -> None:
        self.store = store
        self.catalog = catalog
        self.versions = versions  # publishes versions on Create/Update with publish=true
        #: ``(machine ARN, error, cause)``: fails the machine's running executions at their next transition
        self.terminate_executions: Any = None

    # -- CreateStateMachine ---------------------------------------------------------------------------

    def create_state_machine(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        name = request["name"]
        check_name(name)
        _check_version_description(request)
        kind = request.get("type", "STANDARD")
        role = _role(request["roleArn"])
        definition = request["definition"]
        read_definition(definition, kind)
        logging = _logging(request.get("loggingConfiguration"), kind)
        tracing = request.get("tracingConfiguration") or dict(_DEFAULT_TRACING)
        encryption = request.get("encryptionConfiguration") or dict(_DEFAULT_ENCRYPTION)
        tags = read_tags(request.get("tags") or [])
        arn = machine_arn(call.partition, call.region, call.account, name)
        with self.store.write() as db:
            existing = db.execute("SELECT * FROM state_machines WHERE arn = ?", (arn,)).fetchone()
            if existing is not None:
                return self._same_create(db, existing, definition, kind, logging, tracing, encryption, request)
            revision_id = INITIAL_REVISION + str(uuid.uuid4())
            now = call.now
            db.execute("INSERT INTO revisions (revision_id, machine_arn, definition, role_arn, type, logging, tracing, "
                       "encryption, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (revision_id, arn, definition, role, kind, json.dumps(logging), json.dumps(tracing),
                        json.dumps(encryption), now))
            db.execute("INSERT INTO state_machines (arn, name, region, type, revision_id, created, seq) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)", (arn, name, call.region, kind, revision_id, now,
                                                       self.store.next_seq()))
            put_tags(db, self.store, arn, tags)
            answer: dict[str, Any] = {"stateMachineArn": arn, "creationDate": now}
            if request.get("publish"):
                answer["stateMachineVersionArn"] = self.versions.publish(
                    db, arn, revision_id, request.get("versionDescription"), now)
        return answer

    def _same_create(self, db: Any, existing: Any, definition: str, kind: str, logging: dict[str, Any],
                     tracing: dict[str, Any], encryption: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
        """CreateStateMachine is idempotent: the same name with the same definition (byte for byte),
        type, logging, tracing and encryption answers the existing machine (role and tags may differ,
        and are not changed); so does ``publish`` with the same version description when the machine
        has that version. Anything else is StateMachineAlreadyExists."""
        already = ServiceError("StateMachineAlreadyExists", f"State Machine Already Exists: '{existing['arn']}'")
        revision = self.catalog.revision(existing["revision_id"])
        same = (revision.definition == definition and revision.type == kind and revision.logging == logging
                and revision.tracing == tracing and revision.encryption == encryption)
        if not same or existing["status"] != "ACTIVE":
            raise already
        answer: dict[str, Any] = {"stateMachineArn": existing["arn"], "creationDate": existing["created"]}
        if request.get("publish"):
            version = self.versions.version_of_revision(db, existing["arn"], existing["revision_id"])
            if version is None or version["description"] != request.get("versionDescription"):
                raise already
            answer["stateMachineVersionArn"] = version["arn"]
        return answer

    # -- DescribeStateMachine -------------------------------------------------------------------------

    def describe_state_machine(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        text = request["stateMachineArn"]
        arn = require_arn(text, "stateMachine")
        if arn.is_alias:
            raise validation("This API does not support aliases: use DescribeStateMachineAlias", None)
        machine = self.store.one("SELECT * FROM state_machines WHERE arn = ?", (arn.base,))
        version = self.catalog.version_row(text) if arn.is_version else None
        if machine is None or (arn.is_version and version is None):
            raise machine_does_not_exist(text)
        answer: dict[str, Any]
        if version is not None:
            revision = self.catalog.revision(version["revision_id"])
            answer = {"stateMachineArn": text, "creationDate": version["created"]}
            if version["description"] is not None:
                answer["description"] = version["description"]
        else:
            revision = self.catalog.revision(machine["revision_id"])
            answer = {"stateMachineArn": machine["arn"], "creationDate": machine["created"]}
        answer.update({
            "name": machine["name"],
            "status": machine["status"],
            "definition": revision.definition,
            "roleArn": revision.role_arn,
            "type": revision.type,
            "loggingConfiguration": revision.logging,
            "tracingConfiguration": revision.tracing,
            "revisionId": public_revision_id(revision.revision_id),
            "encryptionConfiguration": revision.encryption,
        })
        return answer

    # -- UpdateStateMachine ---------------------------------------------------------------------------

    def update_state_machine(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        text = request["stateMachineArn"]
        require_arn(text, "stateMachine")  # a version's or alias's ARN names no state machine: DoesNotExist
        changes = [key for key in ("definition", "roleArn", "loggingConfiguration", "tracingConfiguration",
                                   "encryptionConfiguration") if request.get(key) is not None]
        if not changes:
            raise ServiceError("MissingRequiredParameter",
                               "Either the definition, the role ARN, the LoggingConfiguration, or the "
                               "TracingConfiguration must be specified")
        _check_version_description(request)
        if request.get("definition") is not None:  # checked before the transaction: it may take a while
            read_definition(request["definition"], self.catalog.machine_row(text)["type"])
        with self.store.write() as db:
            machine = db.execute("SELECT * FROM state_machines WHERE arn = ?", (text,)).fetchone()
            if machine is None:
                raise machine_does_not_exist(text)
            if machine["status"] != "ACTIVE":
                raise ServiceError("StateMachineDeleting", f"State Machine is being deleted: '{text}'")
            current = self.catalog.revision(machine["revision_id"])
            definition = request.get("definition", current.definition)
            role = _role(request["roleArn"]) if request.get("roleArn") else current.role_arn
            logging = _logging(request["loggingConfiguration"], current.type) \
                if request.get("loggingConfiguration") is not None else current.logging
            tracing = request.get("tracingConfiguration") or current.tracing
            encryption = request.get("encryptionConfiguration") or current.encryption
            now = call.now
            unchanged = (definition, role, logging, tracing, encryption) == (
                current.definition, current.role_arn, current.logging, current.tracing, current.encryption)
            revision_id = current.revision_id
            if not unchanged:
                revision_id = str(uuid.uuid4())
                db.execute("INSERT INTO revisions (revision_id, machine_arn, definition, role_arn, type, logging, "
                           "tracing, encryption, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           (revision_id, text, definition, role, current.type, json.dumps(logging),
                            json.dumps(tracing), json.dumps(encryption), now))
                db.execute("UPDATE state_machines SET revision_id = ? WHERE arn = ?", (revision_id, text))
            answer: dict[str, Any] = {"updateDate": now, "revisionId": public_revision_id(revision_id)}
            if request.get("publish"):
                answer["stateMachineVersionArn"] = self.versions.publish(
                    db, text, revision_id, request.get("versionDescription"), now)
        return answer

    # -- DeleteStateMachine ---------------------------------------------------------------------------

    def delete_state_machine(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        text = request["stateMachineArn"]
        arn = require_arn(text, "stateMachine")
        if arn.is_alias:
            raise validation("Deleting an alias with DeleteStateMachine is not supported: "
                             "use DeleteStateMachineAlias", None)
        if arn.is_version:
            raise validation("Deleting a version with DeleteStateMachine is not supported: "
                             "use DeleteStateMachineVersion", None)
        with self.store.write() as db:
            row = db.execute("SELECT status FROM state_machines WHERE arn = ?", (text,)).fetchone()
            if row is None:
                return {}  # deleting what does not exist succeeds, as on AWS
            running = db.execute("SELECT 1 FROM executions WHERE machine_arn = ? AND status = 'RUNNING' LIMIT 1",
                                 (text,)).fetchone()
            if running is not None:
                db.execute("UPDATE state_machines SET status = 'DELETING' WHERE arn = ?", (text,))
            else:
                delete_machine(db, text)
        if running is not None and self.terminate_executions is not None:
            # as on AWS: each running execution fails at its next state transition (one waiting stays)
            self.terminate_executions(text, "States.Runtime", f"State machine {arn.machine_name} has been deleted.")
        return {}

    def finish_deleting_later(self, arn: str) -> None:
        """After an execution of ``arn`` ended: a machine marked DELETING goes once none of its
        executions runs. Queued behind the execution's own end, so the check sees it closed."""
        gone = ("EXISTS (SELECT 1 FROM state_machines WHERE arn = ? AND status = 'DELETING') AND NOT EXISTS "
                "(SELECT 1 FROM executions WHERE machine_arn = ? AND status = 'RUNNING')")
        for table, column in (("versions", "machine_arn"), ("aliases", "machine_arn"), ("tags", "resource_arn"),
                              ("state_machines", "arn")):
            self.store.queue(f"DELETE FROM {table} WHERE {column} = ? AND {gone}", (arn, arn, arn))

    # -- ListStateMachines ----------------------------------------------------------------------------

    def list_state_machines(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        rows = self.store.all("SELECT arn, name, type, created FROM state_machines WHERE region = ? ORDER BY name",
                              (call.region,))
        items = [{"stateMachineArn": row["arn"], "name": row["name"], "type": row["type"],
                  "creationDate": row["created"]} for row in rows]
        chosen, token = page(items, request, "ListStateMachines")
        return {"stateMachines": chosen, "nextToken": token}

    # -- ValidateStateMachineDefinition ---------------------------------------------------------------

    def validate_state_machine_definition(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        found, truncated = diagnostics(request["definition"], kind=request.get("type", "STANDARD"),
                                       max_results=request.get("maxResults") or 100)
        severity = request.get("severity", "ERROR")
        if severity == "ERROR":
            found = [entry for entry in found if entry["severity"] == "ERROR"]
        return {"result": "FAIL" if any(entry["severity"] == "ERROR" for entry in found) else "OK",
                "diagnostics": found, "truncated": truncated}

    # -- tags -----------------------------------------------------------------------------------------

    def tag_resource(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        arn = request["resourceArn"]
        tags = read_tags(request["tags"])
        with self.store.write() as db:
            require_taggable(db, arn)
            put_tags(db, self.store, arn, tags)
            count = db.execute("SELECT COUNT(*) FROM tags WHERE resource_arn = ?", (arn,)).fetchone()[0]
            if count > MAX_TAGS:
                raise ServiceError("TooManyTags", f"Too many tags: '{arn}' may have at most {MAX_TAGS}",
                                   resourceName=arn)
        return {}

    def untag_resource(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        arn = request["resourceArn"]
        with self.store.write() as db:
            require_taggable(db, arn)
            remove_tags(db, arn, request["tagKeys"])
        return {}

    def list_tags_for_resource(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        arn = request["resourceArn"]
        with self.store.write() as db:
            require_taggable(db, arn)
        return {"tags": [{"key": key, "value": value} for key, value in tags_of(self.store, arn)]}


def delete_machine(db: Any, arn: str) -> None:
    """Remove a state machine with its versions, aliases and tags (executions stay describable)."""
    db.execute("DELETE FROM state_machines WHERE arn = ?", (arn,))
    db.execute("DELETE FROM versions WHERE machine_arn = ?", (arn,))
    db.execute("DELETE FROM aliases WHERE machine_arn = ?", (arn,))
    forget_tags(db, arn)


def _check_version_description(request: dict[str, Any]) -> None:
    if request.get("versionDescription") is not None and not request.get("publish"):
        raise validation("Version description can only be set when publish is true", None)


def _role(role: str) -> str:
    if not role.startswith("arn:"):
        raise ServiceError("InvalidArn", f"Invalid Arn: 'Invalid ARN prefix: {role}'")
    return role


def _logging(logging: dict[str, Any] | None, kind: str) -> dict[str, Any]:
    """The logging configuration as AWS keeps and describes it: level OFF unless given, the
    destinations given (even an empty list), and at most one destination, which a level other than
    OFF needs."""
    if not logging:
        return dict(_DEFAULT_LOGGING)
    out = {"level": logging.get("level", "OFF"), "includeExecutionData": bool(logging.get("includeExecutionData"))}
    destinations = logging.get("destinations")
    if destinations is not None:
        out["destinations"] = destinations
    if len(destinations or []) > 1 or (out["level"] != "OFF" and not destinations):
        raise ServiceError("InvalidLoggingConfiguration",
                           "Invalid Logging Configuration: Must specify exactly one Log Destination.")
    return out

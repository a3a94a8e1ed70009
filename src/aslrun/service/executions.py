"""Executions over the API: StartExecution, StartSyncExecution, DescribeExecution, StopExecution,
ListExecutions, GetExecutionHistory, DescribeStateMachineForExecution.

StartExecution follows AWS's name rules: the same name and input while the first is still running
answers the first; a closed one, or another input, is ``ExecutionAlreadyExists``. The execution's
row is committed before the answer (it survives a crash from then on); what it does afterwards is
recorded as it happens (see :mod:`aslrun.service.recorder`).
"""

from __future__ import annotations

import json
import math
import re
import uuid
from typing import Any

from ..engine.redrive import HISTORY_LIMIT_NOT_REDRIVABLE, history_limit_reached
from ..errors import AslrunError
from ..history import Event
from .arns import check_name, execution_arn, express_execution_arn, require_arn
from .catalog import Catalog, Target, public_revision_id
from .context import Call
from .faults import ServiceError, execution_does_not_exist, validation
from .paging import limit_of, read_token, token_for
from .recorder import recorded_output_text
from .event_rows import INSERT_EVENT, event_row, read_event
from .runner import Runner
from .store import Store

__all__ = ["ExecutionApi"]

_CLOSED = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


class ExecutionApi:
    def __init__(self, store: Store, catalog: Catalog, runner: Runner) -> None:
        self.store = store
        self.catalog = catalog
        self.runner = runner

    # -- starting ---------------------------------------------------------------------------------------

    def start_execution(self, request: dict[str, Any], call: Call, *, test_case: str | None = None) -> dict[str, Any]:
        machine_text, test_case = _test_case(request["stateMachineArn"], test_case)
        target = self.catalog.target(machine_text)
        name = request.get("name") or str(uuid.uuid4())
        check_name(name)
        input_text, value = _input(request.get("input"))
        if target.type == "EXPRESS":
            arn = express_execution_arn(call.partition, call.region, call.account, target.name, name,
                                        str(uuid.uuid4()))
        else:
            arn = execution_arn(call.partition, call.region, call.account, target.name, name)
        start = call.now
        with self.store.write() as db:
            existing = db.execute("SELECT status, input, start FROM executions WHERE arn = ?", (arn,)).fetchone()
            if existing is not None:
                if existing["status"] == "RUNNING" and existing["input"] == input_text:
                    return {"executionArn": arn, "startDate": existing["start"]}
                raise ServiceError("ExecutionAlreadyExists", f"Execution Already Exists: '{arn}'")
            execution = self._prepare(target, value, name, arn, start, call, test_case)
            db.execute("INSERT INTO executions (arn, machine_arn, name, type, status, input, start, trace_header, "
                       "version_arn, alias_arn, revision_id, seq) VALUES (?, ?, ?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?, ?)",
                       (arn, target.machine_arn, name, target.type, input_text, start, request.get("traceHeader"),
                        target.version_arn, target.alias_arn, target.revision.revision_id, self.store.next_seq()))
            db.execute(*_started_event(arn, value, target.revision.role_arn, start))
        self.runner.launch(execution)
        return {"executionArn": arn, "startDate": start}

    def start_sync_execution(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        machine_text, test_case = _test_case(request["stateMachineArn"], None)
        target = self.catalog.target(machine_text)
        if target.type != "EXPRESS":
            raise ServiceError("StateMachineTypeNotSupported",
                               "This operation is not supported by this type of state machine")
        name = request.get("name") or str(uuid.uuid4())
        check_name(name)
        input_text, value = _input(request.get("input"))
        arn = express_execution_arn(call.partition, call.region, call.account, target.name, name, str(uuid.uuid4()))
        start = call.now
        execution = self._prepare(target, value, name, arn, start, call, test_case)
        with self.store.write() as db:
            db.execute("INSERT INTO executions (arn, machine_arn, name, type, status, input, start, trace_header, "
                       "version_arn, alias_arn, revision_id, seq) VALUES (?, ?, ?, 'EXPRESS', 'RUNNING', ?, ?, ?, ?, ?, "
                       "?, ?)", (arn, target.machine_arn, name, input_text, start, request.get("traceHeader"),
                                 target.version_arn, target.alias_arn, target.revision.revision_id,
                                 self.store.next_seq()))
        self.runner.run_here(execution)
        stop = execution.stop_time if execution.stop_time is not None else start
        answer: dict[str, Any] = {
            "executionArn": arn, "stateMachineArn": target.machine_arn, "name": name, "startDate": start,
            "stopDate": stop, "status": execution.status, "input": input_text, "inputDetails": {"included": True},
            "traceHeader": request.get("traceHeader"),
            "billingDetails": {"billedMemoryUsedInMB": 64,
                               "billedDurationInMilliseconds": max(100, math.ceil((stop - start) * 10) * 100)},
        }
        answer["outputDetails"] = {"included": True}  # on a failed run too, as AWS answers
        if execution.status == "SUCCEEDED":
            answer["output"] = recorded_output_text(execution) or _json(execution.output)
        else:
            answer["error"], answer["cause"] = execution.error, execution.cause
        return answer

    def _prepare(self, target: Any, value: Any, name: str, arn: str, start: float, call: Call,
                 test_case: str | None) -> Any:
        try:
            execution = self.runner.prepare(target, value, name=name, start=start, region=call.region,
                                            account=call.account, arn=arn, test_case=test_case)
        except AslrunError as error:  # e.g. an input nested deeper than aslrun reads
            raise ServiceError("InvalidExecutionInput", f"Invalid State Machine Execution Input: '{error}'") from None
        execution.service_revision = target.revision.revision_id  # type: ignore[attr-defined]  # what it records
        return execution

    # -- reading ----------------------------------------------------------------------------------------

    def _row(self, text: str) -> Any:
        arn = require_arn(text, "execution", "express")
        if arn.kind == "express":
            raise ServiceError("InvalidArn", "Invalid Arn: 'Resource type not valid in this context: express'")
        row = self.store.one("SELECT * FROM executions WHERE arn = ?", (text,))
        if row is None:
            raise execution_does_not_exist(text)
        return row

    def describe_execution(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        row = self._row(request["executionArn"])
        answer = _summary(row)
        answer.update({"input": row["input"], "inputDetails": {"included": True},
                       "traceHeader": row["trace_header"], "error": row["error"], "cause": row["cause"]})
        if row["status"] == "SUCCEEDED":
            answer["output"] = row["output"]
            answer["outputDetails"] = {"included": True}
        status, reason = _redrive_status(row)
        answer["redriveStatus"] = status
        answer["redriveStatusReason"] = reason
        return answer

    def list_executions(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        machine_text, map_run_text = request.get("stateMachineArn"), request.get("mapRunArn")
        if (machine_text is None) == (map_run_text is None):
            raise validation("Exactly one of stateMachineArn and mapRunArn must be given", None)
        if machine_text is not None:
            arn = require_arn(machine_text, "stateMachine")
            machine = self.catalog.machine_row(arn.base)
            if machine["type"] == "EXPRESS":
                raise ServiceError("StateMachineTypeNotSupported",
                                   "This operation is not supported by this type of state machine")
            if arn.is_version:
                where, parameters = "version_arn = ? AND alias_arn IS NULL", [machine_text]
            elif arn.is_alias:
                where, parameters = "alias_arn = ?", [machine_text]
            else:
                where, parameters = "machine_arn = ?", [machine_text]
        else:
            assert map_run_text is not None  # (exactly one of the two was given)
            require_arn(map_run_text, "mapRun")
            if self.store.one("SELECT 1 FROM map_runs WHERE arn = ?", (map_run_text,)) is None:
                raise ServiceError("ResourceNotFound", f"Resource not found: '{map_run_text}'",
                                   resourceName=map_run_text)
            where, parameters = "map_run_arn = ?", [map_run_text]
        if request.get("statusFilter"):
            where += " AND status = ?"
            parameters.append(request["statusFilter"])
        if request.get("redriveFilter") == "REDRIVEN":
            where += " AND redrive_count > 0"
        elif request.get("redriveFilter") == "NOT_REDRIVEN":
            where += " AND redrive_count = 0"
        offset = read_token(request.get("nextToken"), "ListExecutions")
        limit = limit_of(request)
        rows = self.store.all(f"SELECT * FROM executions WHERE {where} ORDER BY seq DESC LIMIT ? OFFSET ?",
                              (*parameters, limit + 1, offset))
        items = [_summary(row) for row in rows[:limit]]
        token = token_for("ListExecutions", offset + limit) if len(rows) > limit else None
        return {"executions": items, "nextToken": token}

    def get_execution_history(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        row = self._row(request["executionArn"])
        if row["status"] == "RUNNING":
            self.store.flush()  # what it has done up to now
        offset = read_token(request.get("nextToken"), "GetExecutionHistory")
        limit = limit_of(request)
        order = "DESC" if request.get("reverseOrder") else "ASC"
        rows = self.store.all(f"SELECT * FROM events WHERE execution_arn = ? ORDER BY id {order} LIMIT ? OFFSET ?",
                              (row["arn"], limit + 1, offset))
        include_data = request.get("includeExecutionData", True)
        events = [_event(r, include_data) for r in rows[:limit]]
        token = token_for("GetExecutionHistory", offset + limit) if len(rows) > limit else None
        return {"events": events, "nextToken": token}

    def describe_state_machine_for_execution(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        row = self._row(request["executionArn"])
        revision = self.catalog.revision(row["revision_id"]) if row["revision_id"] else None
        if revision is None:
            raise execution_does_not_exist(row["arn"])
        answer = {"stateMachineArn": row["machine_arn"], "name": row["machine_arn"].rsplit(":", 1)[-1],
                  "definition": revision.definition, "roleArn": revision.role_arn, "updateDate": revision.created,
                  "loggingConfiguration": revision.logging, "tracingConfiguration": revision.tracing,
                  "revisionId": public_revision_id(revision.revision_id),
                  "encryptionConfiguration": revision.encryption,
                  "mapRunArn": row["map_run_arn"]}
        if row["map_run_arn"]:
            answer["label"] = row["machine_arn"].rsplit("/", 1)[-1]
        return answer

    # -- redriving --------------------------------------------------------------------------------------

    def redrive_execution(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        """Continue a failed, timed-out or aborted standard execution from where it stopped."""
        row = self._row(request["executionArn"])
        token = request.get("clientToken")
        if token is not None and token == row["redrive_token"]:
            return {"redriveDate": row["redrive_date"]}  # the same request again: answered as before
        _check_redrivable(row)
        machine = self.store.one("SELECT * FROM state_machines WHERE arn = ?", (row["machine_arn"],))
        if machine is None or machine["status"] != "ACTIVE":
            raise ServiceError("ExecutionNotRedrivable", "State machine is in DELETING status.")
        target = Target(machine, self.catalog.revision(row["revision_id"]), version_arn=row["version_arn"],
                        alias_arn=row["alias_arn"])
        events = [read_event(r) for r in self.store.all(
            "SELECT * FROM events WHERE execution_arn = ? ORDER BY id", (row["arn"],))]
        count = row["redrive_count"] + 1
        now = call.now
        input_value = json.loads(row["input"])
        execution = self.runner.prepare(target, input_value, name=row["name"], start=row["start"],
                                        region=call.region, account=call.account, arn=row["arn"],
                                        redrive=(events, count, now))
        execution.start_time = row["start"]
        execution.service_revision = row["revision_id"]  # type: ignore[attr-defined]  # (as at its start)
        last = max((event["id"] for event in events), default=0)
        redriven = Event(last + 1, last, "ExecutionRedriven", now, {"redriveCount": count})
        with self.store.write() as db:
            db.execute("UPDATE executions SET status = 'RUNNING', output = NULL, error = NULL, cause = NULL, "
                       "stop = NULL, redrive_count = ?, redrive_date = ?, redrive_token = ? WHERE arn = ?",
                       (count, now, token, row["arn"]))
            db.execute(INSERT_EVENT, (row["arn"], redriven.id, *event_row(redriven)))
        self.runner.launch(execution)
        return {"redriveDate": now}

    # -- stopping ---------------------------------------------------------------------------------------

    def stop_execution(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        row = self._row(request["executionArn"])
        if row["status"] != "RUNNING":
            return {"stopDate": row["stop"] if row["stop"] is not None else call.now}
        self.runner.stop(row["arn"], request.get("error"), request.get("cause"))
        self.store.flush()
        stopped = self.store.one("SELECT stop FROM executions WHERE arn = ?", (row["arn"],))
        stop = stopped["stop"] if stopped is not None and stopped["stop"] is not None else call.now
        return {"stopDate": stop}


def _started_event(arn: str, value: Any, role_arn: str, start: float) -> tuple[str, tuple[Any, ...]]:
    """ExecutionStarted, committed with the execution's row: a server killed right after answering
    StartExecution still shows the execution as started (the engine records the same event again)."""
    event = Event(1, 0, "ExecutionStarted", start, {"input": value, "roleArn": role_arn})
    return INSERT_EVENT, (arn, 1, *event_row(event))


def _test_case(text: str, given: str | None) -> tuple[str, str | None]:
    """``<machine ARN>#<test case>``: Step Functions Local's way of naming a mocked test case."""
    if "#" in text:
        machine, _, case = text.partition("#")
        return machine, case or given
    return text, given


def _input(text: str | None) -> tuple[str, Any]:
    if text is None:
        return "{}", {}
    if not text.strip():
        raise ServiceError("InvalidExecutionInput", "Invalid State Machine Execution Input: 'Invalid execution input.'")
    try:
        checked = _finite_number if _MAY_OVERFLOW.search(text) else None  # (a Python call per number otherwise)
        return text, json.loads(text, parse_constant=_not_json, parse_float=checked)
    except ValueError as error:
        raise ServiceError("InvalidExecutionInput", f"Invalid State Machine Execution Input: '{error}'") from None
    except RecursionError:
        raise ServiceError("InvalidExecutionInput",
                           "Invalid State Machine Execution Input: 'the input nests too deeply'") from None


def _not_json(name: str) -> Any:
    raise ValueError(f"Unrecognized token '{name}': was expecting (JSON String, Number, Array, Object or token "
                     "'null', 'true' or 'false')")


#: where a JSON number could be past a double's range: an exponent of 100 or more, or 200 digits in a
#: row (with an exponent under 100, only a mantissa of some 210 digits or more reaches 1e309). Only then
#: is each number checked as it is read; a match elsewhere (inside a string) only costs time
_MAY_OVERFLOW = re.compile(r"[eE]\+?0*[1-9]\d\d|\d{200}")


def _finite_number(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"Numeric value ({text}) out of range of double")
    return value


def _summary(row: Any) -> dict[str, Any]:
    return {
        "executionArn": row["arn"], "stateMachineArn": row["machine_arn"], "name": row["name"],
        "status": row["status"], "startDate": row["start"], "stopDate": row["stop"], "mapRunArn": row["map_run_arn"],
        "stateMachineVersionArn": row["version_arn"], "stateMachineAliasArn": row["alias_arn"],
        "redriveCount": row["redrive_count"], "redriveDate": row["redrive_date"],
    }


_MAX_REDRIVES = 1000


def _check_redrivable(row: Any) -> None:
    status, reason = _redrive_status(row)
    if status != "REDRIVABLE":
        raise ServiceError("ExecutionNotRedrivable", reason or f"Execution is {row['status']} and cannot be "
                           "redriven: redrive its parent execution, which redrives its Map Run")
    if row["redrive_count"] >= _MAX_REDRIVES:
        raise ServiceError("ExecutionLimitExceeded",
                           f"Execution has been redriven {_MAX_REDRIVES} times, the most AWS allows")


def _redrive_status(row: Any) -> tuple[str, str | None]:
    status = row["status"]
    if status in ("RUNNING", "SUCCEEDED"):
        return "NOT_REDRIVABLE", f"Execution is {status} and cannot be redriven"
    if status == "FAILED" and history_limit_reached({"type": "ExecutionFailed", "executionFailedEventDetails": {
            "error": row["error"], "cause": row["cause"]}}):
        return "NOT_REDRIVABLE", HISTORY_LIMIT_NOT_REDRIVABLE
    if row["type"] == "EXPRESS":
        if row["map_run_arn"]:
            return "REDRIVABLE_BY_MAP_RUN", None
        return "NOT_REDRIVABLE", "Execution is EXPRESS and cannot be redriven"
    return "REDRIVABLE", None


def _event(row: Any, include_data: bool) -> dict[str, Any]:
    event = read_event(row)
    if not include_data:
        for key, details in event.items():
            if key.endswith("Details") and isinstance(details, dict):
                for field in ("input", "output", "inputDetails", "outputDetails"):
                    details.pop(field, None)
    return event


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

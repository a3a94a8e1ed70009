"""Map Runs over the API: ListMapRuns, DescribeMapRun, UpdateMapRun.

A distributed Map's run is recorded when its parent records ``MapRunStarted`` (see
:mod:`aslrun.service.recorder`); its child executions are executions like any other, carrying the
Map Run's ARN, so DescribeMapRun counts them by status. UpdateMapRun changes a running Map Run's
MaxConcurrency and tolerated failures in the running engine (the Map reads them as it goes).
"""

from __future__ import annotations

from typing import Any

from .arns import require_arn
from .context import Call
from .faults import ServiceError, validation
from .paging import page
from .runner import Runner
from .store import Store

__all__ = ["MapRunApi"]

_COUNTED = {"RUNNING": "running", "SUCCEEDED": "succeeded", "FAILED": "failed", "TIMED_OUT": "timedOut",
            "ABORTED": "aborted"}


class MapRunApi:
    def __init__(self, store: Store, runner: Runner) -> None:
        self.store = store
        self.runner = runner

    def list_map_runs(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        execution_arn = request["executionArn"]
        require_arn(execution_arn, "execution")
        if self.store.one("SELECT 1 FROM executions WHERE arn = ?", (execution_arn,)) is None:
            raise ServiceError("ExecutionDoesNotExist", f"Execution Does Not Exist: '{execution_arn}'")
        self._settle(execution_arn)
        rows = self.store.all("SELECT arn, start, stop FROM map_runs WHERE execution_arn = ? ORDER BY seq",
                              (execution_arn,))
        items = [{"executionArn": execution_arn, "mapRunArn": row["arn"], "stateMachineArn": _machine_of(row["arn"]),
                  "startDate": row["start"], "stopDate": row["stop"]} for row in rows]
        chosen, token = page(items, request, "ListMapRuns")
        return {"mapRuns": chosen, "nextToken": token}

    def describe_map_run(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        row = self._row(request["mapRunArn"])
        counts = {"pending": 0, "running": 0, "succeeded": 0, "failed": 0, "timedOut": 0, "aborted": 0}
        for status, number in self.store.all("SELECT status, COUNT(*) FROM executions WHERE map_run_arn = ? "
                                             "GROUP BY status", (row["arn"],)):
            counts[_COUNTED[status]] += number
        total = sum(counts.values())
        closed = total - counts["running"]
        counts.update(total=total, resultsWritten=closed, failuresNotRedrivable=0, pendingRedrive=0)
        return {
            "mapRunArn": row["arn"], "executionArn": row["execution_arn"], "status": row["status"],
            "startDate": row["start"], "stopDate": row["stop"], "maxConcurrency": row["max_concurrency"],
            "toleratedFailurePercentage": row["tolerated_percentage"],
            "toleratedFailureCount": row["tolerated_count"], "itemCounts": dict(counts),
            "executionCounts": dict(counts), "redriveCount": row["redrive_count"], "redriveDate": row["redrive_date"],
        }

    def update_map_run(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        row = self._row(request["mapRunArn"])
        changes = {key: request[key] for key in ("maxConcurrency", "toleratedFailurePercentage",
                                                  "toleratedFailureCount") if request.get(key) is not None}
        if not changes:
            raise validation("At least one of maxConcurrency, toleratedFailurePercentage and toleratedFailureCount "
                             "must be given", "MISSING_REQUIRED_PARAMETER")
        if row["status"] != "RUNNING":
            raise validation("Map Run is not in progress: only a running Map Run can be updated",
                             "CANNOT_UPDATE_COMPLETED_MAP_RUN")
        if not 0 <= changes.get("toleratedFailurePercentage", 0) <= 100:
            raise validation("toleratedFailurePercentage must be between 0 and 100", None)
        execution = self.runner.running.get(row["execution_arn"])
        if execution is not None:
            execution.scheduler.call_soon_threadsafe(lambda: _apply(execution.map_runs.get(row["arn"]), changes))
        with self.store.write() as db:
            db.execute("UPDATE map_runs SET max_concurrency = ?, tolerated_percentage = ?, tolerated_count = ? "
                       "WHERE arn = ?", (changes.get("maxConcurrency", row["max_concurrency"]),
                                         changes.get("toleratedFailurePercentage", row["tolerated_percentage"]),
                                         changes.get("toleratedFailureCount", row["tolerated_count"]), row["arn"]))
        return {}

    def _row(self, arn: str) -> Any:
        require_arn(arn, "mapRun")
        row = self.store.one("SELECT execution_arn FROM map_runs WHERE arn = ?", (arn,))
        if row is not None:
            self._settle(row["execution_arn"])
        row = self.store.one("SELECT * FROM map_runs WHERE arn = ?", (arn,))
        if row is None:
            raise ServiceError("ResourceNotFound", f"Resource not found: '{arn}'", resourceName=arn)
        return row

    def _settle(self, execution_arn: str) -> None:
        """What a running execution recorded so far is committed before it is read."""
        if execution_arn in self.runner.running or self.store.one("SELECT 1 FROM executions WHERE arn = ? AND "
                                                                  "status = 'RUNNING'", (execution_arn,)):
            self.store.flush()


def _machine_of(map_run_arn: str) -> str:
    """``...:mapRun:Machine/Label:uuid`` -> ``...:stateMachine:Machine/Label``."""
    return map_run_arn.rsplit(":", 1)[0].replace(":mapRun:", ":stateMachine:", 1)


def _apply(control: Any, changes: dict[str, Any]) -> None:
    """On the execution's thread: the running Map reads the new settings as its children end."""
    if control is None:
        return
    if "maxConcurrency" in changes:
        control.max_concurrency = changes["maxConcurrency"] or 10_000
    if "toleratedFailureCount" in changes:
        control.tolerated_count = changes["toleratedFailureCount"]
    if "toleratedFailurePercentage" in changes:
        control.tolerated_percentage = changes["toleratedFailurePercentage"]

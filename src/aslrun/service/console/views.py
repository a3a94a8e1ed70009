"""What the console shows, as JSON-ready dicts: the state machines, the executions, one execution
with its state runs, Map iterations, history and children.

Everything is read through the objects the API answers from (the service's store and catalog, the
runner's running executions), never a copy. Long lists are paged here, on the server, so a page of
10,000 events or 1,000 Map iterations sends one page at a time.
"""

from __future__ import annotations

import json
from typing import Any

from ...integrations.callbacks import pending_tasks
from ...report.drawing import draw_machine
from ...report.graph import build_graph
from ...report.visits import Visit
from ..catalog import public_revision_id
from .inspection import Inspections
from .reading import History, Histories, event_from_row

__all__ = ["ConsoleViews", "NotFound", "PAGE_SIZE"]

PAGE_SIZE = 100
EXECUTIONS_PAGE_SIZE = 50
STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
_ITERATION_ENDS = {"MapIterationStarted": "RUNNING", "MapIterationSucceeded": "SUCCEEDED",
                   "MapIterationFailed": "FAILED", "MapIterationAborted": "ABORTED"}
_ENDINGS = ("ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted")
_DETAIL_TEXT = 400  # characters of an event's details shown in the history list


class NotFound(Exception):
    """A page of something the server does not have (named)."""


def _page_of(page: Any) -> int:
    try:
        return max(1, int(page))
    except (TypeError, ValueError):
        return 1


def _pages(total: int, size: int) -> int:
    return max(1, -(-total // size))


class ConsoleViews:
    def __init__(self, service: Any, inspections: Inspections) -> None:
        self.service = service
        self.store = service.store
        self.catalog = service.catalog
        self.inspections = inspections
        self.histories = Histories(service.store)
        self._fails: dict[str, dict[str, tuple[str | None, str | None]]] = {}

    # -- state machines -------------------------------------------------------------------------------

    def machines(self) -> dict[str, Any]:
        counts: dict[str, dict[str, int]] = {}
        for row in self.store.all("SELECT machine_arn, status, COUNT(*) AS n FROM executions "
                                  "WHERE parent_arn IS NULL AND map_run_arn IS NULL GROUP BY machine_arn, status"):
            counts.setdefault(row["machine_arn"], {})[row["status"]] = row["n"]
        rows = self.store.all("SELECT * FROM state_machines ORDER BY name, region")
        return {"machines": [{"arn": row["arn"], "name": row["name"], "type": row["type"], "region": row["region"],
                              "status": row["status"], "created": row["created"],
                              "executions": counts.get(row["arn"], {})} for row in rows]}

    def machine(self, arn: str) -> dict[str, Any]:
        row = self.store.one("SELECT * FROM state_machines WHERE arn = ?", (arn,))
        if row is None:
            raise NotFound(f"no state machine {arn}")
        revision = self.catalog.revision(row["revision_id"])
        versions = [{"arn": v["arn"], "version": v["version"], "description": v["description"],
                     "created": v["created"], "revisionId": public_revision_id(v["revision_id"])}
                    for v in self.store.all("SELECT * FROM versions WHERE machine_arn = ? ORDER BY version DESC",
                                            (arn,))]
        aliases = [{"arn": a["arn"], "name": a["name"], "description": a["description"],
                    "routing": json.loads(a["routing"]), "updated": a["updated"]}
                   for a in self.store.all("SELECT * FROM aliases WHERE machine_arn = ? ORDER BY name", (arn,))]
        recent = self.executions(machine=arn)["executions"][:10]
        return {"arn": arn, "name": row["name"], "type": row["type"], "region": row["region"],
                "status": row["status"], "created": row["created"], "roleArn": revision.role_arn,
                "revisionId": public_revision_id(revision.revision_id), "definition": revision.definition,
                "versions": versions, "aliases": aliases, "recent": recent}

    def machine_drawing(self, arn: str) -> str:
        row = self.store.one("SELECT revision_id FROM state_machines WHERE arn = ?", (arn,))
        if row is None:
            raise NotFound(f"no state machine {arn}")
        return draw_machine(json.loads(self.catalog.revision(row["revision_id"]).definition))

    # -- executions -------------------------------------------------------------------------------------

    def executions(self, *, status: str | None = None, search: str | None = None, machine: str | None = None,
                   children: bool = False, page: Any = 1) -> dict[str, Any]:
        """Newest first, ``EXECUTIONS_PAGE_SIZE`` a page; ``search`` matches the name or ARN (case-blind)."""
        where, parameters = ["1 = 1"], []
        if status in STATUSES:
            where.append("status = ?")
            parameters.append(status)
        if machine:
            where.append("machine_arn = ?")
            parameters.append(machine)
        if search:
            where.append("(name LIKE ? ESCAPE '\\' OR arn LIKE ? ESCAPE '\\')")
            pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            parameters += [pattern, pattern]
        if not children:
            where.append("parent_arn IS NULL AND map_run_arn IS NULL")
        return self._executions_page(" AND ".join(where), parameters, "seq DESC", EXECUTIONS_PAGE_SIZE, page)

    def _executions_page(self, where: str, parameters: list[Any], order: str, size: int, page: Any) -> dict[str, Any]:
        """One page of the executions ``where`` selects, in ``order``, with the count of them all."""
        total = self.store.one(f"SELECT COUNT(*) FROM executions WHERE {where}", parameters)[0]
        number = _page_of(page)
        rows = self.store.all(f"SELECT * FROM executions WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
                              (*parameters, size, (number - 1) * size))
        return {"executions": [_summary(row) for row in rows], "total": total, "page": number,
                "pages": _pages(total, size)}

    def _row(self, arn: str) -> Any:
        row = self.store.one("SELECT * FROM executions WHERE arn = ?", (arn,))
        if row is None:
            raise NotFound(f"no execution {arn}")
        return row

    def _history(self, row: Any) -> History:
        return self.histories.of(row["arn"], running=row["status"] == "RUNNING")

    def _fail_states(self, row: Any) -> dict[str, tuple[str | None, str | None]]:
        """The ``Error`` and ``Cause`` each Fail state of the execution's definition names: a Fail
        state inside a Map iteration or Parallel branch records no error of its own in the history."""
        revision_id = row["revision_id"]
        known = self._fails.get(revision_id)
        if known is None:
            graph = build_graph(json.loads(self.catalog.revision(revision_id).definition))
            known = {node.name: (node.spec.get("Error"), node.spec.get("Cause"))
                     for _, node in graph.walk() if node.type == "Fail"}
            self._fails[revision_id] = known
        return known

    def execution(self, arn: str, *, since: int = -1) -> dict[str, Any]:
        """An execution as its live page shows it; the drawing only when the history grew past ``since``."""
        row = self._row(arn)
        history = self._history(row)
        visits = history.visits
        summary = _summary(row)
        summary.update({
            "input": _loads(row["input"]), "output": _loads(row["output"]), "error": row["error"],
            "cause": row["cause"], "typeOf": row["type"], "version": history.last_id,
            "events": len(history.events), "stateRuns": len(visits),
            "running": sorted({v.name for v in visits if v.status == "RUNNING"}),
            "waiting": self._waiting(arn),
            "timings": _timings(visits),
            "children": self._children(arn),
            "mapRuns": self._map_runs(arn),
            "parent": self._parent(row),
            "redrivable": _redrivable(row),
            "stoppable": row["status"] == "RUNNING" and row["type"] == "STANDARD" and row["parent_arn"] is None
            and row["map_run_arn"] is None,  # a child stops with its parent (the server stops root executions)
        })
        if history.last_id != since:
            revision = self.catalog.revision(row["revision_id"])
            ended = bool(history.events) and history.events[-1].type in _ENDINGS  # as the history read says
            summary["drawing"] = draw_machine(json.loads(revision.definition), visits, finished=ended)
        return summary

    def _waiting(self, arn: str) -> list[dict[str, Any]]:
        """Callback tasks of this execution (a nested child's too) waiting for their token."""
        return [{"state": task.state_name, "resource": task.resource, "token": task.token}
                for task in pending_tasks() if task.execution_arn == arn]

    def _children(self, arn: str) -> list[dict[str, Any]]:
        """The executions its Tasks started (the first ``PAGE_SIZE``; the executions list has them all)."""
        rows = self.store.all("SELECT * FROM executions WHERE parent_arn = ? AND map_run_arn IS NULL ORDER BY seq "
                              "LIMIT ?", (arn, PAGE_SIZE))
        return [_summary(row) for row in rows]

    def _map_runs(self, arn: str) -> list[dict[str, Any]]:
        runs = []
        for run in self.store.all("SELECT * FROM map_runs WHERE execution_arn = ? ORDER BY seq", (arn,)):
            counts = {r["status"]: r["n"] for r in self.store.all(
                "SELECT status, COUNT(*) AS n FROM executions WHERE map_run_arn = ? GROUP BY status", (run["arn"],))}
            runs.append({"arn": run["arn"], "state": run["state_name"], "status": run["status"],
                         "start": run["start"], "stop": run["stop"], "counts": counts})
        return runs

    def _parent(self, row: Any) -> dict[str, Any] | None:
        parent_arn = row["parent_arn"]
        if parent_arn is None and row["map_run_arn"]:
            run = self.store.one("SELECT execution_arn FROM map_runs WHERE arn = ?", (row["map_run_arn"],))
            parent_arn = run["execution_arn"] if run is not None else None
        if parent_arn is None:
            return None
        parent = self.store.one("SELECT arn, name, status FROM executions WHERE arn = ?", (parent_arn,))
        if parent is None:
            return None
        return {"arn": parent["arn"], "name": parent["name"], "status": parent["status"],
                "mapRunArn": row["map_run_arn"]}

    def map_run_children(self, map_run_arn: str, *, status: str | None = None, page: Any = 1) -> dict[str, Any]:
        where, parameters = "map_run_arn = ?", [map_run_arn]
        if status in STATUSES:
            where += " AND status = ?"
            parameters.append(status)
        return self._executions_page(where, parameters, "seq", PAGE_SIZE, page)

    # -- an execution's state runs, iterations, history --------------------------------------------------

    def runs(self, arn: str, *, state: str | None = None, within: Any = None, iteration: Any = None,
             page: Any = 1) -> dict[str, Any]:
        """State runs in the order they started (``within``: the runs inside one Map / Parallel run,
        by its entered event id; ``iteration``: of one of its iterations / branches)."""
        row = self._row(arn)
        history = self._history(row)
        fails = self._fail_states(row)
        chosen: list[tuple[int, Visit]] = list(enumerate(history.visits, start=1))
        if state:
            chosen = [(n, v) for n, v in chosen if v.name == state]
        if within not in (None, ""):
            outer = history.by_entered.get(_int(within))
            wanted = _int(iteration) if iteration not in (None, "") else None
            chosen = [(n, v) for n, v in chosen if _inside(v, outer, wanted)]
        total = len(chosen)
        number = min(_page_of(page), _pages(total, PAGE_SIZE))
        start = history.events[0].timestamp if history.events else 0.0
        shown = chosen[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
        return {"runs": [_run_row(n, v, start, fails) for n, v in shown], "total": total, "page": number,
                "pages": _pages(total, PAGE_SIZE)}

    def run(self, arn: str, entered_id: Any) -> dict[str, Any]:
        """One state run: what it got and gave, its error, the data-flow stages, its events."""
        row = self._row(arn)
        history = self._history(row)
        fails = self._fail_states(row)
        visit = history.by_entered.get(_int(entered_id))
        if visit is None:
            raise NotFound(f"no state run entered at event {entered_id} in {arn}")
        start = history.events[0].timestamp if history.events else 0.0
        error, cause = _error_of(visit, fails)
        answer = _run_row(None, visit, start, fails)
        answer.update({
            "input": visit.input, "output": visit.output, "exited": visit.exited is not None,
            "parameters": visit.parameters, "error": error, "cause": cause,
            "stages": self.inspections.stages(arn, visit.entered.id),
            "events": [_event_row(e, start) for e in visit.events[:PAGE_SIZE]],
            "moreEvents": max(0, len(visit.events) - PAGE_SIZE),
            "iterations": len(_iteration_statuses(visit, history)) if visit.type in ("Map", "Parallel") else 0,
        })
        return answer

    def iterations(self, arn: str, entered_id: Any, *, status: str | None = None, page: Any = 1) -> dict[str, Any]:
        """The iterations of an inline Map run (or a Parallel run's branches), each with its status."""
        row = self._row(arn)
        history = self._history(row)
        fails = self._fail_states(row)
        outer = history.by_entered.get(_int(entered_id))
        if outer is None or outer.type not in ("Map", "Parallel"):
            raise NotFound(f"no Map or Parallel run entered at event {entered_id} in {arn}")
        statuses = _iteration_statuses(outer, history)
        inner: dict[int, list[Visit]] = {}
        for visit in history.visits:
            if visit.parent is outer and visit.iteration is not None:
                inner.setdefault(visit.iteration, []).append(visit)
        indexes = sorted(set(statuses) | set(inner))
        rows = []
        for index in indexes:
            runs = inner.get(index, [])
            state = statuses.get(index) or ("RUNNING" if runs and runs[-1].status == "RUNNING" else "SUCCEEDED")
            failed = next((v for v in reversed(runs) if v.status == "FAILED"), None)
            rows.append({"index": index, "status": state, "states": len(runs),
                         "took": (runs[-1].end - runs[0].start) if runs else 0.0,
                         "current": runs[-1].name if runs else None,
                         "error": _error_of(failed, fails)[0] if failed is not None else None})
        if status in ("RUNNING", "SUCCEEDED", "FAILED", "ABORTED"):
            rows = [r for r in rows if r["status"] == status]
        counts: dict[str, int] = {}
        for index in indexes:
            key = statuses.get(index, "SUCCEEDED")
            counts[key] = counts.get(key, 0) + 1
        total = len(rows)
        number = min(_page_of(page), _pages(total, PAGE_SIZE))
        return {"state": outer.name, "type": outer.type, "iterations": rows[(number - 1) * PAGE_SIZE:number * PAGE_SIZE],
                "total": total, "counts": counts, "page": number, "pages": _pages(total, PAGE_SIZE)}

    def events(self, arn: str, *, page: Any = 1) -> dict[str, Any]:
        """The history, ``PAGE_SIZE`` events a page, read from the store a page at a time."""
        row = self._row(arn)
        if row["status"] == "RUNNING":
            self.store.flush()
        total = self.store.one("SELECT COUNT(*) FROM events WHERE execution_arn = ?", (arn,))[0]
        number = min(_page_of(page), _pages(total, PAGE_SIZE))
        first = self.store.one("SELECT body FROM events WHERE execution_arn = ? ORDER BY id LIMIT 1", (arn,))
        start = json.loads(first["body"])["timestamp"] if first is not None else 0.0
        rows = self.store.all("SELECT * FROM events WHERE execution_arn = ? ORDER BY id LIMIT ? OFFSET ?",
                              (arn, PAGE_SIZE, (number - 1) * PAGE_SIZE))
        return {"events": [_event_row(event_from_row(r), start) for r in rows], "total": total, "page": number,
                "pages": _pages(total, PAGE_SIZE)}


# -- shapes ---------------------------------------------------------------------------------------------


def _summary(row: Any) -> dict[str, Any]:
    return {"arn": row["arn"], "name": row["name"], "machineArn": row["machine_arn"],
            "machine": row["machine_arn"].rsplit(":", 1)[-1], "type": row["type"], "status": row["status"],
            "start": row["start"], "stop": row["stop"], "redriveCount": row["redrive_count"],
            "mapRunArn": row["map_run_arn"], "parentArn": row["parent_arn"], "versionArn": row["version_arn"],
            "aliasArn": row["alias_arn"]}


def _redrivable(row: Any) -> bool:
    return row["type"] == "STANDARD" and row["status"] in ("FAILED", "TIMED_OUT", "ABORTED")


def _loads(text: str | None) -> Any:
    return json.loads(text) if text is not None else None


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _inside(visit: Visit, outer: Visit | None, iteration: int | None) -> bool:
    """Whether ``visit`` ran inside ``outer`` (in its iteration / branch ``iteration``, if given)."""
    if outer is None:
        return False
    while visit.parent is not None:
        if visit.parent is outer:
            return iteration is None or visit.iteration == iteration
        visit = visit.parent
    return False


def _run_row(number: int | None, visit: Visit, start: float,
             fails: dict[str, tuple[str | None, str | None]]) -> dict[str, Any]:
    return {"n": number, "id": visit.entered.id, "name": visit.name, "type": visit.type, "where": visit.where,
            "depth": visit.depth, "status": visit.status, "start": visit.start - start, "took": visit.duration,
            "attempts": visit.attempts, "error": _error_of(visit, fails)[0] if visit.status in ("FAILED", "CAUGHT") else None}


def _error_of(visit: Visit, fails: dict[str, tuple[str | None, str | None]]) -> tuple[str | None, str | None]:
    """The error a state run failed with: its last failed attempt's; for a Fail state, the
    execution's failure it caused, else (inside a Map or Parallel) the Error and Cause it names."""
    if visit.type == "Fail":
        ended = next((e for e in visit.events if e.type == "ExecutionFailed"), None)
        if ended is not None:
            return ended.details.get("error"), ended.details.get("cause")
        return fails.get(visit.name, (None, None))
    return visit.error, visit.cause


def _timings(visits: list[Visit]) -> list[dict[str, Any]]:
    per_state: dict[str, list[Visit]] = {}
    for visit in visits:
        per_state.setdefault(visit.name, []).append(visit)
    rows = [{"state": name, "type": runs[0].type, "runs": len(runs), "calls": sum(v.attempts for v in runs),
             "total": sum(v.duration for v in runs), "longest": max(v.duration for v in runs)}
            for name, runs in per_state.items()]
    return sorted(rows, key=lambda row: -row["total"])


def _iteration_statuses(outer: Visit, history: History) -> dict[int, str]:
    """Each iteration's (branch's) status, from the Map / Parallel run's own events."""
    statuses: dict[int, str] = {}
    for event in outer.events:
        kind = event.type
        if kind.startswith("MapIteration") and "index" in event.details:
            statuses[int(event.details["index"])] = _ITERATION_ENDS[kind]
    if outer.type == "Parallel":  # a branch is as its last state run left it
        branches: dict[int, list[Visit]] = {}
        for visit in history.visits:
            if visit.parent is outer and visit.iteration is not None:
                branches.setdefault(visit.iteration, []).append(visit)
        for index, runs in branches.items():
            status = runs[-1].status
            statuses[index] = "RUNNING" if status == "CAUGHT" else status
    return statuses


def _event_row(event: Any, start: float) -> dict[str, Any]:
    details = event.details
    shown = {k: v for k, v in details.items() if k not in ("input", "output", "parameters")}
    text = json.dumps(shown, ensure_ascii=False, separators=(",", ":")) if shown else ""
    if len(text) > _DETAIL_TEXT:
        text = text[:_DETAIL_TEXT] + "…"
    return {"id": event.id, "previous": event.previous_id, "type": event.type, "t": event.timestamp - start,
            "details": text, "hasData": any(k in details for k in ("input", "output", "parameters"))}

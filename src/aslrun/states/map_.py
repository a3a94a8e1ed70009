"""Map: runs its item processor once per item of an array; the result is the list of outputs.

Items come from ``ItemsPath`` (JSONPath) or ``Items`` (JSONata), or an ``ItemReader`` (distributed
Map); each item passes through ``ItemSelector`` (legacy: ``Parameters``), where ``$`` is the Map's
input and ``$$.Map.Item.Index`` / ``.Value`` the item; ``ItemBatcher`` groups items into
``{"Items": [...], "BatchInput": ...}``. At most ``MaxConcurrency`` iterations run at once
(0: no limit). An iteration's failure fails the Map, unless ``ToleratedFailureCount`` /
``ToleratedFailurePercentage`` allow it (then ``States.ExceedToleratedFailureThreshold`` once they
are exceeded).

Inline iterations record ``MapIterationStarted`` / ``Succeeded`` / ``Failed`` / ``Aborted`` in the
parent history; a distributed Map records ``MapRunStarted`` / ``MapRunSucceeded`` / ``MapRunFailed``.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

from ..errors import StatesError, runtime_error
from ..engine.fanout import run_children
from ..engine.frame import ItemScope
from ..engine.runner import ExecutionTimedOut, Outcome, reused, run_branch
from ..expr.jsonpath import PathNotFound, compile_path
from ..expr.template import compact_json, compile_template, read_path
from .base import State

__all__ = ["MapRunControl", "MapState"]

_INLINE_CONCURRENCY = 40  # AWS runs at most 40 iterations of an inline Map at once
_DISTRIBUTED_CONCURRENCY = 10_000  # and at most 10,000 child executions of a distributed Map


class MapState(State):
    type = "Map"
    can_retry = True
    final_failure_event = "MapStateFailed"
    grows_data = True
    blocking = True

    def __init__(self, name: str, spec: dict[str, Any], build: Any) -> None:
        super().__init__(name, spec, build)
        processor = spec.get("ItemProcessor") or spec["Iterator"]
        self.processor = build.branch(processor, f"{name}.ItemProcessor")
        config = processor.get("ProcessorConfig") or {}
        self.distributed = config.get("Mode") == "DISTRIBUTED"
        self.label = spec.get("Label")
        selector = spec.get("ItemSelector", spec.get("Parameters"))
        self.item_selector = build.item_selector(self, selector)
        self.items_path = compile_path(spec["ItemsPath"]) if "ItemsPath" in spec else None
        self.batcher = spec.get("ItemBatcher")
        self.batch_input = compile_template(self.batcher["BatchInput"], "BatchInput") \
            if self.batcher and "BatchInput" in self.batcher and self.query_language != "JSONata" else None
        self.max_concurrency = _Setting(spec, "MaxConcurrency", 0)
        self.tolerated_count = _Setting(spec, "ToleratedFailureCount", None)
        self.tolerated_percentage = _Setting(spec, "ToleratedFailurePercentage", None)
        self.retriers, self.catchers = build.recovery(self, spec)
        jsonata = self.query_language == "JSONata"
        # a distributed Map may read its items from S3 and write its results there (the local AWS), and
        # run its children in worker processes: the integrations do those (see states.services)
        services = build.services
        self.reader: Any = services.item_reader(spec["ItemReader"], jsonata=jsonata) if spec.get("ItemReader") else None
        # (None without a ResultWriter: then no runs are kept for it, see execute)
        self.writer: Any = services.result_writer(spec["ResultWriter"], jsonata=jsonata) \
            if spec.get("ResultWriter") else None
        self.child_pool = services.child_pool
        self.iteration_pool = services.iteration_pool

    def unbound_problem(self, bindings: Any) -> str | None:
        """What keeps the ItemReader / ResultWriter from running (checked before the run)."""
        problems = [p for p in (part.unbound_problem(bindings) for part in (self.reader, self.writer)
                                if part is not None) if p]
        return "; ".join(problems) or None

    # -- run ------------------------------------------------------------------------------------

    def execute(self, frame: Any, raw_input: Any) -> Generator[Any, Any, tuple[Any, str | None]]:
        io = self.io
        execution = frame.execution
        data = io.select_input(frame, raw_input)
        if self.reader is not None:
            items = self.reader.read(frame, raw_input, data)
        else:
            items = io.map_items(self, frame, raw_input, data)
        limit = io.map_concurrency(self, frame, raw_input, data)  # AWS reads it before MapStateStarted
        inputs = self._iteration_inputs(frame, raw_input, data, items)
        count = len(inputs)
        frame.emit("MapStateStarted", {"length": count})
        tolerated_count, tolerated_pct = io.map_tolerance(self, frame, raw_input, data)  # ...these after
        map_run_arn = ""
        run_started = 0  # a distributed Map's MapRunStarted event
        cap = _DISTRIBUTED_CONCURRENCY if self.distributed else _INLINE_CONCURRENCY
        control = MapRunControl(limit or cap, tolerated_count, tolerated_pct)
        if self.distributed:
            map_run_arn = execution.map_run_arn(self.label or self.name)
            execution.map_runs[map_run_arn] = control  # UpdateMapRun may change it while it runs
            run_started = frame.emit("MapRunStarted", {"mapRunArn": map_run_arn}).id
        failures = [0]
        runs: list[Any] | None = [None] * count if self.writer is not None else None

        resume, frame.resume = frame.resume, None  # redriven: the iterations that succeeded are not run again
        pool = None  # with handler_processes, the workers that run iterations which only compute (below)

        def iteration(index: int) -> Generator[Any, Any, Outcome]:
            if pool is not None:
                return pool.iteration(index)
            if resume is not None and index in resume.done:
                return reused(resume.done[index], frame.last_event_id)
            picked_up = resume.resume.get(index) if resume is not None else None
            return self._iteration(frame, index, inputs[index], runs, map_run_arn, picked_up)

        last = [frame.last_event_id]

        def stop(_index: int, outcome: Outcome) -> bool:
            # the next iteration starts because this one ended: AWS links it to this one's last event
            frame.last_event_id = outcome.last_event_id
            last[0] = outcome.end_event_id
            if outcome.failed:
                failures[0] += 1
                allowed = _allowed_failures(count, control.tolerated_count, control.tolerated_percentage)
                return allowed is None or failures[0] > allowed
            return False

        if self.distributed and self.child_pool.eligible(self, execution, count):
            outcomes, stopped = self._pooled(execution, inputs, runs, stop)
        else:
            if not self.distributed and resume is None:
                pool = self.iteration_pool(self, frame, inputs, control.current_limit())
            try:
                outcomes, stopped = yield from run_children(execution.scheduler, iteration, count,
                                                            control.current_limit, stop)
            finally:
                if pool is not None:
                    pool.close()
        if stopped:
            if _allowed_failures(count, control.tolerated_count, control.tolerated_percentage) is None:
                error = next(o.error for o in outcomes if o is not None and o.failed)
            else:
                error = StatesError("States.ExceedToleratedFailureThreshold",
                                    "The specified tolerated failure threshold was exceeded")
            if self.writer is not None and self.writer.to_s3 and runs is not None:
                pending = [inputs[i] for i, run in enumerate(runs) if run is None]
                self.writer.write(frame, raw_input, data, map_run_arn, runs, pending)
            if self.distributed:
                frame.emit("MapRunFailed", _error_details(error))
            raise error  # the runner records MapStateFailed once the Map has failed for good
        if self.writer is not None and runs is not None:
            result: Any = self.writer.write(frame, raw_input, data, map_run_arn, runs, []) if self.writer.to_s3 \
                else self.writer.inline(runs)
        elif failures[0]:
            result = [o.error_payload() if o.failed else o.output for o in outcomes]
        else:
            result = [o.output for o in outcomes]
        if self.distributed:
            frame.emit("MapRunSucceeded")
            # AWS links MapStateExited to MapRunStarted: recorded so since November 2024 whatever
            # the Map's place (before then it linked to MapRunSucceeded, as an inline Map's exit
            # links past MapStateSucceeded to its last iteration event)
            closing = run_started
        else:
            frame.last_event_id = closing = last[0]
        frame.emit("MapStateSucceeded")
        frame.last_event_id = closing
        frame.result_bound = sum(o.bound for o in outcomes) + count + 2 \
            if not failures[0] and self.writer is None else None
        return io.output(frame, raw_input, result), self.next

    def _pooled(self, execution: Any, inputs: list[Any], runs: list[Any] | None,
                stop: Any) -> tuple[list[Any], bool]:
        """The children run in worker processes (the child pool); their outcomes are then
        taken in item order, as the in-process run takes them, until the failures exceed the tolerance."""
        rows = self.child_pool.run_in_pool(self, execution, inputs)
        machine_arn = (f"arn:aws:states:{execution.region}:{execution.account}:stateMachine:"
                       f"{execution.state_machine_name}/{self.label or self.name}")
        outcomes: list[Any] = [None] * len(inputs)
        for index, row in enumerate(rows):
            _name, status, output, error, cause = row[:5]
            if status == "SUCCEEDED":
                outcome = Outcome(output, bound=execution.cheap_bound(output))
            else:
                outcome = Outcome(error=StatesError(error, cause))
            outcomes[index] = outcome
            if runs is not None:
                runs[index] = self.writer.run_from_row(machine_arn, inputs[index], row)
            if stop(index, outcome):
                return outcomes, True
        return outcomes, False

    def _iteration(self, frame: Any, index: int, item_input: Any, runs: list[Any] | None = None,
                   map_run_arn: str | None = None, resume: Any = None) -> Generator[Any, Any, Outcome]:
        if self.distributed:
            return (yield from self._child_execution(frame, item_input, index, runs, map_run_arn))
        variables = frame.variables.child()
        if resume is not None:
            variables.restore(resume.variables)
        child = frame.child(variables, frame.execution.cheap_bound(item_input))
        details = {"name": self.name, "index": index}
        child.emit("MapIterationStarted", details)
        try:
            outcome = yield from run_branch(frame.execution, self.processor, item_input, child, resume)
        except (GeneratorExit, ExecutionTimedOut):
            if frame.execution.status == "RUNNING":  # not when the whole execution was stopped
                child.emit("MapIterationAborted", details)
            raise
        outcome.end_event_id = child.emit("MapIterationFailed" if outcome.failed else "MapIterationSucceeded",
                                          details).id
        return outcome

    def _child_execution(self, frame: Any, item_input: Any, index: int = 0, runs: list[Any] | None = None,
                         map_run_arn: str | None = None) -> Generator[Any, Any, Outcome]:
        """A distributed Map runs each item as a child execution with its own history (and no outer
        variables); the parent's history only shows MapRunStarted / MapRunSucceeded. With a
        ResultWriter, what each child did is kept for the results files (``runs``)."""
        parent = frame.execution
        child = parent.start_map_run_child(self.processor, item_input, self.label or self.name, map_run_arn)
        try:
            yield from child.main()
        except GeneratorExit:
            child.abort()
            if runs is not None:
                runs[index] = self.writer.run_of(child)
            raise
        if runs is not None:
            runs[index] = self.writer.run_of(child)
        if child.status == "TIMED_OUT":
            parent.check_deadline()  # the parent's deadline passed while the child ran
        if child.status == "SUCCEEDED":
            return Outcome(child.output, bound=parent.cheap_bound(child.output), last_event_id=frame.last_event_id)
        return Outcome(error=StatesError(child.error, child.cause), last_event_id=frame.last_event_id)

    # -- items ----------------------------------------------------------------------------------

    def jsonpath_items(self, frame: Any, data: Any) -> Any:
        if self.items_path is None:
            items = data
        else:
            frame.data = data
            try:
                items = read_path(self.items_path, frame)
            except PathNotFound as missing:
                raise runtime_error(f"Invalid path '{self.items_path.text}' : {missing}") from None
        if not isinstance(items, list):
            raise runtime_error(
                f"Invalid path '{self.items_path.text if self.items_path else '$'}' : "
                f"The input of the Map state must be an array, but was: {compact_json(items)}"
            )
        return items

    def _iteration_inputs(self, frame: Any, raw_input: Any, data: Any, items: list[Any]) -> list[Any]:
        selector = self.item_selector
        if selector is not None:
            items = [selector(ItemScope(frame, data, index, item), raw_input) for index, item in enumerate(items)]
        if not self.batcher:
            return items
        return self._batches(items, *self.io.map_batching(self, frame, raw_input, data))

    @staticmethod
    def _batches(items: list[Any], max_items: int | None, max_bytes: int | None, batch_input: Any) -> list[Any]:
        """Items grouped into ``{"Items": [...], "BatchInput": ...}`` by count and by size."""
        batches: list[list[Any]] = []
        current: list[Any] = []
        size = 0
        for item in items:
            item_size = len(compact_json(item).encode("utf-8")) if max_bytes else 0
            full = (max_items and len(current) >= max_items) or (max_bytes and current and size + item_size > max_bytes)
            if full:
                batches.append(current)
                current, size = [], 0
            current.append(item)
            size += item_size
        if current:
            batches.append(current)
        out = []
        for batch in batches:
            entry: dict[str, Any] = {"Items": batch}
            if batch_input is not None:
                entry["BatchInput"] = batch_input
            out.append(entry)
        return out

    # -- settings (fixed, or read from the input by a *Path field) --------------------------------

    def jsonpath_concurrency(self, frame: Any, data: Any) -> int | None:
        """MaxConcurrency (fixed or MaxConcurrencyPath)."""
        return self._int_setting(self.max_concurrency, frame, data, "MaxConcurrency")

    def jsonpath_tolerance(self, frame: Any, data: Any) -> tuple[int | None, float | None]:
        """ToleratedFailureCount and ToleratedFailurePercentage (fixed or *Path)."""
        tolerated_count = self._int_setting(self.tolerated_count, frame, data, "ToleratedFailureCount")
        return tolerated_count, self._number_setting(self.tolerated_percentage, frame, data)

    def jsonpath_batching(self, frame: Any, data: Any) -> tuple[int | None, int | None, Any]:
        """ItemBatcher: MaxItemsPerBatch, MaxInputBytesPerBatch (fixed or *Path), BatchInput."""
        batcher = self.batcher
        assert batcher is not None
        max_items = self._int_setting(_Setting(batcher, "MaxItemsPerBatch", None), frame, data, "MaxItemsPerBatch")
        max_bytes = self._int_setting(_Setting(batcher, "MaxInputBytesPerBatch", None), frame, data,
                                      "MaxInputBytesPerBatch")
        batch_input = None
        if self.batch_input is not None:
            frame.data = data
            batch_input = self.batch_input.evaluate(frame)
        return max_items, max_bytes, batch_input

    def _int_setting(self, setting: _Setting, frame: Any, data: Any, field: str) -> int | None:
        value = setting.value(frame, data)
        if setting.path is not None:
            value = _integer_text(value)
            if value.__class__ is not int:
                shown = value if isinstance(value, str) else compact_json(value)
                raise runtime_error(
                    f"The {field}Path field refers to value \"{shown}\" which is not a valid integer: "
                    f"{setting.path.text}"
                )
        if value is not None and value < 0:
            raise runtime_error(f"{field} cannot be negative.")
        return value  # type: ignore[no-any-return]

    def _number_setting(self, setting: _Setting, frame: Any, data: Any) -> float | None:
        value = setting.value(frame, data)
        if setting.path is not None:
            value = _integer_text(value)
        if value is None:
            return None
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            shown = value if isinstance(value, str) else compact_json(value)
            raise runtime_error(
                f"The ToleratedFailurePercentagePath field refers to value \"{shown}\" which is not a valid "
                f"float: {setting.path.text if setting.path else ''}"
            )
        if not 0 <= value <= 100:
            raise runtime_error("ToleratedFailurePercentage must be between 0 and 100.")
        return float(value)


def _integer_text(value: Any) -> Any:
    """A *Path value written as an integer string ("1") counts as that integer, as on AWS."""
    if value.__class__ is str and value.strip().lstrip("+-").isdigit():
        return int(value)
    return value


class _Setting:
    """A Map setting given as ``Field`` (a value) or ``FieldPath`` (read from the input)."""

    __slots__ = ("fixed", "path")

    def __init__(self, spec: dict[str, Any], field: str, default: Any) -> None:
        self.fixed = spec.get(field, default)
        self.path = compile_path(spec[field + "Path"]) if field + "Path" in spec else None

    def value(self, frame: Any, data: Any) -> Any:
        if self.path is None:
            return self.fixed
        frame.data = data
        try:
            return read_path(self.path, frame)
        except PathNotFound as missing:
            raise runtime_error(f"Invalid path '{self.path.text}' : {missing}") from None


class MapRunControl:
    """What a running Map reads as it goes: MaxConcurrency and the tolerated failures (a Map Run's
    UpdateMapRun changes them while it runs)."""

    __slots__ = ("max_concurrency", "tolerated_count", "tolerated_percentage")

    def __init__(self, max_concurrency: int, tolerated_count: int | None, tolerated_percentage: float | None) -> None:
        self.max_concurrency = max_concurrency
        self.tolerated_count = tolerated_count
        self.tolerated_percentage = tolerated_percentage

    def current_limit(self) -> int:
        return self.max_concurrency


def _allowed_failures(count: int, tolerated_count: int | None, tolerated_pct: float | None) -> int | None:
    """How many iterations may fail (None: none, and the iteration's own error fails the Map)."""
    if tolerated_count is None and tolerated_pct is None:
        return None
    allowed = []
    if tolerated_count is not None:
        allowed.append(tolerated_count)
    if tolerated_pct is not None:
        allowed.append(math.floor(count * tolerated_pct / 100))
    return min(allowed)  # "the workflow fails when it exceeds either value" (developer guide)


def _error_details(error: StatesError) -> dict[str, Any]:
    details: dict[str, Any] = {"error": error.error}
    if error.cause is not None:
        details["cause"] = error.cause
    return details

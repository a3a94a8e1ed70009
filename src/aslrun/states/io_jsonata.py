"""Input and output of a JSONata state: ``Arguments``, ``Output`` and ``Assign``.

    raw input ($states.input) -> Arguments -> (state body: $states.result) -> Output / Assign

There are no paths: a state's input reaches its body unchanged unless ``Arguments`` (Task,
Parallel) says otherwise, and its output is ``Output`` when given, else the result (Task, Map,
Parallel) or the input (every other state). ``Output`` and ``Assign`` are evaluated side by side
with the variables as they were when the state was entered; the new values are stored last.

The other JSONata fields are evaluated here too, so the states stay free of query-language
detail: Choice ``Condition`` (and a rule's own ``Output``/``Assign``), Wait ``Seconds`` and
``Timestamp``, Task ``TimeoutSeconds``/``HeartbeatSeconds``, Map ``Items``, ``ItemSelector``,
``MaxConcurrency``, ``ToleratedFailureCount``/``Percentage``, Fail ``Error``/``Cause``, and a
Catch's ``Output``/``Assign`` (which read ``$states.errorOutput``). Each is compiled once, when
the definition is compiled.
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import StatesError
from ..expr.jsonata import Field, JsonataScope, compile_field, query_error, unexpected_type
from ..expr.template import compact_json
from ..model.timestamps import parse_timestamp, wake_time

__all__ = ["JsonataIO"]

_WITH_RESULT = frozenset({"Task", "Map", "Parallel"})


def _assign_fields(spec: dict[str, Any]) -> dict[str, Field] | None:
    assign = spec.get("Assign")
    if not assign:
        return None
    return {name: compile_field(value, f"Assign/{name}") for name, value in assign.items()}


def _optional(spec: dict[str, Any], field: str) -> Field | None:
    return compile_field(spec[field], field) if field in spec else None


class _Extras:
    """The Output and Assign of a Choice rule or a Catch entry."""

    __slots__ = ("output", "assign")

    def __init__(self, spec: dict[str, Any]) -> None:
        self.output = _optional(spec, "Output")
        self.assign = _assign_fields(spec)


class JsonataIO:
    """The JSONata query language's data flow for one state."""

    def __init__(self, state: Any, spec: dict[str, Any]) -> None:
        self.kind: str = state.type
        self.has_result = self.kind in _WITH_RESULT
        self.arguments = _optional(spec, "Arguments")
        self.output_field = _optional(spec, "Output")
        self.assign = _assign_fields(spec)
        self.rules = {id(rule): _Extras(rule) for rule in spec.get("Choices") or ()}
        self.catches = {id(catch): _Extras(catch) for catch in spec.get("Catch") or ()}
        self.items = _optional(spec, "Items")
        batcher = spec.get("ItemBatcher")
        self.batcher: dict[str, Field] | None = {
            name: compile_field(batcher[name], f"ItemBatcher/{name}")
            for name in ("MaxItemsPerBatch", "MaxInputBytesPerBatch", "BatchInput") if name in batcher
        } if isinstance(batcher, dict) else None
        self.settings: dict[str, Field] = {
            name: compile_field(spec[name], name)
            for name in ("MaxConcurrency", "ToleratedFailureCount", "ToleratedFailurePercentage",
                         "Seconds", "Timestamp", "TimeoutSeconds", "HeartbeatSeconds", "Error", "Cause")
            if name in spec
        }

    # -- before the body --------------------------------------------------------------------------

    def effective_input(self, frame: Any, raw_input: Any) -> Any:
        """``Arguments`` evaluated on the state input, or the input itself."""
        if frame.inspector is not None:  # a debugger asked to see each stage
            frame.inspector.stage(frame, input=raw_input)
        if self.arguments is None:
            return raw_input
        data = self.arguments.evaluate(JsonataScope(frame, raw_input))
        if frame.inspector is not None:
            frame.inspector.stage(frame, afterArguments=data)
        return data

    def select_input(self, frame: Any, raw_input: Any) -> Any:
        if frame.inspector is not None:
            frame.inspector.stage(frame, input=raw_input)
        return raw_input

    # -- after the body ---------------------------------------------------------------------------

    def output(self, frame: Any, raw_input: Any, result: Any) -> Any:
        """``Output`` (default: the result, or the input for states without one) and ``Assign``."""
        if self.has_result:
            scope = JsonataScope(frame, raw_input, result=result)
        else:
            scope = JsonataScope(frame, raw_input)
        values = _evaluate(self.assign, scope) if self.assign is not None else None
        field = self.output_field
        if field is None:
            output = result if self.has_result else raw_input
        else:
            output = field.evaluate(scope)
            if not field.constant:
                frame.result_bound = None  # an Output may be any size: have the payload limit measure it
        if values:
            frame.variables.assign(values)
        if frame.inspector is not None:
            if self.has_result:
                frame.inspector.stage(frame, result=result)
            frame.inspector.stage(frame, output=output)
        return output

    def choice_output(self, frame: Any, raw_input: Any, data: Any, rule: dict[str, Any] | None) -> Any:
        """The matched rule's ``Output`` (else the state's, else the input); the state's ``Assign``
        and the rule's (which wins for a name both set)."""
        scope = JsonataScope(frame, raw_input)
        extras = self.rules.get(id(rule)) if rule is not None else None
        values = _evaluate(self.assign, scope) if self.assign is not None else None
        if extras is not None and extras.assign is not None:
            rule_values = _evaluate(extras.assign, scope)
            values = rule_values if values is None else {**values, **rule_values}
        field = extras.output if extras is not None and extras.output is not None else self.output_field
        output = raw_input if field is None else field.evaluate(scope)
        if values:
            frame.variables.assign(values)
        if frame.inspector is not None:
            frame.inspector.stage(frame, output=output)
        return output

    def catch_output(self, frame: Any, raw_input: Any, error: StatesError, catcher: Any) -> Any:
        """A Catch passes on its ``Output`` (default: the error output) and applies its ``Assign``."""
        error_output = {"Error": error.error, "Cause": error.cause if error.cause is not None else ""}
        extras = self.catches.get(id(catcher.spec))
        if extras is None or (extras.output is None and extras.assign is None):
            output = error_output
        else:
            scope = JsonataScope(frame, raw_input, error_output=error_output)
            values = _evaluate(extras.assign, scope) if extras.assign is not None else None
            output = error_output if extras.output is None else extras.output.evaluate(scope)
            if values:
                frame.variables.assign(values)
        if frame.inspector is not None:
            frame.inspector.stage(frame, errorOutput=error_output, output=output)
        return output

    # -- Choice -----------------------------------------------------------------------------------

    def condition(self, rule: dict[str, Any]) -> Any:
        """A predicate over the frame (whose ``data`` is the Choice's input) for a rule's Condition."""
        field = compile_field(rule.get("Condition"), "Condition")

        def holds(frame: Any) -> bool:
            value = field.evaluate(JsonataScope(frame, frame.data))
            if value.__class__ is not bool:
                raise unexpected_type(field.text, "Condition", "boolean", value)
            return value

        return holds

    # -- Map --------------------------------------------------------------------------------------

    def item_selector(self, selector: Any) -> Any:
        """``ItemSelector``: ``$states.input`` is the Map's input, ``$states.context.Map.Item`` the item."""
        field = compile_field(selector, "ItemSelector")
        if field.constant:
            value = field.value
            return lambda item_scope, raw_input: value

        def select(item_scope: Any, raw_input: Any) -> Any:
            scope = JsonataScope(item_scope.frame, raw_input, item=(item_scope.index, item_scope.value))
            return field.evaluate(scope)

        return select

    def map_items(self, state: Any, frame: Any, raw_input: Any, data: Any) -> list[Any]:
        """``Items`` (an array, or an expression giving one), else the input, which must be an array."""
        field = self.items
        if field is None:
            if not isinstance(raw_input, list):
                raise query_error(f"Map state input must be an array but was: {compact_json(raw_input)}")
            return raw_input
        items = field.evaluate(JsonataScope(frame, raw_input))
        if not isinstance(items, list):
            raise unexpected_type(field.text, "Items", "array", items)
        return items

    def map_concurrency(self, state: Any, frame: Any, raw_input: Any, data: Any) -> int | None:
        return self._integer(JsonataScope(frame, raw_input), "MaxConcurrency", 0)

    def map_tolerance(self, state: Any, frame: Any, raw_input: Any, data: Any) -> tuple[Any, Any]:
        scope = JsonataScope(frame, raw_input)
        tolerated_count = self._integer(scope, "ToleratedFailureCount", 0)
        tolerated_pct = self._number(scope, "ToleratedFailurePercentage")
        if tolerated_pct is not None and not 0 <= tolerated_pct <= 100:
            raise StatesError("States.Runtime", "ToleratedFailurePercentage must be between 0 and 100.",
                              in_state=True)
        return tolerated_count, tolerated_pct

    def map_batching(self, state: Any, frame: Any, raw_input: Any, data: Any) -> tuple[Any, Any, Any]:
        """ItemBatcher's MaxItemsPerBatch / MaxInputBytesPerBatch (numbers or ``{% %}``) and BatchInput."""
        batcher = self.batcher
        if batcher is None:
            return None, None, None
        scope = JsonataScope(frame, raw_input)
        max_items = self._integer(scope, "MaxItemsPerBatch", 1, batcher)
        max_bytes = self._integer(scope, "MaxInputBytesPerBatch", 1, batcher)
        batch_input = batcher["BatchInput"].evaluate(scope) if "BatchInput" in batcher else None
        return max_items, max_bytes, batch_input

    # -- Wait, Task, Fail -------------------------------------------------------------------------

    def wait_until(self, state: Any, frame: Any, raw_input: Any, data: Any) -> float:
        """When a Wait state wakes: ``Seconds`` after it was entered, or at ``Timestamp``."""
        scope = JsonataScope(frame, raw_input)
        if "Seconds" in self.settings:
            seconds = self._integer(scope, "Seconds", 0)
            return float(frame.entered_time + (seconds or 0))
        field = self.settings["Timestamp"]
        value = field.evaluate(scope)
        instant = parse_timestamp(value)
        if instant is None:
            if field.constant:
                raise StatesError("States.Runtime", f"The Timestamp field is not a valid timestamp: {value}",
                                  in_state=True)
            if isinstance(value, str):  # AWS-recorded wording for a string that is not a timestamp
                raise query_error("The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time "
                                  f"format string: {value}", "Timestamp")
            raise unexpected_type(field.text, "Timestamp", "timestamp", value)
        return wake_time(instant)

    def task_timeouts(self, state: Any, frame: Any, raw_input: Any) -> tuple[int | None, int | None]:
        if "TimeoutSeconds" not in self.settings and "HeartbeatSeconds" not in self.settings:
            return None, None
        scope = JsonataScope(frame, raw_input)
        return self._integer(scope, "TimeoutSeconds", 1), self._integer(scope, "HeartbeatSeconds", 1)

    def fail_error(self, state: Any, frame: Any, raw_input: Any) -> StatesError:
        """A Fail state's ``Error`` and ``Cause`` (strings, or expressions giving strings)."""
        scope = JsonataScope(frame, raw_input)
        return StatesError(self._text(scope, "Error"), self._text(scope, "Cause"))

    # -- typed settings ---------------------------------------------------------------------------

    def _integer(self, scope: JsonataScope, name: str, minimum: int,
                 fields: dict[str, Field] | None = None) -> int | None:
        field = (self.settings if fields is None else fields).get(name)
        if field is None:
            return None
        value = field.evaluate(scope)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if value.__class__ is not int or value < minimum:
            expected = "integer" if minimum <= 0 else "positive integer"
            raise unexpected_type(field.text, name, expected if value.__class__ is not int else
                                  f"{expected} >= {minimum}", value)
        return value

    def _number(self, scope: JsonataScope, name: str) -> float | None:
        field = self.settings.get(name)
        if field is None:
            return None
        value = field.evaluate(scope)
        if value.__class__ not in (int, float) or not math.isfinite(value):
            raise unexpected_type(field.text, name, "number", value)
        return float(value)

    def _text(self, scope: JsonataScope, name: str) -> str | None:
        field = self.settings.get(name)
        if field is None:
            return None
        value = field.evaluate(scope)
        if value.__class__ is not str:
            raise unexpected_type(field.text, name, "string", value)
        return value


def _evaluate(fields: dict[str, Field], scope: JsonataScope) -> dict[str, Any]:
    """Every value of an Assign, computed before any is stored (parallel assignment)."""
    return {name: field.evaluate(scope) for name, field in fields.items()}

"""Input and output processing of a JSONPath state, as small pure steps.

    raw input -> InputPath -> Parameters -> (state body) -> ResultSelector -> ResultPath -> OutputPath

``InputPath``/``OutputPath`` absent means ``$`` (identity), ``null`` means ``{}``; ``ResultPath``
absent means ``$`` (the result replaces the input), ``null`` means "discard the result". Each step
is compiled once; absent steps cost nothing at run time.

A query-language strategy object (this one, or the JSONata one) gives each state the same
operations: ``effective_input``, ``output``, ``choice_output``, ``wait_until``, ``fail_error`` and
``catch_output``.

``Assign`` (workflow variables) is a payload template evaluated where AWS evaluates it: ``$`` is
the raw result for Task, Map and Parallel (beside ResultSelector, not after it), the result for
Pass (``Result``, or the effective input), the effective input for Choice and Wait, and the error
output in a Catch. Every path reads variables as they were when the state was entered, OutputPath
included; the new values are stored after the output is complete.
"""

from __future__ import annotations

from typing import Any

from ..errors import StatesError, runtime_error
from ..expr.jsonpath import Path, PathNotFound, compile_path, compile_reference_path
from ..expr.reference import ReferencePathMismatch, set_at
from ..expr.template import Template, compact_json, compile_template, read_path

__all__ = ["JsonPathIO", "apply_path"]

_ABSENT = object()


class _Null:
    """``"InputPath": null`` and the like: the step yields ``{}`` (or discards, for ResultPath)."""


NULL = _Null()


def _optional_path(spec: dict[str, Any], field: str, reference: bool = False) -> Path | _Null | None:
    """None when the field is absent or ``$`` (identity), NULL for JSON null, else the compiled path."""
    value = spec.get(field, _ABSENT)
    if value is _ABSENT or value == "$":
        return None
    if value is None:
        return NULL
    return compile_reference_path(value) if reference else compile_path(value)


def apply_path(path: Path, frame: Any, document: Any) -> Any:
    """Read ``path`` for an InputPath/OutputPath-like field; a miss is AWS's "Invalid path" error."""
    frame.data = document
    try:
        return read_path(path, frame)
    except PathNotFound as missing:
        raise runtime_error(f"Invalid path '{path.text}' : {missing}") from None


class JsonPathIO:
    """The JSONPath query language's data flow for one state."""

    __slots__ = ("input_path", "parameters", "result_selector", "result_path", "output_path", "assign",
                 "rule_assigns", "catch_assigns", "has_parameters", "has_result")

    def __init__(self, spec: dict[str, Any], *, parameters_field: str | None = "Parameters",
                 result_fields: bool = True) -> None:
        self.assign = _assign_template(spec)
        #: Assign of Choice rules and Catch entries, by the identity of their definition object
        self.rule_assigns = {id(rule): _assign_template(rule) for rule in spec.get("Choices") or () if "Assign" in rule}
        self.catch_assigns = {id(c): _assign_template(c) for c in spec.get("Catch") or () if "Assign" in c}
        self.input_path = _optional_path(spec, "InputPath")
        self.output_path = _optional_path(spec, "OutputPath")
        # any JSON value, null included, is a payload template (AWS accepts them all for Parameters)
        self.parameters: Template | None = (
            compile_template(spec[parameters_field], parameters_field)
            if parameters_field and parameters_field in spec else None
        )
        selector = spec.get("ResultSelector") if result_fields else None
        self.result_selector = compile_template(selector, "ResultSelector") if selector is not None else None
        self.result_path = _optional_path(spec, "ResultPath", reference=True) if result_fields else None
        self.has_parameters = parameters_field is not None  # which stages an inspector is shown
        self.has_result = result_fields

    # -- before the body ------------------------------------------------------------------------

    def effective_input(self, frame: Any, raw_input: Any) -> Any:
        """InputPath, then Parameters."""
        data = self.select_input(frame, raw_input)
        if self.parameters is not None:
            frame.data = data
            data = self.parameters.evaluate(frame)
        if frame.inspector is not None and self.has_parameters:
            frame.inspector.stage(frame, afterParameters=data)
        return data

    def select_input(self, frame: Any, raw_input: Any) -> Any:
        """InputPath alone (Map applies its ItemSelector per item instead of Parameters)."""
        path = self.input_path
        if path is None:
            data = raw_input
        elif path is NULL:
            data = {}
        else:
            data = apply_path(path, frame, raw_input)  # type: ignore[arg-type]
        if frame.inspector is not None:  # a debugger asked to see each stage
            frame.inspector.stage(frame, input=raw_input, afterInputPath=data)
        return data

    # -- after the body -------------------------------------------------------------------------

    def output(self, frame: Any, raw_input: Any, result: Any) -> Any:
        """Assign (from the result), ResultSelector, ResultPath (into the raw input), OutputPath."""
        values = _evaluate_assign(self.assign, frame, result) if self.assign is not None else None
        raw_result = result
        if self.result_selector is not None:
            frame.data = result
            result = self.result_selector.evaluate(frame)
        merged = self.merge_result(raw_input, result)
        output = self.filter_output(frame, merged)
        if values is not None:
            frame.variables.assign(values)
        if frame.inspector is not None and self.has_result:
            frame.inspector.stage(frame, result=raw_result, afterResultSelector=result, afterResultPath=merged)
        return output

    def merge_result(self, raw_input: Any, result: Any) -> Any:
        path = self.result_path
        if path is None:
            return result
        if path is NULL:
            return raw_input
        return merge_at(raw_input, path, result)  # type: ignore[arg-type]

    def filter_output(self, frame: Any, data: Any) -> Any:
        """OutputPath alone (states without a result: Choice, Wait, Succeed)."""
        path = self.output_path
        if path is None:
            output = data
        elif path is NULL:
            output = {}
        else:
            output = apply_path(path, frame, data)  # type: ignore[arg-type]
        if frame.inspector is not None:
            frame.inspector.stage(frame, output=output)
        return output

    def choice_output(self, frame: Any, raw_input: Any, data: Any, rule: dict[str, Any] | None) -> Any:
        """A Choice passes its input on (OutputPath applied) whichever rule matched; the state's
        Assign and the matched rule's (which wins for a name both set) read the effective input."""
        values = _evaluate_assign(self.assign, frame, data) if self.assign is not None else None
        rule_assign = self.rule_assigns.get(id(rule)) if rule is not None else None
        if rule_assign is not None:
            rule_values = _evaluate_assign(rule_assign, frame, data)
            values = rule_values if values is None else {**values, **rule_values}
        output = self.filter_output(frame, data)
        if values is not None:
            frame.variables.assign(values)
        return output

    def wait_until(self, state: Any, frame: Any, raw_input: Any, data: Any) -> float:
        """When a Wait state wakes (Seconds, Timestamp, SecondsPath, TimestampPath)."""
        return state.jsonpath_wait_until(frame, data)

    def task_timeouts(self, state: Any, frame: Any, raw_input: Any) -> tuple[int | None, int | None]:
        """A Task's TimeoutSeconds and HeartbeatSeconds (fixed or by *Path)."""
        return state.jsonpath_timeouts(frame, raw_input)  # type: ignore[no-any-return]

    def map_items(self, state: Any, frame: Any, raw_input: Any, data: Any) -> list[Any]:
        """The array a Map iterates over (ItemsPath on the input after InputPath)."""
        return state.jsonpath_items(frame, data)  # type: ignore[no-any-return]

    def map_concurrency(self, state: Any, frame: Any, raw_input: Any, data: Any) -> int | None:
        """A Map's MaxConcurrency (fixed or MaxConcurrencyPath)."""
        return state.jsonpath_concurrency(frame, data)  # type: ignore[no-any-return]

    def map_tolerance(self, state: Any, frame: Any, raw_input: Any, data: Any) -> tuple[Any, Any]:
        """A Map's ToleratedFailureCount and ToleratedFailurePercentage (fixed or *Path)."""
        return state.jsonpath_tolerance(frame, data)  # type: ignore[no-any-return]

    def map_batching(self, state: Any, frame: Any, raw_input: Any, data: Any) -> tuple[Any, Any, Any]:
        """A Map's ItemBatcher: MaxItemsPerBatch, MaxInputBytesPerBatch (fixed or *Path), BatchInput."""
        return state.jsonpath_batching(frame, data)  # type: ignore[no-any-return]

    def fail_error(self, state: Any, frame: Any, raw_input: Any) -> StatesError:
        """The error a Fail state raises: fixed Error/Cause or ErrorPath/CausePath."""
        return state.jsonpath_error(frame, raw_input)

    def catch_output(self, frame: Any, raw_input: Any, error: StatesError, catcher: Any) -> Any:
        """What a Catch passes on: ``{"Error", "Cause"}`` placed by the catcher's ResultPath."""
        payload = error_payload(error)
        assign = self.catch_assigns.get(id(catcher.spec))
        values = _evaluate_assign(assign, frame, payload) if assign is not None else None
        result_path = catcher.result_path
        if result_path is None:
            output = payload
        elif result_path is NULL:
            output = raw_input
        else:
            output = merge_at(raw_input, result_path, payload)
        if values is not None:
            frame.variables.assign(values)
        if frame.inspector is not None:
            frame.inspector.stage(frame, errorOutput=payload, output=output)
        return output


def _assign_template(spec: dict[str, Any]) -> Template | None:
    assign = spec.get("Assign")
    return compile_template(assign, "Assign") if assign else None


def _evaluate_assign(assign: Template, frame: Any, data: Any) -> dict[str, Any]:
    """The values of an Assign template, ``$`` being ``data``."""
    frame.data = data
    return assign.evaluate(frame)  # type: ignore[no-any-return]


def error_payload(error: StatesError) -> dict[str, Any]:
    return {"Error": error.error, "Cause": error.cause if error.cause is not None else ""}


def merge_at(raw_input: Any, path: Path, result: Any) -> Any:
    try:
        return set_at(raw_input, path, result)
    except ReferencePathMismatch:
        raise StatesError(
            "States.ResultPathMatchFailure",
            f"Unable to apply ResultPath \"{path.text}\" to input \"{compact_json(raw_input)}\"",
            in_state=True,
        ) from None


def optional_reference_path(spec: dict[str, Any], field: str) -> Path | _Null | None:
    return _optional_path(spec, field, reference=True)

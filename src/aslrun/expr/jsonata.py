"""JSONata in state fields: ``"{% expression %}"`` strings, and templates made of them.

    field = compile_field({"total": "{% $sum($states.input.items) %}", "kind": "order"}, "Output")
    value = field.evaluate(JsonataScope(frame, raw_input, result=result))

A string written ``{% ... %}`` is an expression; any other string is a literal (``"$.a"`` and
``"States.Format(...)"`` too, and ``" {% x %} "`` with spaces outside). An object or array is a
template: its string leaves may be expressions, its keys are never evaluated. Everything is
compiled once per definition; literal subtrees are built once and shared.

An expression reads ``$states`` (``input``, ``result``, ``errorOutput``, ``context``: what the
:class:`JsonataScope` was given) and workflow variables as ``$name``; both are fetched and
translated for jsonata-python only when the expression names them, once per scope.

Failures are AWS's ``States.QueryEvaluationError`` with AWS's causes, naming the expression and
the field (``Output/result`` inside a template)::

    The JSONata expression '$x' specified for the field 'Output/result' returned nothing (undefined).
    The JSONata expression '$f()' specified for the field 'Output' threw an error during
    evaluation. T1006: Attempted to invoke a non-function
    The JSONata expression '$v' specified for the field 'Items' returned an unexpected result
    type. Expected 'array', but was 'number' for value: 1
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from weakref import WeakKeyDictionary

from ..errors import StatesError
from .jsonata_engine import (NOT_FOUND, Expression, JsonataEvaluationError, JsonataSyntaxError,
                             JsonataUnsupportedResult, compile_expression)
from .jsonata_functions import SCOPE_FUNCTION_NAMES, scope_functions
from .jsonata_values import UNDEFINED, ConversionMemo, json_type, to_jsonata
from .template import compact_json

__all__ = [
    "QUERY_EVALUATION_ERROR",
    "UNDEFINED",
    "Field",
    "JsonataScope",
    "JsonataSyntaxError",
    "compile_field",
    "expression_text",
    "is_jsonata",
    "query_error",
    "unexpected_type",
]

QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"
_ABSENT = object()


def is_jsonata(value: Any) -> bool:
    """A field value written ``{% expression %}`` (nothing outside the delimiters)."""
    return value.__class__ is str and len(value) >= 4 and value.startswith("{%") and value.endswith("%}")


def expression_text(value: str) -> str:
    """The expression between the delimiters, as AWS quotes it in causes."""
    return value[2:-2].strip()


def query_error(cause: str, location: str | None = None) -> StatesError:
    """A States.QueryEvaluationError; ``location`` names the field (AWS's EvaluationFailed event)."""
    return StatesError(QUERY_EVALUATION_ERROR, cause, in_state=True, location=location)


def unexpected_type(text: str, field: str, expected: str, value: Any) -> StatesError:
    """AWS's cause for an expression whose value has the wrong JSON type for its field."""
    return query_error(
        f"The JSONata expression '{text}' specified for the field '{field}' returned an unexpected result "
        f"type. Expected '{expected}', but was '{json_type(value)}' for value: {compact_json(value)}", field
    )


class JsonataScope:
    """What the expressions of one state read: ``$states`` and the workflow variables.

    ``frame`` is the branch's frame (variables, context object, clock, random source);
    ``item`` is ``(index, value)`` inside a Map's ItemSelector (``$states.context.Map.Item``).
    Translated values are cached, so several fields of one state share the work.
    """

    __slots__ = ("frame", "input", "result", "error_output", "item", "memo", "_states", "_values", "_functions")

    def __init__(self, frame: Any, input: Any, *, result: Any = _ABSENT, error_output: Any = _ABSENT,
                 item: tuple[int, Any] | None = None) -> None:
        self.frame = frame
        self.input = input
        self.result = result
        self.error_output = error_output
        self.item = item
        self.memo = _memo_of(frame.execution)
        self._states: Any = None
        self._values: dict[str, Any] | None = None
        self._functions: dict[str, Any] | None = None

    def lookup(self, name: str) -> Any:
        """A ``$name`` for the evaluator: a workflow variable, ``$states``, or NOT_FOUND."""
        values = self._values
        if values is not None and name in values:
            return values[name]
        if name == "states":
            if self._states is None:
                self._states = self._jsonata_states()
            return self._states
        value = self.frame.variables.lookup(name, NOT_FOUND)
        if value is not NOT_FOUND:
            value = to_jsonata(value, self.memo)
            if values is None:
                values = self._values = {}
            values[name] = value
            return value
        if name in SCOPE_FUNCTION_NAMES:
            if self._functions is None:
                execution = self.frame.execution
                self._functions = scope_functions(self.frame.rng, execution.clock.now)
            return self._functions[name]
        return NOT_FOUND

    def _jsonata_states(self) -> dict[str, Any]:
        memo = self.memo
        states = {"input": to_jsonata(self.input, memo)}
        if self.result is not _ABSENT:
            states["result"] = to_jsonata(self.result, memo)
        if self.error_output is not _ABSENT:
            states["errorOutput"] = to_jsonata(self.error_output)
        context = self._context()
        execution = context.get("Execution")
        execution_input = execution.pop("Input", _ABSENT) if isinstance(execution, dict) else _ABSENT
        context = to_jsonata(context)  # small; the execution input is translated through the memo
        if execution_input is not _ABSENT:
            context["Execution"]["Input"] = to_jsonata(execution_input, memo)
        states["context"] = context
        return states

    def _context(self) -> dict[str, Any]:
        context: dict[str, Any] = self.frame.context()
        if self.item is not None:
            context["Map"] = {"Item": {"Index": self.item[0], "Value": self.item[1]}}
        return context

    def states(self) -> dict[str, Any]:
        """The ``$states`` object as plain JSON."""
        states: dict[str, Any] = {"input": self.input}
        if self.result is not _ABSENT:
            states["result"] = self.result
        if self.error_output is not _ABSENT:
            states["errorOutput"] = self.error_output
        states["context"] = self._context()
        return states


_MEMOS: WeakKeyDictionary[Any, ConversionMemo] = WeakKeyDictionary()


def _memo_of(execution: Any) -> ConversionMemo | None:
    """The translation memo of an execution (made on first use, gone with the execution)."""
    try:
        memo = _MEMOS.get(execution)
        if memo is None:
            memo = _MEMOS[execution] = ConversionMemo()
        return memo
    except TypeError:  # not weakly referenceable (a stand-in in a test): no memo
        return None


Evaluator = Callable[[JsonataScope], Any]


class Field:
    """A compiled field value. ``constant`` is true when no expression is involved."""

    __slots__ = ("source", "field", "constant", "value", "expression", "_evaluate")

    def __init__(self, source: Any, field: str) -> None:
        self.source = source
        self.field = field
        #: the expression when the whole field is one ``{% %}`` string (typed fields check it)
        self.expression: Expression | None = None
        if is_jsonata(source):
            self.expression = _compile(source)
        node = _compile_node(source, field)
        self.constant = not callable(node)
        self.value = node if self.constant else None
        self._evaluate: Evaluator = node if callable(node) else _constant(node)

    def __repr__(self) -> str:
        return f"Field({self.field!r}, {self.source!r})"

    @property
    def text(self) -> str:
        """The expression text of a whole-field expression (for causes)."""
        return self.expression.text if self.expression is not None else compact_json(self.source)

    def evaluate(self, scope: JsonataScope) -> Any:
        return self._evaluate(scope)

    def evaluate_optional(self, scope: JsonataScope) -> Any:
        """Like :meth:`evaluate`, but a whole-field expression may return UNDEFINED."""
        if self.expression is not None:
            return _run(self.expression, scope, self.field)
        return self._evaluate(scope)


def _constant(value: Any) -> Evaluator:
    return lambda scope: value


def compile_field(source: Any, field: str) -> Field:
    """Compile a field's value; JsonataSyntaxError (a ValueError) names a malformed expression."""
    return Field(source, field)


def _compile(source: str) -> Expression:
    text = expression_text(source)
    try:
        return compile_expression(text)
    except JsonataSyntaxError as problem:
        raise JsonataSyntaxError(f"the JSONata expression '{text}' is not valid: {problem}") from None


class _Literal:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _compile_node(source: Any, field: str) -> Any:
    """A constant value or an evaluator closure."""
    node = _node(source, field)
    return node.value if isinstance(node, _Literal) else node


def _node(source: Any, field: str) -> _Literal | Evaluator:
    if is_jsonata(source):
        expression = _compile(source)

        def evaluate(scope: JsonataScope) -> Any:
            value = _run(expression, scope, field)
            if value is UNDEFINED:
                raise query_error(
                    f"The JSONata expression '{expression.text}' specified for the field '{field}' "
                    "returned nothing (undefined).", field
                )
            return value

        return evaluate
    if isinstance(source, dict):
        entries = [(key, _node(value, f"{field}/{key}")) for key, value in source.items()]
        if all(isinstance(node, _Literal) for _, node in entries):
            return _Literal(source)
        parts = [(key, node.value, None) if isinstance(node, _Literal) else (key, None, node) for key, node in entries]

        def build_object(scope: JsonataScope) -> dict[str, Any]:
            return {key: value if node is None else node(scope) for key, value, node in parts}

        return build_object
    if isinstance(source, list):
        items = [_node(value, f"{field}[{index}]") for index, value in enumerate(source)]
        if all(isinstance(node, _Literal) for node in items):
            return _Literal(source)
        cells = [(node.value, None) if isinstance(node, _Literal) else (None, node) for node in items]

        def build_array(scope: JsonataScope) -> list[Any]:
            return [value if node is None else node(scope) for value, node in cells]

        return build_array
    return _Literal(source)


def _run(expression: Expression, scope: JsonataScope, field: str) -> Any:
    try:
        return expression.evaluate(scope.lookup, scope.memo)
    except JsonataUnsupportedResult:
        raise query_error(
            f"The JSONata expression '{expression.text}' specified for the field '{field}' returned an unsupported "
            "result type.", field
        ) from None
    except JsonataEvaluationError as problem:
        raise query_error(
            f"The JSONata expression '{expression.text}' specified for the field '{field}' threw an error "
            f"during evaluation. {problem}", field
        ) from None

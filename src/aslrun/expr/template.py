"""Payload templates: Parameters, ResultSelector, ItemSelector (JSONPath query language).

A template is JSON in which a key ending in ``.$`` takes its value from a path (``$...``,
``$$...``, ``$var...``) or an intrinsic function; the ``.$`` is dropped from the output key.
Templates compile once into a tree of small closures; constant subtrees are built once and shared
(state data is never mutated, see :mod:`aslrun.expr.reference`).

Evaluation reads a *scope*: any object with ``data`` (the document ``$`` means), ``context()``
(the context object, built on demand), ``variable(name)`` and ``rng`` (the execution's seeded
random source, for States.UUID / States.MathRandom).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from ..errors import runtime_error
from ..jsontext import compact_json_text
from .jsonpath import Path, PathNotFound, compile_path

__all__ = ["Scope", "Template", "compact_json", "compile_field", "compile_template", "read_path"]


class Scope(Protocol):
    data: Any
    rng: Any

    def context(self) -> Any: ...

    def variable(self, name: str) -> Any: ...


Evaluator = Callable[[Scope], Any]


#: JSON as AWS prints it inside causes and events: no spaces, non-ASCII kept (json.dumps's very text)
compact_json = compact_json_text


def read_path(path: Path, scope: Scope) -> Any:
    """The value of ``path`` in the document its root names (data, context object, variable)."""
    root = path.root
    if root == "data":
        return path.get(scope.data)
    if root == "context":
        return path.get(scope.context())
    return path.get(scope.variable(path.variable))  # type: ignore[arg-type]


def _returning(value: Any) -> Evaluator:
    """The evaluator of a template without paths: its value, the same each time."""
    return lambda scope: value


class Template:
    """A compiled payload template; ``evaluate(scope)`` builds the payload."""

    __slots__ = ("source", "field", "_evaluate", "constant")

    def __init__(self, source: Any, field: str) -> None:
        self.source = source
        self.field = field
        node = _compile(source, field)
        self.constant = not callable(node)
        self._evaluate: Evaluator = node if callable(node) else _returning(node)

    def evaluate(self, scope: Scope) -> Any:
        return self._evaluate(scope)


def compile_template(source: Any, field: str = "Parameters") -> Template:
    return Template(source, field)


def compile_field(field: str, expression: str) -> Evaluator:
    """A field that holds one path or intrinsic call outside a template (a Fail state's ErrorPath,
    CausePath): a path that finds nothing is named by the field, as AWS names it
    ("... specified for the field 'ErrorPath' could not be found in the input ...")."""
    return _compile_dynamic(field, expression)


class _Constant:
    """Marks a compiled subtree that needs no evaluation."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _compile(source: Any, field: str) -> Any:
    """A value (constant subtree) or an evaluator closure."""
    compiled = _compile_node(source, field)
    return compiled.value if isinstance(compiled, _Constant) else compiled


def _compile_node(source: Any, field: str) -> _Constant | Evaluator:
    if isinstance(source, dict):
        return _compile_object(source, field)
    if isinstance(source, list):
        items = [_compile_node(item, field) for item in source]
        if all(isinstance(item, _Constant) for item in items):
            return _Constant([item.value for item in items])  # type: ignore[union-attr]
        parts = [(True, item.value) if isinstance(item, _Constant) else (False, item) for item in items]
        return lambda scope: [value if const else value(scope) for const, value in parts]
    return _Constant(source)


def _compile_object(source: dict[str, Any], field: str) -> _Constant | Evaluator:
    entries: list[tuple[str, bool, Any]] = []
    dynamic = False
    for key, value in source.items():
        if key.endswith(".$") and isinstance(value, str):
            entries.append((key[:-2], False, _compile_dynamic(key, value)))
            dynamic = True
            continue
        node = _compile_node(value, field)
        if isinstance(node, _Constant):
            entries.append((key, True, node.value))
        else:
            entries.append((key, False, node))
            dynamic = True
    if not dynamic:
        return _Constant({key: value for key, _, value in entries})

    def build(scope: Scope) -> dict[str, Any]:
        out = {}
        for key, const, value in entries:
            out[key] = value if const else value(scope)
        return out

    return build


def _compile_dynamic(key: str, expression: str) -> Evaluator:
    """The evaluator of one ``"key.$": "..."`` entry: a path or an intrinsic function."""
    if expression.startswith("States."):
        from .intrinsics import compile_intrinsic

        intrinsic = compile_intrinsic(expression)

        def call(scope: Scope) -> Any:
            return intrinsic.evaluate(lambda text: _read_for_argument(compile_path(text), expression, scope),
                                      rng=scope.rng)

        return call
    path = compile_path(expression)
    return lambda scope: _read_for_field(path, key, scope)


def _read_for_field(path: Path, key: str, scope: Scope) -> Any:
    try:
        return read_path(path, scope)
    except PathNotFound:
        raise runtime_error(
            f"The JSONPath '{path.text}' specified for the field '{key}' could not be found "
            f"in the input '{compact_json(_document(path, scope))}'"
        ) from None


def _read_for_argument(path: Path, expression: str, scope: Scope) -> Any:
    """A path argument of an intrinsic function; a miss names the whole call, as AWS does."""
    try:
        return read_path(path, scope)
    except PathNotFound:
        raise runtime_error(
            f"The function '{expression}' had the following error: The JsonPath argument for the field "
            f"'{path.text}' could not be found in the input '{compact_json(_document(path, scope))}'"
        ) from None


def _document(path: Path, scope: Scope) -> Any:
    """The document a path was read from, as AWS shows it in a cause."""
    if path.root == "context":
        return scope.context()
    if path.root == "variable":
        return scope.variable(path.variable)  # type: ignore[arg-type]
    return scope.data

"""Intrinsic functions of JSONPath states: ``"key.$": "States.Format('Hi {}', $.name)"``.

Compile once per definition, evaluate per step::

    fn = compile_intrinsic("States.Format('Hello {}', $.name)")  # IntrinsicSyntaxError if malformed
    fn.paths                         # ('$.name',): the path texts it reads, for pre-compiling
    fn.evaluate(resolve, rng=rng)    # resolve(path_text) -> JSON value; rng: the execution's
                                     # seeded random.Random (States.UUID, States.MathRandom)

Compilation checks everything that can be known from the text alone (syntax, function names,
argument counts) and turns the call tree into closures; a call whose arguments are all literals
and whose result is a scalar is folded into a constant (containers are rebuilt per evaluation, so
no caller can corrupt a shared one). Evaluation resolves paths through the engine's
``resolve`` (which raises its own ``StatesError`` for a missing path) and reports a bad argument
value as ``States.Runtime`` with ``in_state=True``, so the engine prefixes AWS's state locator.

The 18 functions live in :mod:`.intrinsics_arrays` and :mod:`.intrinsics_functions`; the table
below says how many arguments each takes and whether it draws random numbers.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from ..errors import StatesError, runtime_error
from . import intrinsics_arrays as arrays
from . import intrinsics_functions as functions
from .intrinsics_parser import Call, IntrinsicSyntaxError, Literal, Node, PathRef, StringLiteral, parse_intrinsic
from .intrinsics_values import ArgumentProblem

__all__ = ["FUNCTIONS", "Intrinsic", "IntrinsicSyntaxError", "compile_intrinsic", "is_intrinsic"]

Resolver = Callable[[str], Any]
_IMMUTABLE = (str, int, float, bool)
Evaluator = Callable[[Resolver, "random.Random | None"], Any]


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """How to call one intrinsic: its implementation and how many arguments it accepts."""

    impl: Callable[..., Any]
    min_args: int
    max_args: int | None  # None: any number
    uses_rng: bool = False

    def arity_text(self) -> str:
        if self.max_args is None:
            return f"at least {self.min_args} argument{'s' if self.min_args != 1 else ''}"
        if self.min_args == self.max_args:
            return f"exactly {self.min_args} argument{'s' if self.min_args != 1 else ''}"
        return f"{self.min_args} to {self.max_args} arguments"


FUNCTIONS = MappingProxyType({
    "Format": FunctionSpec(functions.format_string, 1, None),
    "StringToJson": FunctionSpec(functions.string_to_json, 1, 1),
    "JsonToString": FunctionSpec(functions.json_to_string, 1, 1),
    "Array": FunctionSpec(arrays.array, 0, None),
    "ArrayPartition": FunctionSpec(arrays.array_partition, 2, 2),
    "ArrayContains": FunctionSpec(arrays.array_contains, 2, 2),
    "ArrayRange": FunctionSpec(arrays.array_range, 3, 3),
    "ArrayGetItem": FunctionSpec(arrays.array_get_item, 2, 2),
    "ArrayLength": FunctionSpec(arrays.array_length, 1, 1),
    "ArrayUnique": FunctionSpec(arrays.array_unique, 1, 1),
    "Base64Encode": FunctionSpec(functions.base64_encode, 1, 1),
    "Base64Decode": FunctionSpec(functions.base64_decode, 1, 1),
    "Hash": FunctionSpec(functions.hash_text, 2, 2),
    "JsonMerge": FunctionSpec(functions.json_merge, 3, 3),
    "MathRandom": FunctionSpec(functions.math_random, 2, 3, uses_rng=True),
    "MathAdd": FunctionSpec(functions.math_add, 2, 2),
    "StringSplit": FunctionSpec(functions.string_split, 2, 2),
    "UUID": FunctionSpec(functions.uuid4, 0, 0, uses_rng=True),
})


class Intrinsic:
    """A compiled intrinsic call. Immutable; one instance may serve many executions at once."""

    __slots__ = ("text", "paths", "_evaluate")

    def __init__(self, text: str, paths: tuple[str, ...], evaluate: Evaluator) -> None:
        self.text = text
        self.paths = paths
        self._evaluate = evaluate

    def __repr__(self) -> str:
        return f"Intrinsic({self.text!r})"

    def evaluate(self, resolve: Resolver, rng: random.Random | None = None) -> Any:
        """The call's value. ``rng`` feeds States.UUID / unseeded States.MathRandom; without it
        they draw from a fresh OS-seeded generator (not repeatable)."""
        return self._evaluate(resolve, rng)


def is_intrinsic(text: Any) -> bool:
    """Whether a ``.$`` value is meant as an intrinsic call (as opposed to a path)."""
    return isinstance(text, str) and text.lstrip().startswith("States.")


def compile_intrinsic(text: str) -> Intrinsic:
    """Compile an intrinsic call; raise :class:`IntrinsicSyntaxError` (a ValueError) if malformed."""
    if not isinstance(text, str):
        raise IntrinsicSyntaxError("an intrinsic function must be a string", repr(text), 0)
    return _compile_text(text)


def _returning(value: Any) -> Evaluator:
    """An evaluator of an intrinsic whose value is known when compiled."""
    return lambda resolve, rng: value


@lru_cache(maxsize=1024)
def _compile_text(text: str) -> Intrinsic:
    tree = parse_intrinsic(text)
    paths: list[str] = []
    constant, node = _compile(tree, text, paths)
    if constant:
        return Intrinsic(text, (), _returning(node))
    return Intrinsic(text, tuple(dict.fromkeys(paths)), node)


def _compile(node: Node, text: str, paths: list[str], *, template: bool = False) -> tuple[bool, Any]:
    """``(True, value)`` for a constant, else ``(False, evaluator)``. ``template`` marks the first
    argument of States.Format, whose literal keeps its escaped braces apart from placeholders."""
    if isinstance(node, Literal):
        return True, node.value
    if isinstance(node, StringLiteral):
        if node.error is not None:
            return False, _failing(f"Invalid string literal in the intrinsic function '{text}': {node.error}")
        return True, functions.FormatTemplate(node.pieces) if template else node.value
    if isinstance(node, PathRef):
        paths.append(node.text)
        path_text = node.text
        return False, lambda resolve, rng: resolve(path_text)
    return _compile_call(node, text, paths)


def _compile_call(call: Call, text: str, paths: list[str]) -> tuple[bool, Any]:
    spec = FUNCTIONS.get(call.name)
    if spec is None:
        raise IntrinsicSyntaxError(
            f"unknown intrinsic function 'States.{call.name}' (known: {', '.join(sorted(FUNCTIONS))})",
            text, call.position,
        )
    count = len(call.args)
    if count < spec.min_args or (spec.max_args is not None and count > spec.max_args):
        raise IntrinsicSyntaxError(
            f"States.{call.name} takes {spec.arity_text()}, but {count} {'was' if count == 1 else 'were'} given",
            text, call.position,
        )
    parts = [
        _compile(arg, text, paths, template=(call.name == "Format" and i == 0))
        for i, arg in enumerate(call.args)
    ]
    impl, source = spec.impl, call.source

    def fail(problem: ArgumentProblem) -> StatesError:
        return runtime_error(f"The intrinsic function '{source}' could not be evaluated: {problem}")

    if all(constant for constant, _ in parts) and not spec.uses_rng:
        try:
            value = impl(*[value for _, value in parts])
        except ArgumentProblem:
            value = None  # not folded: the call fails each time it is evaluated, as AWS fails the state
        else:
            if value is None or value.__class__ in _IMMUTABLE:  # a shared list/dict could be mutated
                return True, value

    if spec.uses_rng:
        def evaluate_random(resolve: Resolver, rng: random.Random | None) -> Any:
            args = [value if constant else value(resolve, rng) for constant, value in parts]
            try:
                return impl(*args, rng=rng if rng is not None else random.Random())
            except ArgumentProblem as problem:
                raise fail(problem) from None

        return False, evaluate_random

    def evaluate(resolve: Resolver, rng: random.Random | None) -> Any:
        args = [value if constant else value(resolve, rng) for constant, value in parts]
        try:
            return impl(*args)
        except ArgumentProblem as problem:
            raise fail(problem) from None

    return False, evaluate


def _failing(cause: str) -> Evaluator:
    def evaluate(resolve: Resolver, rng: random.Random | None) -> Any:
        raise runtime_error(cause)

    return evaluate

"""Choice rules (JSONPath query language), compiled into predicates over a frame.

A rule is a comparison (``Variable`` + one operator), or ``And`` / ``Or`` / ``Not`` of rules.
Comparisons follow AWS: a value of the wrong type makes a comparison false rather than an error
(``NumericEquals`` on a string is false; booleans are never numbers); ``Timestamp*`` operators
compare RFC 3339 instants; ``StringMatches`` has ``*`` wildcards with ``\\*`` and ``\\\\`` escapes;
a ``Variable`` path that finds nothing is false for ``IsPresent`` and a ``States.Runtime`` error
for every other operator.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..errors import runtime_error
from ..expr.jsonpath import Path, PathNotFound, compile_path
from ..expr.template import read_path
from ..model.timestamps import parse_timestamp

__all__ = ["Predicate", "compile_rule", "parse_timestamp"]

Predicate = Callable[[Any], bool]  # called with the frame, whose .data is the Choice's input

def _is_number(value: Any) -> bool:
    return (value.__class__ is int or value.__class__ is float)


def _string_pattern(pattern: str) -> re.Pattern[str]:
    """``*`` matches any run of characters; ``\\x`` is a literal ``x`` (a trailing ``\\`` is itself).

    One pass over the characters with a for loop: no index arithmetic, so no input loops forever.
    """
    out = []
    characters = iter(pattern)
    for ch in characters:
        if ch == "\\":
            out.append(re.escape(next(characters, "\\")))
        else:
            out.append(".*" if ch == "*" else re.escape(ch))
    return re.compile("".join(out), re.DOTALL)


# -- comparisons: (kind check, comparison) --------------------------------------------------------

def _cmp_string(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    return lambda a, b: a.__class__ is str and b.__class__ is str and op(a, b)


def _cmp_numeric(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    return lambda a, b: _is_number(a) and _is_number(b) and op(a, b)


def _cmp_timestamp(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(a: Any, b: Any) -> bool:
        left, right = parse_timestamp(a), parse_timestamp(b)
        return left is not None and right is not None and op(left, right)

    return compare


def _eq(a: Any, b: Any) -> bool:
    return bool(a == b)


def _lt(a: Any, b: Any) -> bool:
    return bool(a < b)


def _gt(a: Any, b: Any) -> bool:
    return bool(a > b)


def _le(a: Any, b: Any) -> bool:
    return bool(a <= b)


def _ge(a: Any, b: Any) -> bool:
    return bool(a >= b)


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "StringEquals": _cmp_string(_eq),
    "StringLessThan": _cmp_string(_lt),
    "StringGreaterThan": _cmp_string(_gt),
    "StringLessThanEquals": _cmp_string(_le),
    "StringGreaterThanEquals": _cmp_string(_ge),
    "NumericEquals": _cmp_numeric(_eq),
    "NumericLessThan": _cmp_numeric(_lt),
    "NumericGreaterThan": _cmp_numeric(_gt),
    "NumericLessThanEquals": _cmp_numeric(_le),
    "NumericGreaterThanEquals": _cmp_numeric(_ge),
    "BooleanEquals": lambda a, b: a.__class__ is bool and b.__class__ is bool and a == b,
    "TimestampEquals": _cmp_timestamp(_eq),
    "TimestampLessThan": _cmp_timestamp(_lt),
    "TimestampGreaterThan": _cmp_timestamp(_gt),
    "TimestampLessThanEquals": _cmp_timestamp(_le),
    "TimestampGreaterThanEquals": _cmp_timestamp(_ge),
}

_TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "IsNull": lambda v: v is None,
    "IsNumeric": _is_number,
    "IsString": lambda v: v.__class__ is str,
    "IsBoolean": lambda v: v.__class__ is bool,
    "IsTimestamp": lambda v: parse_timestamp(v) is not None,
}

COMPARISON_OPERATORS = frozenset(
    list(_COMPARISONS) + [name + "Path" for name in _COMPARISONS]
    + list(_TYPE_TESTS) + ["IsPresent", "StringMatches"]
)


def compile_rule(rule: dict[str, Any]) -> Predicate:
    """A predicate for one Choice rule (top-level or nested)."""
    if "And" in rule:
        parts = [compile_rule(r) for r in rule["And"]]
        return lambda frame: all(p(frame) for p in parts)
    if "Or" in rule:
        parts = [compile_rule(r) for r in rule["Or"]]
        return lambda frame: any(p(frame) for p in parts)
    if "Not" in rule:
        inner = compile_rule(rule["Not"])
        return lambda frame: not inner(frame)
    variable = compile_path(rule["Variable"])
    operator = next(key for key in rule if key in COMPARISON_OPERATORS)
    operand = rule[operator]
    if operator == "IsPresent":
        return _is_present(variable, operand)
    read = _reader(variable)
    if operator in _TYPE_TESTS:
        test = _TYPE_TESTS[operator]
        return lambda frame: test(read(frame)) == operand
    if operator == "StringMatches":
        pattern = _string_pattern(operand)
        return lambda frame: (lambda v: v.__class__ is str and pattern.fullmatch(v) is not None)(read(frame))
    if operator.endswith("Path"):
        compare = _COMPARISONS[operator[:-4]]
        other = _reader(compile_path(operand))
        return lambda frame: compare(read(frame), other(frame))
    compare = _COMPARISONS[operator]
    return lambda frame: compare(read(frame), operand)


def _reader(path: Path) -> Callable[[Any], Any]:
    """Read a rule's path from the frame; a miss is AWS's Choice error."""
    if path.root == "data" and path.definite:
        get = path.get

        def read_data(frame: Any) -> Any:
            try:
                return get(frame.data)
            except PathNotFound:
                raise _missing(path) from None

        return read_data

    def read_any(frame: Any) -> Any:
        try:
            return read_path(path, frame)
        except PathNotFound:
            raise _missing(path) from None

    return read_any


def _missing(path: Path) -> Exception:
    return runtime_error(f"Invalid path '{path.text}': The choice state's condition path references an invalid value.")


def _is_present(path: Path, expected: bool) -> Predicate:
    def predicate(frame: Any) -> bool:
        try:
            value = read_path(path, frame)
        except PathNotFound:
            return not expected
        if not path.definite and value == []:
            return not expected
        return expected

    return predicate

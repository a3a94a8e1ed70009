"""Which Choice rules can ever be chosen, decided by enumerating the few kinds of value that matter.

A Choice picks its first rule that is true; a rule whose comparison reads a path that is not there
raises ``States.Runtime`` and stops the Choice (so do And/Or/Not around it, after short-circuiting
as the engine does). Rule ``k`` is *shadowed* when no input makes every earlier rule false and rule
``k`` true; the ``Default`` is dead when no input makes every rule false.

Deciding that needs no search. For one variable (a definite path such as ``$.order.total``), the
constants its comparisons name cut the values into finitely many *cells* in which every comparison
keeps one truth value: the variable is absent, null, true, false, an object or array, a number
equal to a constant or strictly between two neighbouring ones, a string likewise (in code point
order; an empty gap such as the one between ``"a"`` and ``"a\\0"`` is left out), and for strings
also whether they are a timestamp (and where it falls among the timestamp constants) and whether
they match each ``StringMatches`` pattern. Trying every combination of cells of every variable
involved is exact for one variable and errs on the side of *more* combinations across variables
(``$.a`` and ``$.a.b`` are treated as unrelated, a string's timestamp cell as unrelated to its
order cell), so a rule found unreachable is unreachable for every input: the analysis is sound,
and says "cannot tell" rather than guess when the combinations are too many.

Comparisons it cannot see into (``...Path`` operands, paths with wildcards or filters, JSONata
``Condition`` expressions) are free true/false/error values; the same text gets the same value,
so a rule repeating an earlier one word for word is still found.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..states.choice_rules import parse_timestamp

__all__ = ["ChoiceVerdict", "judge_choice", "MAX_COMBINATIONS"]

#: combinations tried before the analysis gives up on a question (answers "cannot tell")
MAX_COMBINATIONS = 20_000

T, F, E = "T", "F", "E"  # true, false, a States.Runtime error (the path is not there)

_ORDER_OPS = {"Equals": "==", "LessThan": "<", "GreaterThan": ">", "LessThanEquals": "<=", "GreaterThanEquals": ">="}
_TYPE_TESTS = ("IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp")
#: JSONata functions whose value may differ between two evaluations of the same text
_UNSTABLE = ("$random", "$now", "$millis", "$uuid")


@dataclass(frozen=True)
class ChoiceVerdict:
    """What the analysis knows of one Choice state's rules (None: cannot tell)."""

    #: per rule: True it can be chosen, False it never can, None cannot tell
    rule_reachable: list[bool | None]
    #: per unreachable rule: the earlier rules that take every input it would match ([] : it matches nothing)
    shadowed_by: dict[int, list[int]]
    #: can every rule be false (the Default is taken, or States.NoChoiceMatched without one)
    none_match: bool | None


def judge_choice(choices: Sequence[Mapping[str, Any]]) -> ChoiceVerdict:
    """Decide which rules of a Choice can be chosen and whether no rule may match."""
    compiled = [_compile(rule) for rule in choices]
    reachable: list[bool | None] = []
    shadowed: dict[int, list[int]] = {}
    for k, rule in enumerate(compiled):
        answer = _exists(compiled[:k], rule)
        reachable.append(answer)
        if answer is False:
            if _exists([], rule) is False:
                shadowed[k] = []
                continue
            shadowed[k] = _fewest(compiled[:k], rule)
    return ChoiceVerdict(reachable, shadowed, _exists(compiled, None))


def _fewest(earlier: Sequence[Any], rule: Any) -> list[int]:
    """A small set of earlier rules that together take every input ``rule`` matches (one rule when one
    does; otherwise each rule is dropped in turn while the rest still do)."""
    for i, node in enumerate(earlier):
        if _exists([node], rule) is False:
            return [i]
    kept = list(range(len(earlier)))
    for i in range(len(earlier)):
        trial = [j for j in kept if j != i]
        if _exists([earlier[j] for j in trial], rule) is False:
            kept = trial
    return kept


# -- rules as trees of atoms ----------------------------------------------------------------------

@dataclass(frozen=True)
class _Cmp:
    """A comparison of one definite variable with a constant, or a type test."""

    variable: str
    operator: str
    operand: Any


@dataclass(frozen=True)
class _Opaque:
    """A condition the analysis does not look into: any of true, false, error."""

    key: str


@dataclass(frozen=True)
class _Const:
    value: bool


@dataclass(frozen=True)
class _Node:
    op: str  # "And", "Or", "Not"
    parts: tuple[Any, ...]


def _compile(rule: Mapping[str, Any]) -> Any:
    if "And" in rule or "Or" in rule:
        op = "And" if "And" in rule else "Or"
        return _Node(op, tuple(_compile(part) for part in rule[op]))
    if "Not" in rule:
        return _Node("Not", (_compile(rule["Not"]),))
    if "Condition" in rule:
        condition = rule["Condition"]
        if isinstance(condition, bool):
            return _Const(condition)
        text = str(condition)
        if any(name in text for name in _UNSTABLE):
            return _Opaque(f"unstable:{id(rule)}")
        return _Opaque(f"jsonata:{text}")
    variable = rule.get("Variable")
    operator = next((key for key in rule if key in _KNOWN_OPERATORS), None)
    if not isinstance(variable, str) or operator is None:
        return _Opaque(f"unknown:{json.dumps(rule, sort_keys=True, default=str)}")
    operand = rule[operator]
    if operator.endswith("Path") or not _definite(variable):
        return _Opaque(f"cmp:{variable}:{operator}:{json.dumps(operand, sort_keys=True, default=str)}")
    if operator.startswith("Timestamp"):
        parsed = parse_timestamp(operand)
        if parsed is None:
            return _Opaque(f"cmp:{variable}:{operator}:{operand}")
        operand = parsed
    return _Cmp(variable, operator, operand)


_KNOWN_OPERATORS = frozenset(
    [family + suffix + path for family in ("String", "Numeric", "Timestamp") for suffix in _ORDER_OPS
     for path in ("", "Path")] + ["BooleanEquals", "BooleanEqualsPath", "StringMatches", *_TYPE_TESTS]
)


def _definite(variable: str) -> bool:
    from ..expr.jsonpath import compile_path

    try:
        return bool(compile_path(variable).definite)
    except Exception:  # a path the engine would refuse: treat its comparisons as unknown
        return False


def _atoms(node: Any, out: set[Any]) -> None:
    if isinstance(node, _Node):
        for part in node.parts:
            _atoms(part, out)
    elif isinstance(node, (_Cmp, _Opaque)):
        out.add(node)


# -- cells of one variable ------------------------------------------------------------------------

class _Ordered:
    """Cells of an ordered domain cut by constants: code ``2i+1`` is the i-th constant, ``2i`` the gap below it."""

    def __init__(self, constants: set[Any], *, strings: bool = False) -> None:
        self.points = sorted(constants)
        self.codes = []
        for i in range(len(self.points) + 1):
            if not (strings and _empty_string_gap(self.points, i)):
                self.codes.append(2 * i)
            if i < len(self.points):
                self.codes.append(2 * i + 1)

    def code_of(self, constant: Any) -> int:
        return 2 * self.points.index(constant) + 1


def _empty_string_gap(points: list[str], i: int) -> bool:
    if i == len(points):
        return False
    if i == 0:
        return points[0] == ""
    return points[i - 1] + "\0" == points[i]


def _cells(variable: str, atoms: list[_Cmp]) -> list[tuple[Any, ...]]:
    numbers = {a.operand for a in atoms if a.operator.startswith("Numeric")}
    strings = {a.operand for a in atoms if a.operator.startswith("String") and a.operator != "StringMatches"}
    stamps = {a.operand for a in atoms if a.operator.startswith("Timestamp")}
    patterns = sorted({a.operand for a in atoms if a.operator == "StringMatches"})
    timestamps_matter = bool(stamps) or any(a.operator == "IsTimestamp" for a in atoms)
    cells: list[tuple[Any, ...]] = [("absent",), ("null",), ("bool", True), ("bool", False), ("other",)]
    cells += [("num", code) for code in _Ordered(numbers).codes]
    stamp_cells: list[int | None] = [None] + (list(_Ordered(stamps).codes) if timestamps_matter else [])
    for order in _Ordered(strings, strings=True).codes:
        for stamp in stamp_cells:
            for bits in itertools.product((True, False), repeat=len(patterns)):
                cells.append(("str", order, stamp, dict(zip(patterns, bits))))
    return cells


def _compare(code: int, op: str, constant_code: int) -> bool:
    return {"==": code == constant_code, "<": code < constant_code, ">": code > constant_code,
            "<=": code <= constant_code, ">=": code >= constant_code}[op]


def _evaluate_cmp(atom: _Cmp, cell: tuple[Any, ...], orders: dict[str, _Ordered]) -> str:
    operator, kind = atom.operator, cell[0]
    if operator == "IsPresent":
        return T if (kind != "absent") == atom.operand else F
    if kind == "absent":
        return E
    if operator in _TYPE_TESTS:
        actual = {"IsNull": kind == "null", "IsNumeric": kind == "num", "IsString": kind == "str",
                  "IsBoolean": kind == "bool", "IsTimestamp": kind == "str" and cell[2] is not None}[operator]
        return T if actual == atom.operand else F
    if operator == "BooleanEquals":
        return T if kind == "bool" and cell[1] is atom.operand else F
    if operator == "StringMatches":
        return T if kind == "str" and cell[3][atom.operand] else F
    family = next(f for f in ("String", "Numeric", "Timestamp") if operator.startswith(f))
    op = _ORDER_OPS[operator[len(family):]]
    if family == "Numeric":
        if kind != "num":
            return F
        return T if _compare(cell[1], op, orders["num"].code_of(atom.operand)) else F
    if kind != "str":
        return F
    if family == "String":
        return T if _compare(cell[1], op, orders["str"].code_of(atom.operand)) else F
    if cell[2] is None:
        return F
    return T if _compare(cell[2], op, orders["stamp"].code_of(atom.operand)) else F


# -- evaluation and the search over combinations --------------------------------------------------

def _value(node: Any, assignment: dict[Any, str]) -> str:
    if isinstance(node, _Const):
        return T if node.value else F
    if isinstance(node, _Node):
        if node.op == "Not":
            inner = _value(node.parts[0], assignment)
            return E if inner == E else (F if inner == T else T)
        stop = F if node.op == "And" else T
        for part in node.parts:
            value = _value(part, assignment)
            if value in (stop, E):
                return value
        return T if node.op == "And" else F
    return assignment[node]


def _exists(earlier: Sequence[Any], rule: Any) -> bool | None:
    """Is there an input making every ``earlier`` rule false and ``rule`` true (``rule`` None: no
    rule needed)? None when there are too many combinations to try."""
    nodes = list(earlier) + ([rule] if rule is not None else [])
    atoms: set[Any] = set()
    for node in nodes:
        _atoms(node, atoms)
    by_variable: dict[str, list[_Cmp]] = {}
    opaque = sorted((a for a in atoms if isinstance(a, _Opaque)), key=lambda a: a.key)
    for atom in atoms:
        if isinstance(atom, _Cmp):
            by_variable.setdefault(atom.variable, []).append(atom)
    variables = sorted(by_variable)
    cell_lists = [_cells(v, by_variable[v]) for v in variables]
    total = 3 ** len(opaque)
    for cells in cell_lists:
        total *= len(cells)
        if total > MAX_COMBINATIONS:
            return None
    orders_by_variable = {v: _orders(by_variable[v]) for v in variables}
    for choice in itertools.product(*cell_lists, *([(T, F, E)] * len(opaque))):
        assignment: dict[Any, str] = {}
        for variable, cell in zip(variables, choice):
            for atom in by_variable[variable]:
                assignment[atom] = _evaluate_cmp(atom, cell, orders_by_variable[variable])
        for atom, value in zip(opaque, choice[len(variables):]):
            assignment[atom] = value
        if all(_value(node, assignment) == F for node in earlier) and (
                rule is None or _value(rule, assignment) == T):
            return True
    return False


def _orders(atoms: list[_Cmp]) -> dict[str, _Ordered]:
    return {
        "num": _Ordered({a.operand for a in atoms if a.operator.startswith("Numeric")}),
        "str": _Ordered({a.operand for a in atoms if a.operator.startswith("String") and a.operator != "StringMatches"},
                        strings=True),
        "stamp": _Ordered({a.operand for a in atoms if a.operator.startswith("Timestamp")}),
    }


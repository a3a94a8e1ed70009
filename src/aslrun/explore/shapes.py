"""What data a definition reads, so generated inputs and mocked results carry those fields.

Every path a state reads (``InputPath``, ``Parameters``/``ItemSelector``/``Arguments`` values ending
in ``.$``, intrinsic functions' path arguments, Choice ``Variable``s, ``ItemsPath``, the
``...Path`` fields of Wait, Fail and Task, JSONata ``$states.input.a.b``) is a tuple of steps
relative to the data of the state's scope (a state's ``InputPath`` is prefixed to the paths it
reads after it). From these:

* the **input shape** of a scope: the paths its states read that no state of the scope writes
  (a ``ResultPath`` of a Task, Parallel, Map or Pass writes below it);
* the **result shape** of a Task: the paths read below its ``ResultPath`` (the fields of its
  result the machine looks at), and when it ends a Parallel branch or a Map iteration, the paths
  read below the Parallel's ``ResultPath[i]`` (the Map's ``ResultPath[n]``);
* **hints**: the constants each path is compared with in Choice rules, so generated values
  fall on either side of every comparison.

A shape is a set of step tuples; :func:`tree` turns it into nested dicts (an int step is a list
index).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .flow import Scope, scopes

__all__ = ["Hint", "MachineShapes", "Steps", "read_shapes", "tree"]

Steps = tuple[str | int, ...]

_JSONATA_INPUT = re.compile(r"\$states\.input((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])+)")
#: ``$states.input.a.b > 100`` (or ``= "x"``, ``= true``) in a JSONata condition: a field and what it is compared with
_JSONATA_COMPARISON = re.compile(
    r"\$states\.input((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])+)\s*(<=|>=|!=|<|>|=)\s*"
    r"(-?\d+(?:\.\d+)?|\"[^\"]*\"|'[^']*'|true|false)")
_PATH_IN_TEXT = re.compile(r"(?<![\w$])\$(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\]|\['[^']*'\])+")
_MAP_ITEM = ("Map", "Item", "Value")


@dataclass
class Hint:
    """What Choice rules compare one path with."""

    numbers: set[float] = field(default_factory=set)
    strings: set[str] = field(default_factory=set)
    timestamps: set[str] = field(default_factory=set)
    booleans: bool = False
    nulls: bool = False
    optional: bool = False  # an IsPresent test reads it

    def add(self, operator: str, operand: Any) -> None:
        if operator.startswith("Numeric") and not operator.endswith("Path"):
            self.numbers.add(operand)
        elif operator.startswith("String") and not operator.endswith("Path") and operator != "StringMatches":
            self.strings.add(operand)
        elif operator == "StringMatches":
            self.strings.add(operand.replace("\\*", "\0").replace("*", "x").replace("\0", "*"))
        elif operator.startswith("Timestamp") and not operator.endswith("Path"):
            self.timestamps.add(operand)
        elif operator.startswith("Boolean") or operator == "IsBoolean":
            self.booleans = True
        elif operator == "IsNull":
            self.nulls = True
        elif operator == "IsPresent":
            self.optional = True
        elif operator == "IsNumeric":
            self.numbers.add(0)
        elif operator in ("IsString", "IsTimestamp"):
            self.strings.add("text")
            if operator == "IsTimestamp":
                self.timestamps.add("2024-01-01T00:00:00Z")


@dataclass
class MachineShapes:
    """The shapes and hints of one definition."""

    #: the execution input's shape
    input: set[Steps] = field(default_factory=set)
    #: per Task state name: its result's shape
    results: dict[str, set[Steps]] = field(default_factory=dict)
    #: per Task state name: the full path its result lands at in its scope (None: discarded or unknown)
    result_roots: dict[str, Steps | None] = field(default_factory=dict)
    #: per Task state name: the scope it is in (hints are looked up per scope)
    task_scopes: dict[str, str] = field(default_factory=dict)
    #: (scope location, path) -> what Choice rules compare it with
    hints: dict[tuple[str, Steps], Hint] = field(default_factory=dict)
    #: per scope location: the paths its states read, and the paths its states write
    reads: dict[str, set[Steps]] = field(default_factory=dict)
    writes: dict[str, set[Steps]] = field(default_factory=dict)
    #: every scope by its location
    scopes: dict[str, Scope] = field(default_factory=dict)
    #: per state name: the paths that state reads (relative to its scope's data)
    state_reads: dict[str, set[Steps]] = field(default_factory=dict)
    #: Map scopes: (scope of the Map, ItemsPath steps, processor scope location)
    item_lists: list[tuple[str, Steps, str]] = field(default_factory=list)

    def hint(self, scope: str, steps: Steps) -> Hint | None:
        return self.hints.get((scope, steps))


def read_shapes(definition: Mapping[str, Any]) -> MachineShapes:
    shapes = MachineShapes()
    all_scopes = list(scopes(definition))
    for scope in all_scopes:
        shapes.scopes[scope.where] = scope
        shapes.reads[scope.where] = set()
        shapes.writes[scope.where] = set()
        for name, state in scope.states.items():
            _read_state(scope, name, state, shapes)
    # paths read inside a Parallel branch read the Parallel's input: they belong to the owner's scope too
    for scope in reversed(all_scopes):
        if scope.owner is None:
            continue
        owner_scope = next(s for s in all_scopes if scope.owner in s.states)
        owner = owner_scope.states[scope.owner]
        if owner.get("Type") == "Parallel" and "Parameters" not in owner and "Arguments" not in owner:
            prefix = _steps(owner.get("InputPath", "$")) or ()
            inner = {prefix + p for p in _unwritten(shapes, scope.where)}
            shapes.reads[owner_scope.where] |= inner
            shapes.state_reads.setdefault(scope.owner, set()).update(inner)
    for scope in all_scopes:
        _follow_copies(scope, shapes)
    top = all_scopes[0].where
    shapes.input = _unwritten(shapes, top)
    for scope in all_scopes:
        for name, state in scope.states.items():
            if state.get("Type") == "Task":
                _result_shape(scope, name, state, shapes, all_scopes)
    for owner_where, items_path, processor in shapes.item_lists:
        if owner_where == top:
            shapes.input.discard(items_path)
    return shapes


def unwritten_reads(shapes: MachineShapes, where: str) -> set[Steps]:
    return _unwritten(shapes, where)


def _unwritten(shapes: MachineShapes, where: str) -> set[Steps]:
    """What the scope's input must hold: the paths read by the states an execution reaches before a
    state replaces the whole data (a Task, Parallel or Map without ResultPath, a Pass with Parameters
    or Result and no ResultPath: what is read after it comes from it), less what a state writes."""
    writes = shapes.writes.get(where, set())
    scope = shapes.scopes.get(where)
    reads = shapes.reads.get(where, set()) if scope is None else _reads_before_replacement(scope, shapes)
    return {p for p in reads if not any(p[:len(w)] == w for w in writes)}


def _reads_before_replacement(scope: Scope, shapes: MachineShapes) -> set[Steps]:
    from .flow import edges_of

    reads: set[Steps] = set()
    seen: set[str] = set()
    pending = [scope.start_at] if scope.start_at in scope.states else []
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        state = scope.states[name]
        reads |= shapes.state_reads.get(name, set())
        if _replaces_data(state):
            continue
        pending.extend(e.target for e in edges_of(name, state, "")
                       if e.target is not None and e.target in scope.states and e.kind != "catch")
    return reads


def _replaces_data(state: Mapping[str, Any]) -> bool:
    if "ResultPath" in state:
        return state["ResultPath"] == "$"
    kind = state.get("Type")
    return kind in ("Task", "Parallel", "Map") or (kind == "Pass" and ("Parameters" in state or "Result" in state))


def _read_state(scope: Scope, name: str, state: Mapping[str, Any], shapes: MachineShapes) -> None:
    reads = shapes.reads[scope.where]
    own = shapes.state_reads.setdefault(name, set())
    prefix = _steps(state.get("InputPath", "$")) if isinstance(state.get("InputPath", "$"), str) else ()
    prefix = prefix or ()

    def read(path: Any, base: Steps = prefix) -> Steps | None:
        steps = _steps(path)
        if steps is not None:
            reads.add(base + steps)
            own.add(base + steps)
            return base + steps
        return None

    if state.get("InputPath"):
        read(state["InputPath"], ())
    for key in ("Parameters", "ItemSelector", "Arguments", "Output"):
        for path in _template_paths(state.get(key)):
            read(path)
    for key in ("SecondsPath", "TimestampPath", "ErrorPath", "CausePath", "TimeoutSecondsPath",
                "HeartbeatSecondsPath", "MaxConcurrencyPath", "ToleratedFailureCountPath",
                "ToleratedFailurePercentagePath"):
        read(state.get(key))
    if state.get("Type") == "Choice":
        for rule in state.get("Choices") or []:
            _read_rule(rule, scope, read, shapes, prefix)
    if state.get("Type") == "Map":
        items = _steps(state.get("ItemsPath", "$"))
        if items is not None:
            reads.add(prefix + items)
            for key in ("ItemProcessor", "Iterator"):
                if isinstance(state.get(key), Mapping):
                    shapes.item_lists.append((scope.where, prefix + items, f"{scope.location(name)}.{key}"))
    result_path = state.get("ResultPath", "$")
    if state.get("Type") in ("Task", "Parallel", "Map") or (state.get("Type") == "Pass" and (
            "Result" in state or "Parameters" in state)):
        written = _steps(result_path) if isinstance(result_path, str) else None
        if written:
            shapes.writes[scope.where].add(written)


def _follow_copies(scope: Scope, shapes: MachineShapes) -> None:
    """A Pass state's ``Parameters`` copy fields (``"x.$": "$.a.b"``, or the path arguments of an intrinsic
    such as ``States.JsonMerge``): what the states after it read below the copy is read below its source
    too, at the Pass, with the same hints. Passes are taken last first, so a copy of a copy is followed."""
    from .flow import edges_of

    after: dict[str, set[str]] = {}
    for name, state in scope.states.items():
        after[name] = {e.target for e in edges_of(name, state, "") if e.target is not None and e.target in scope.states}
    for name in reversed(list(scope.states)):
        state = scope.states[name]
        if state.get("Type") != "Pass" or not isinstance(state.get("Parameters"), Mapping):
            continue
        result_path, output_path = state.get("ResultPath", "$"), state.get("OutputPath", "$")
        root = _steps(result_path) if isinstance(result_path, str) else None
        out = _steps(output_path) if isinstance(output_path, str) else None
        if root is None or out is None:
            continue
        prefix = (_steps(state.get("InputPath", "$")) if isinstance(state.get("InputPath", "$"), str) else None) or ()
        later = set().union(*(shapes.state_reads.get(n, set()) for n in _successors(name, after)))
        own = shapes.state_reads.setdefault(name, set())
        for landing, sources in _template_fields(state["Parameters"], ()):
            landed = root + landing
            for read in later:
                seen = out + read  # a later read is relative to this Pass's output
                if seen[:len(landed)] != landed or len(seen) == len(landed):
                    continue
                for source in sources:
                    alias = prefix + source + seen[len(landed):]
                    own.add(alias)
                    shapes.reads[scope.where].add(alias)
                    hint = shapes.hints.get((scope.where, read))
                    if hint is not None:
                        shapes.hints.setdefault((scope.where, alias), hint)


def _successors(name: str, after: Mapping[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    pending = list(after.get(name, ()))
    while pending:
        current = pending.pop()
        if current not in seen:
            seen.add(current)
            pending.extend(after.get(current, ()))
    return seen


def _template_fields(template: Any, at: Steps) -> Iterable[tuple[Steps, list[Steps]]]:
    """``(field, [source paths])`` for each ``.$`` field of a payload template (an intrinsic's path
    arguments are its sources), nested fields too."""
    if not isinstance(template, Mapping):
        return
    for key, value in template.items():
        if isinstance(key, str) and key.endswith(".$") and isinstance(value, str):
            paths = [value] if "(" not in value else [m.group(0) for m in _PATH_IN_TEXT.finditer(value)]
            if "(" in value and re.search(r"(?<![\w$])\$(?![\w.\[$])", value):  # a bare $ argument: the whole input
                paths.append("$")
            yield at + (key[:-2],), [s for s in (_steps(p) for p in paths) if s is not None]
        elif isinstance(value, Mapping):
            yield from _template_fields(value, at + (key,))


def _read_rule(rule: Mapping[str, Any], scope: Scope, read: Any, shapes: MachineShapes, prefix: Steps) -> None:
    for key in ("And", "Or"):
        for part in rule.get(key) or []:
            _read_rule(part, scope, read, shapes, prefix)
    if isinstance(rule.get("Not"), Mapping):
        _read_rule(rule["Not"], scope, read, shapes, prefix)
    if isinstance(rule.get("Condition"), str):
        for match in _JSONATA_INPUT.finditer(rule["Condition"]):
            read("$" + match.group(1))
        for match in _JSONATA_COMPARISON.finditer(rule["Condition"]):
            steps = read("$" + match.group(1))
            if steps is not None:
                shapes.hints.setdefault((scope.where, steps), Hint()).add(*_jsonata_operand(match.group(3)))
    steps = read(rule.get("Variable"))
    if steps is None:
        return
    hint = shapes.hints.setdefault((scope.where, steps), Hint())
    for operator, operand in rule.items():
        if operator in ("Variable", "Next", "Comment", "Assign", "Output", "And", "Or", "Not", "Condition"):
            continue
        if operator.endswith("Path"):
            read(operand)
        hint.add(operator, operand)


def _jsonata_operand(text: str) -> tuple[str, Any]:
    """The hint a JSONata literal gives: (a Choice operator of its kind, its value)."""
    if text in ("true", "false"):
        return "BooleanEquals", text == "true"
    if text[:1] in ("'", '"'):
        return "StringEquals", text[1:-1]
    return "NumericEquals", float(text) if "." in text else int(text)


def _result_shape(scope: Scope, name: str, state: Mapping[str, Any], shapes: MachineShapes,
                  all_scopes: list[Scope]) -> None:
    shapes.task_scopes[name] = scope.where
    result_path = state.get("ResultPath", "$")
    root = _steps(result_path) if isinstance(result_path, str) else None
    shapes.result_roots[name] = root
    demanded: set[Steps] = set()
    if "ResultSelector" in state:
        demanded |= {s for s in (_steps(p) for p in _template_paths(state["ResultSelector"])) if s is not None}
        if root is not None:  # a field the selector copies is compared under its new name: hint the source
            for field_steps, source in _selector_fields(state["ResultSelector"], ()):
                hint = shapes.hints.get((scope.where, root + field_steps))
                if hint is not None:
                    shapes.hints.setdefault((scope.where, root + source), hint)
    elif root is not None:
        # what later states read is relative to this state's output: the data at OutputPath
        output_path = state.get("OutputPath", "$")
        out = (_steps(output_path) or ()) if isinstance(output_path, str) else ()
        read_after = {out + p for p in shapes.reads[scope.where]} | shapes.reads[scope.where]
        demanded |= {p[len(root):] for p in read_after if p[:len(root)] == root and len(p) > len(root)}
        if state.get("End") and scope.owner is not None:
            for rest in _owner_demand(scope, all_scopes, shapes):
                if rest[:len(root)] == root and len(rest) > len(root):
                    demanded.add(rest[len(root):])
    shapes.results[name] = demanded


def _owner_demand(scope: Scope, all_scopes: list[Scope], shapes: MachineShapes) -> set[Steps]:
    """Paths read of this branch's (or iteration's) output, relative to that output."""
    owner_name = scope.owner
    assert owner_name is not None  # (only a branch's or an iteration's scope has its output read)
    owner_scope = next(s for s in all_scopes if owner_name in s.states)
    owner = owner_scope.states[owner_name]
    root = _steps(owner.get("ResultPath", "$")) if isinstance(owner.get("ResultPath", "$"), str) else None
    if root is None or "ResultSelector" in owner:
        return set()
    branch = None
    if owner.get("Type") == "Parallel":
        match = re.search(r"\.Branches\[(\d+)\]$", scope.where)
        branch = int(match.group(1)) if match else None
    out = set()
    for p in shapes.reads[owner_scope.where]:
        if p[:len(root)] != root or len(p) <= len(root) + 1 or not isinstance(p[len(root)], int):
            continue
        if branch is None or p[len(root)] == branch:
            out.add(p[len(root) + 1:])
    return out


def _selector_fields(template: Any, at: Steps) -> Iterable[tuple[Steps, Steps]]:
    """``(field, source)`` for each ``"field.$": "$.source"`` of a payload template, nested fields too."""
    if not isinstance(template, Mapping):
        return
    for key, value in template.items():
        if isinstance(key, str) and key.endswith(".$"):
            source = _steps(value) if isinstance(value, str) and "(" not in value else None
            if source is not None:
                yield at + (key[:-2],), source
        elif isinstance(value, Mapping):
            yield from _selector_fields(value, at + (key,))


def _template_paths(template: Any) -> Iterable[str]:
    """The paths a payload template reads: values of keys ending in ``.$`` (and paths inside
    intrinsic functions), JSONata ``$states.input`` references in strings."""
    if isinstance(template, Mapping):
        for key, value in template.items():
            if isinstance(key, str) and key.endswith(".$") and isinstance(value, str):
                if value.startswith("$") and not value.startswith("$$") and "(" not in value:
                    yield value
                else:
                    yield from (m.group(0) for m in _PATH_IN_TEXT.finditer(value))
            else:
                yield from _template_paths(value)
    elif isinstance(template, list):
        for item in template:
            yield from _template_paths(item)
    elif isinstance(template, str) and "$states.input" in template:
        yield from ("$" + m.group(1) for m in _JSONATA_INPUT.finditer(template))


def _steps(path: Any) -> Steps | None:
    """The definite leading steps of a data path (``$.a.b[0]``), None for context/variable paths."""
    if not isinstance(path, str) or not path.startswith("$") or path.startswith("$$"):
        return None
    from ..expr.jsonpath import compile_path

    try:
        compiled = compile_path(path)
    except Exception:
        return None
    if compiled.root != "data" or compiled.variable:
        return None
    if compiled.steps is not None:  # (definite)
        return tuple(compiled.steps)
    head = re.split(r"\[\*|\[\?|\.\.|\[\d+:|\[-|\[\d+,", path, maxsplit=1)[0]
    return _steps(head) if head != path else None


def tree(paths: Iterable[Steps]) -> dict[Any, Any]:
    """Nested dicts of steps; a leaf is ``None``; a step that has children is never a leaf."""
    root: dict[Any, Any] = {}
    for path in sorted(paths, key=lambda p: (len(p), [str(s) for s in p])):
        node = root
        for i, step in enumerate(path):
            last = i == len(path) - 1
            if step not in node or (node[step] is None and not last):
                node[step] = None if last else {}
            if not last:
                node = node[step]
    return root

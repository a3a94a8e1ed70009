"""Hypothesis strategies for execution inputs and mocked Task results.

* Inputs follow ``--input-schema`` (:mod:`.schema_strategy`) when given; otherwise they are built
  from the paths the definition reads (:mod:`.shapes`), each leaf drawn around the constants
  Choice rules compare it with (both sides of ``NumericGreaterThan 100``: 99, 100, 101, 100.5...),
  lists for Map ``ItemsPath``. ``--examples`` files are drawn as they are, and with their compared
  fields redrawn.
* A Task is left to its handler (when one is bound), or mocked with a short sequence of responses
  by invocation: each a ``Return`` of its result shape, or a ``Throw`` of an error named in its
  own or an enclosing state's ``Retry``/``Catch`` (``States.ALL`` and ``States.TaskFailed`` throw
  ``States.TaskFailed``). A sequence is written in AWS's mocked-response form, its last response
  covering every later invocation (retries, Map iterations).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from .shapes import Hint, MachineShapes, Steps, tree

__all__ = ["LAST_INVOCATION", "input_strategy", "mock_strategy", "task_mock_strategies", "thrown_errors"]

#: the last response of a mocked sequence answers invocations up to this one
LAST_INVOCATION = 9999
INJECTED_CAUSE = "injected by aslrun explore"
_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6)
#: a value nothing compares: a number, a word, a boolean, or an empty object (an intrinsic such as
#: States.JsonMerge may take it whole)
_ANY: st.SearchStrategy[Any] = st.one_of(st.integers(0, 100), _WORDS, st.booleans(), st.just({}))


def input_strategy(shapes: MachineShapes, *, schema: Any = None, examples: Sequence[Any] = ()) -> st.SearchStrategy[Any]:
    """Execution inputs: from the schema if given, else from the definition's reads; examples too."""
    if schema is not None:
        from .schema_strategy import schema_strategy

        base = schema_strategy(schema)
    else:
        base = _value(tree(shapes.input), shapes, "", (), top=True)
    if not examples:
        return base
    drawn = st.sampled_from(list(examples))
    if schema is not None:
        return st.one_of(drawn, base)
    varied = st.tuples(drawn, base).map(lambda pair: _overlay(pair[0], pair[1]))
    return st.one_of(drawn, varied, base)


def _overlay(example: Any, generated: Any) -> Any:
    """``example`` with the fields ``generated`` has put in place (dicts merged, other values replaced)."""
    if isinstance(example, dict) and isinstance(generated, dict):
        merged = copy.deepcopy(example)
        for key, value in generated.items():
            merged[key] = _overlay(merged.get(key), value) if key in merged else value
        return merged
    return generated


def _value(node: Any, shapes: MachineShapes, scope: str, prefix: Steps, *, top: bool = False) -> st.SearchStrategy[Any]:
    if node is None:
        return _leaf(_find_hint(shapes, scope, prefix))
    if any(isinstance(step, int) for step in node):
        size = max(step for step in node if isinstance(step, int)) + 1
        items = [(_value(node[i], shapes, scope, prefix + (i,)) if i in node else _ANY) for i in range(size)]
        return st.tuples(*items).map(list)
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for key, child in node.items():
        path = prefix + (key,)
        items_scope = _items_scope(shapes, scope, path)
        if items_scope is not None:
            item = _value(tree(_item_shape(shapes, items_scope)), shapes, items_scope, ())
            strategy: st.SearchStrategy[Any] = st.lists(item, min_size=1, max_size=3)
        else:
            strategy = _value(child, shapes, scope, path)
        hint = shapes.hint(scope, path)
        (optional if hint is not None and hint.optional else required)[key] = strategy
    for owner, items_path, processor in shapes.item_lists:  # an ItemsPath no state otherwise reads
        if owner == scope and len(items_path) == len(prefix) + 1 and items_path[:-1] == prefix \
                and items_path[-1] not in node:
            item = _value(tree(_item_shape(shapes, processor)), shapes, processor, ())
            required[str(items_path[-1])] = st.lists(item, min_size=1, max_size=3)
    return st.fixed_dictionaries(required, optional=optional)


def _items_scope(shapes: MachineShapes, scope: str, path: Steps) -> str | None:
    return next((processor for owner, items, processor in shapes.item_lists if owner == scope and items == path), None)


def _item_shape(shapes: MachineShapes, processor: str) -> set[Steps]:
    from .shapes import unwritten_reads

    return unwritten_reads(shapes, processor)


def _find_hint(shapes: MachineShapes, scope: str, path: Steps) -> Hint | None:
    """The hint of ``path`` in ``scope``; else of a path in any scope ending the same way (a branch's
    result is compared in the scope around the Parallel)."""
    exact = shapes.hint(scope, path)
    if exact is not None or not path:
        return exact
    for (_, steps), hint in sorted(shapes.hints.items(), key=lambda item: (item[0][0], [str(s) for s in item[0][1]])):
        if len(steps) >= len(path) and steps[-len(path):] == path:
            return hint
    return None


def _leaf(hint: Hint | None) -> st.SearchStrategy[Any]:
    if hint is None:
        return _ANY
    options: list[st.SearchStrategy[Any]] = []
    if hint.booleans:
        options.append(st.booleans())
    if hint.numbers:
        around = sorted({v for c in hint.numbers for v in (c, c - 1, c + 1, c - 0.5, c + 0.5)})
        options.append(st.sampled_from(around))
    if hint.strings:
        around_strings = sorted({v for c in hint.strings for v in (c, c + "a", c[:-1])})
        options.append(st.sampled_from(around_strings))
    if hint.timestamps:
        options.append(st.sampled_from(_around_timestamps(hint.timestamps)))
    if hint.nulls:
        options.append(st.none())
    if not options:
        options.append(_ANY)
    return st.one_of(options)


def _around_timestamps(stamps: set[str]) -> list[str]:
    from ..states.choice_rules import parse_timestamp

    out = set()
    for stamp in stamps:
        moment = parse_timestamp(stamp)
        if moment is None:
            continue
        for delta in (-1, 0, 1):
            out.add((moment + timedelta(seconds=delta)).strftime("%Y-%m-%dT%H:%M:%SZ") if moment.utcoffset() is not None
                    else (moment + timedelta(seconds=delta)).isoformat())
    return sorted(out) or [datetime(2024, 1, 1).strftime("%Y-%m-%dT%H:%M:%SZ")]


# -- mocks ----------------------------------------------------------------------------------------

def thrown_errors(names: Sequence[str]) -> list[str]:
    """The error names a mock throws to reach entries naming ``names``."""
    out: list[str] = []
    for name in names:
        thrown = "States.TaskFailed" if name in ("States.ALL", "States.TaskFailed") else name
        if thrown != "States.Runtime" and thrown not in out:
            out.append(thrown)
    return out


def mock_strategy(tasks: Mapping[str, dict[str, Any]], shapes: MachineShapes) -> st.SearchStrategy[dict[str, Any]]:
    """Mocked responses by Task state name (a Task left out runs its handler).

    ``tasks`` maps each Task state to ``{"bound": bool, "errors": [names]}``."""
    per_task = task_mock_strategies(tasks, shapes)
    return st.fixed_dictionaries(per_task).map(lambda mocks: {k: v for k, v in mocks.items() if v is not None})


def task_mock_strategies(tasks: Mapping[str, dict[str, Any]], shapes: MachineShapes) -> dict[str, st.SearchStrategy[Any]]:
    """Per Task state: its mocked responses (None: its handler runs, for a Task a handler serves)."""
    per_task: dict[str, st.SearchStrategy[Any]] = {}
    for name, facts in tasks.items():
        result = _value(tree(shapes.results.get(name, set())), shapes, shapes.task_scopes.get(name, ""),
                        shapes.result_roots.get(name) or ())
        responses: list[st.SearchStrategy[Any]] = [result.map(lambda value: {"Return": value})]
        errors = thrown_errors(facts["errors"])
        if errors:
            responses.append(st.sampled_from(errors).map(lambda error: {"Throw": {"Error": error,
                                                                                  "Cause": INJECTED_CAUSE}}))
        sequence = st.lists(st.one_of(responses), min_size=1, max_size=3).map(_by_invocation)
        per_task[name] = st.one_of(st.none(), sequence) if facts["bound"] else sequence
    return per_task


def _by_invocation(responses: list[dict[str, Any]]) -> dict[str, Any]:
    out = {str(i): response for i, response in enumerate(responses[:-1])}
    last = len(responses) - 1
    out[f"{last}-{LAST_INVOCATION}"] = responses[-1]
    return out

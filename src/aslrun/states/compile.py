"""From a validated definition to compiled states.

The :class:`Builder` carries what compiling a state needs to know from around it (the machine's
query language, and the services its Tasks and distributed Maps call: see :mod:`.services`) and is
the one place where a query language picks its data-flow strategy, its Choice conditions and its
Retry/Catch compilation.
"""

from __future__ import annotations

from typing import Any

from ..engine.compiled import Branch
from ..engine.recovery import Catcher, Retrier
from ..expr.template import compile_template
from .base import State
from .choice import ChoiceState
from .choice_rules import compile_rule
from .fail import FailState
from .io_jsonpath import JsonPathIO, optional_reference_path
from .map_ import MapState
from .parallel import ParallelState
from .pass_ import PassState
from .services import Services
from .succeed import SucceedState
from .task import TaskState
from .wait import WaitState

__all__ = ["Builder", "compile_branch"]

STATE_TYPES: dict[str, type[State]] = {
    "Pass": PassState,
    "Task": TaskState,
    "Choice": ChoiceState,
    "Wait": WaitState,
    "Succeed": SucceedState,
    "Fail": FailState,
    "Parallel": ParallelState,
    "Map": MapState,
}

_NO_RESULT = ("Choice", "Wait", "Succeed", "Fail")


class Builder:
    def __init__(self, query_language: str = "JSONPath", *, services: Services) -> None:
        self.query_language = query_language
        self.services = services

    def _jsonata(self, state: State) -> bool:
        return state.query_language == "JSONata"

    def io(self, state: State, spec: dict[str, Any]) -> Any:
        if self._jsonata(state):
            from .io_jsonata import JsonataIO

            return JsonataIO(state, spec)
        kind = state.type
        return JsonPathIO(
            spec,
            parameters_field=None if kind in _NO_RESULT or kind == "Map" else "Parameters",
            result_fields=kind not in _NO_RESULT,
        )

    def condition(self, state: State, rule: dict[str, Any]) -> Any:
        if self._jsonata(state):
            return state.io.condition(rule)
        return compile_rule(rule)

    def item_selector(self, state: State, selector: Any) -> Any:
        if selector is None:
            return None
        if self._jsonata(state):
            return state.io.item_selector(selector)
        template = compile_template(selector, "ItemSelector")
        return lambda scope, _raw_input: template.evaluate(scope)

    def recovery(self, state: State, spec: dict[str, Any]) -> tuple[tuple[Retrier, ...], tuple[Catcher, ...]]:
        retriers = tuple(Retrier(r) for r in spec.get("Retry") or ())
        if self._jsonata(state):
            catchers = tuple(Catcher(c, None) for c in spec.get("Catch") or ())
        else:
            catchers = tuple(Catcher(c, optional_reference_path(c, "ResultPath")) for c in spec.get("Catch") or ())
        return retriers, catchers

    def branch(self, definition: dict[str, Any], location: str) -> Branch:
        return compile_branch(definition, self, location)


def compile_branch(definition: dict[str, Any], build: Builder, location: str = "") -> Branch:
    states = {
        name: STATE_TYPES[spec["Type"]](name, spec, build)
        for name, spec in definition["States"].items()
    }
    return Branch(definition["StartAt"], states, definition, location)

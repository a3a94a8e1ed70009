"""One exploration of a machine: the static analysis, the search, the scenario file written.

    result = explore(machine, bindings=..., examples=[...], out="tests/explored", setup=ScenarioSetup(...))
    result.findings            # static findings, then what no run reached
    result.scenario_file       # where the kept runs were written (None: nothing written)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .findings import Finding
from .scenarios import ScenarioSetup, scenario_entries, write_scenarios
from .static import Analysis, analyse

if TYPE_CHECKING:  # the search needs hypothesis (aslrun[explore]); the static analysis does not
    from .searcher import Search

__all__ = ["Exploration", "explore"]


@dataclass
class Exploration:
    machine: Any  # the StateMachine
    analysis: Analysis
    search: Search | None = None
    scenario_file: Path | None = None
    left_out: list[str] = field(default_factory=list)
    seed: int = 0

    @property
    def findings(self) -> list[Finding]:
        """The static findings, then each target no run reached that the analysis did not rule out."""
        found = list(self.analysis.findings)
        if self.search is not None:
            for key, reason in self.search.unreached:
                if reason:
                    continue
                state = self.search.model.states[key[0] if isinstance(key, tuple) else key].name
                found.append(Finding("not-reached", state, _location(self, key),
                                     f"{self.search.describe(key)}: no generated run reached it "
                                     f"({self.search.attempts} runs)"))
        return found


def _location(result: Exploration, key: Any) -> str:
    if isinstance(key, tuple):
        source, field_name = key
        name = result.search.model.states[source].name  # type: ignore[union-attr]
        return f"{result.analysis.states[name].location(name)}.{field_name}"
    name = result.search.model.states[key].name  # type: ignore[union-attr]
    return result.analysis.states[name].location(name)


def explore(machine: Any, *, bindings: Any = None, schema: Any = None, examples: Sequence[Any] = (),
            max_examples: int = 200, seed: int = 0, out: str | Path | None = None,
            setup: ScenarioSetup | None = None, run_search: bool = True, reached_before: Any = None) -> Exploration:
    """Analyse ``machine`` (a StateMachine), search it, and write what the search kept to ``out``
    (``reached_before``: coverage data of what a test suite reaches already, see :func:`search`)."""
    result = Exploration(machine, analyse(machine.definition), seed=seed)
    if not run_search:
        return result
    from .searcher import search

    result.search = search(machine, bindings=bindings, schema=schema, examples=examples,
                           max_examples=max_examples, seed=seed, reached_before=reached_before)
    if out is not None and result.search.runs:
        if setup is None:
            if machine.source is None:
                raise ValueError("writing scenarios needs the machine's file (a ScenarioSetup)")
            setup = ScenarioSetup(machine.source, substitutions=machine.substitutions)
        entries = scenario_entries(result.search.runs, result.search.describe)
        path, result.left_out = write_scenarios(out, machine.name, setup, entries)
        result.scenario_file = path if path.exists() else None
    return result

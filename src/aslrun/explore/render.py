"""An exploration for people (rich text) and for programs (``--json``)."""

from __future__ import annotations

from typing import Any

from .exploration import Exploration
from .findings import KINDS

__all__ = ["print_text", "to_json"]


def to_json(result: Exploration) -> dict[str, Any]:
    out: dict[str, Any] = {
        "machine": result.machine.name,
        "source": result.machine.source,
        "findings": [finding.to_json() for finding in result.findings],
    }
    found = result.search
    if found is not None:
        figures = _figures(result)
        out["search"] = {
            "seed": result.seed,
            "runs": found.attempts,
            "kept": len(found.runs),
            "states": {"reached": figures[0], "total": figures[1]},
            "transitions": {"reached": figures[2], "total": figures[3]},
            "reached_before": {"states": sum(1 for k in found.model.states if k in found.baseline),
                               "transitions": sum(1 for k in found.model.transitions if k in found.baseline)},
            "scenario_file": str(result.scenario_file) if result.scenario_file else None,
            "scenarios_left_out": result.left_out,
            "kept_runs": [{"reached": [found.describe(key) for key in run.new], "status": run.check.status}
                          for run in found.runs],
        }
    return out


def _figures(result: Exploration) -> tuple[int, int, int, int]:
    found = result.search
    assert found is not None
    model = found.model
    return (sum(1 for key in model.states if key in found.reached), len(model.states),
            sum(1 for key in model.transitions if key in found.reached), len(model.transitions))


def print_text(result: Exploration, console: Any) -> None:
    """The findings grouped by kind, then the search's figures and what it wrote."""
    from rich.markup import escape

    machine = result.machine
    where = f" ({escape(machine.source)})" if machine.source else ""
    console.print(f"[bold]{escape(machine.name)}[/bold]{where}")
    findings = result.findings
    static = [f for f in findings if f.kind != "not-reached"]
    if not static:
        console.print("  static analysis: nothing unreachable, shadowed, dead or endless")
    for kind, heading in KINDS.items():
        group = [f for f in findings if f.kind == kind]
        if not group:
            continue
        console.print(f"  [bold]{heading}[/bold] ({len(group)})")
        for finding in group:
            console.print(f"    [yellow]{escape(finding.location)}[/yellow]: {escape(finding.message)}")
    found = result.search
    if found is None:
        return
    states, states_total, transitions, transitions_total = _figures(result)
    before = ""
    if found.baseline:
        model = found.model
        before = (f"the coverage data reached states {sum(1 for k in model.states if k in found.baseline)}/{states_total}, "
                  f"transitions {sum(1 for k in model.transitions if k in found.baseline)}/{transitions_total}; with it ")
    console.print(f"  search: {found.attempts} run{'s' if found.attempts != 1 else ''} (seed {result.seed}), "
                  f"{len(found.runs)} kept; {before}reached states {states}/{states_total}, "
                  f"transitions {transitions}/{transitions_total}")
    dead = [(key, reason) for key, reason in found.unreached if reason]
    if dead:
        console.print(f"  not searched for ({len(dead)}, the analysis rules them out): "
                      + escape(", ".join(found.describe(key) for key, _ in dead)))
    if result.scenario_file is not None:
        console.print(f"  wrote {len(found.runs) - len(result.left_out)} scenario"
                      f"{'s' if len(found.runs) - len(result.left_out) != 1 else ''} to "
                      f"{escape(str(result.scenario_file))}")
    for name in result.left_out:
        console.print(f"  [red]left out[/red] {escape(name)}: it did not do the same again when replayed "
                      "(its handlers answer differently)")

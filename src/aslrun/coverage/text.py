"""The coverage report in words: one line of figures per machine, then what was never reached.

    billing: states 12/15, transitions 18/26 (73.2%); 12 executions
      never entered: FlagForReview, AnomalyFlagged, PaymentError
      never taken: IsReadingValid Default -> ValidationError, CalculateUsage Catch[0] [States.ALL] -> ...
    TOTAL: states 20/23, transitions 30/40 (79.4%)
"""

from __future__ import annotations

from .data import CoverageData, Figures, MachineCoverage

__all__ = ["format_figures", "format_machine", "format_report"]


def format_figures(figures: Figures) -> str:
    return (f"states {figures.states}/{figures.states_total}, transitions {figures.transitions}/"
            f"{figures.transitions_total} ({figures.percent:.1f}%)")


def format_machine(machine: MachineCoverage, *, label: str | None = None, missing: bool = True) -> list[str]:
    """The lines of one machine: its figures, then (``missing``) what no execution reached."""
    runs = machine.executions
    head = f"{label or machine.name}: {format_figures(machine.figures())}"
    if runs:
        head += f"; {runs} execution{'s' if runs != 1 else ''}"
    lines = [head]
    if not missing:
        return lines
    model = machine.model
    states = machine.never_entered()
    if states:
        lines.append("  never entered: " + ", ".join(model.states[key].name for key in states))
    edges = machine.never_taken()
    if edges:
        lines.append("  never taken: " + ", ".join(model.describe(edge) for edge in edges))
    return lines


def format_report(data: CoverageData, *, missing: bool = True) -> str:
    """Every machine (sorted by name; one measured in several shapes is told apart by its digest),
    then the total."""
    if not len(data):
        return "no state machine ran"
    names = [machine.name for machine in data]
    lines: list[str] = []
    for machine in data:
        label = f"{machine.name} ({machine.model.digest[:8]})" if names.count(machine.name) > 1 else None
        lines.extend(format_machine(machine, label=label, missing=missing))
    lines.append(f"TOTAL: {format_figures(data.figures())}")
    return "\n".join(lines)

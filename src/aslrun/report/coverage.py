"""Coverage drawn on the machine: the report's drawing with how often tests reached each state and
each transition, and what they never reached drawn in red, dashed (``aslrun report --coverage``).

    svg = draw_coverage(machine_coverage)                 # an aslrun.coverage.MachineCoverage
    page = render_coverage_report(machine_coverage)       # a self-contained HTML page

The drawing is :func:`aslrun.report.svg.render_svg`'s, fed with coverage instead of one execution:
every state entered is marked ran with its count (×N), every edge labelled with the times it was
taken (×N, ×0 for never). A Retry entry is no edge of the drawing: the state's tooltip and the page's
lists say how often each fired.
"""

from __future__ import annotations

from html import escape
from typing import Any

from ..coverage import MachineCoverage, format_figures
from ..coverage.model import nested_prefixes
from .graph import END, START, Graph, build_graph
from .html import _PAGE_STYLE
from .layout import layout
from .svg import STYLE as SVG_STYLE
from .svg import RunMarks, render_svg

__all__ = ["COVERAGE_LEGEND", "coverage_marks", "draw_coverage", "render_coverage_report"]

COVERAGE_LEGEND = ('<i style="border-color:#2e7d32;background:#e8f5e9"></i>entered'
                   '<i style="border-color:#c62828;background:#ffebee"></i>a Fail state entered'
                   '<i style="border-color:#c62828;background:#fff;border-style:dashed"></i>never entered'
                   " &nbsp;·&nbsp; ×N: times entered or taken (×0: never taken, dashed red)")


def coverage_marks(machine: MachineCoverage) -> tuple[Graph, RunMarks]:
    """The machine's graph, its edges labelled with their counts, and the marks that draw the coverage."""
    definition: Any = machine.model.definition
    graph = build_graph(definition)
    marks = RunMarks()
    marks.edge_counts = {}
    _mark_branch(machine, graph, definition, "", marks)
    return graph, marks


def draw_coverage(machine: MachineCoverage) -> str:
    """The SVG element of the machine with its coverage."""
    graph, marks = coverage_marks(machine)
    return render_svg(layout(graph), marks)


def _mark_branch(machine: MachineCoverage, graph: Graph, branch: Any, prefix: str, marks: RunMarks) -> None:
    states = branch["States"]
    for name, node in graph.nodes.items():
        key = prefix + name
        count = machine.entered.get(key, 0)
        if count:
            marks.entries[name] = count
            marks.status[name] = "FAILED" if node.type == "Fail" else "SUCCEEDED"
        retries = [edge for edge in machine.model.transitions_from(key) if edge.kind == "retry"]
        if retries:
            marks.timing[name] = "\n".join(
                f"{edge.field} [{', '.join(edge.errors)}]: fired {machine.taken.get(edge.key, 0)} time(s)"
                for edge in retries)
        for inner, (inner_prefix, inner_definition) in zip(node.branches, nested_prefixes(name, states[name], prefix)):
            _mark_branch(machine, inner, inner_definition, inner_prefix, marks)
    rules: dict[str, int] = {}
    catchers: dict[str, int] = {}
    assert marks.edge_counts is not None
    for edge in graph.edges:
        if edge.source == START:
            count = machine.entered.get(prefix + edge.target, 0)
        elif edge.target == END and states[edge.source].get("End") is not True:
            count = machine.entered.get(prefix + edge.source, 0)  # a Succeed state ends its branch
        else:
            if edge.kind == "choice":
                field = f"Choices[{rules.get(edge.source, 0)}]"
                rules[edge.source] = rules.get(edge.source, 0) + 1
            elif edge.kind == "catch":
                field = f"Catch[{catchers.get(edge.source, 0)}]"
                catchers[edge.source] = catchers.get(edge.source, 0) + 1
            elif edge.kind == "default":
                field = "Default"
            else:
                field = "End" if edge.target == END else "Next"
            count = machine.taken.get((prefix + edge.source, field), 0)
            edge.label = f"{edge.label} ×{count}" if edge.label else f"×{count}"
        marks.edge_counts[(edge.source, edge.target, edge.label)] = count


def render_coverage_report(machine: MachineCoverage, *, title: str | None = None) -> str:
    """A self-contained HTML page: the figures, the drawing, what was never reached, every count."""
    model = machine.model
    heading = title or f"{machine.name}: state-machine coverage"
    never_states = [model.states[key] for key in machine.never_entered()]
    never_edges = machine.never_taken()
    missing = (
        "<h2>Never entered</h2>" + (_list([f"{node.name} ({node.type})" for node in never_states]) or "<p>none</p>")
        + "<h2>Never taken</h2>" + (_list([model.describe(edge) for edge in never_edges]) or "<p>none</p>"))
    state_rows = "".join(
        f'<tr class="{"" if machine.entered.get(key) else "never"}"><td>{escape(node.name)}</td>'
        f'<td>{escape(node.type)}</td><td>{escape(node.scope or "-")}</td>'
        f'<td class="num">{machine.entered.get(key, 0):,}</td></tr>' for key, node in model.states.items())
    edge_rows = "".join(
        f'<tr class="{"" if machine.taken.get(key) else "never"}"><td>{escape(model.describe(edge))}</td>'
        f'<td>{edge.kind}</td><td class="num">{machine.taken.get(key, 0):,}</td></tr>'
        for key, edge in model.transitions.items())
    runs = machine.executions
    facts = [format_figures(machine.figures()), f"{runs:,} execution{'s' if runs != 1 else ''}"]
    if machine.source:
        facts.append(machine.source)
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(heading)}</title>",
        f"<style>{_PAGE_STYLE}{SVG_STYLE}tr.never td {{ color: #c62828; }}</style></head><body>",
        f'<header><h1>{escape(heading)}</h1><div class="facts">'
        f'{"".join(f"<span>{escape(fact)}</span>" for fact in facts)}</div></header>',
        "<main>",
        '<h2>Coverage</h2><div class="graph">', draw_coverage(machine),
        f'<p class="legend">{COVERAGE_LEGEND}</p></div>',
        missing,
        '<h2>States</h2><table id="states"><thead><tr><th>State</th><th>Type</th><th>Branch</th>'
        f"<th>Entered</th></tr></thead><tbody>{state_rows}</tbody></table>",
        '<h2>Transitions</h2><table id="transitions"><thead><tr><th>Transition</th><th>Kind</th>'
        f"<th>Taken</th></tr></thead><tbody>{edge_rows}</tbody></table>",
        "</main>",
        "</body></html>",
    ])


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>" if items else ""

"""Drawing a laid-out graph as SVG, with what an execution did on it.

    svg = render_svg(layout(build_graph(definition)), run=RunMarks.from_visits(visits))

Every state is a ``<g class="state ...">`` carrying ``data-state`` (its name) and classes for what
happened to it: ``visited`` (ran and passed on), ``failed``, ``caught``, ``unvisited``; a badge
shows how many times it was entered and a ``<title>`` its timings. Transitions the execution took
get the class ``taken``. The page's stylesheet gives the classes their colours, so the same SVG
works in the HTML report and as a plain file (``aslrun graph --format svg``, default styles
inside).
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from .durations import duration
from .layout import Box, PlacedEdge, PlacedNode
from .visits import Visit

__all__ = ["STYLE", "RunMarks", "render_svg"]

STYLE = """
svg.machine { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
.state rect.body, .state polygon.body { fill: #fff; stroke: #90a4ae; stroke-width: 1.2; }
.state .name { font-size: 13px; fill: #263238; font-weight: 600; }
.state .type { font-size: 10.5px; fill: #78909c; }
.state.container > rect.body { fill: #f7f9fa; stroke-dasharray: 5 3; }
.state.unvisited { opacity: .55; }
.state.visited > .body { stroke: #2e7d32; stroke-width: 2.4; fill: #e8f5e9; }
.state.caught > .body { stroke: #ef6c00; stroke-width: 2.4; fill: #fff3e0; }
.state.failed > .body { stroke: #c62828; stroke-width: 2.6; fill: #ffebee; }
.state.container.visited > .body, .state.container.caught > .body, .state.container.failed > .body {
  fill-opacity: .35; }
.state .badge { fill: #263238; } .state .badge-text { fill: #fff; font-size: 10px; font-weight: 700; }
.marker { fill: #455a64; }
.edge path { fill: none; stroke: #b0bec5; stroke-width: 1.4; }
.edge.catch path { stroke-dasharray: 5 3; stroke: #e57373; }
.edge.taken path { stroke: #2e7d32; stroke-width: 2.6; }
.edge.catch.taken path { stroke: #ef6c00; }
.edge text { font-size: 10.5px; fill: #546e7a; }
.branch-label { font-size: 11px; fill: #607d8b; font-style: italic; }
.state.never > .body { stroke: #c62828; stroke-width: 1.8; stroke-dasharray: 4 3; fill: #fff; }
.state.never { opacity: .8; }
.edge.never path { stroke: #c62828; stroke-dasharray: 2 4; stroke-width: 1.6; }
.edge.never text { fill: #c62828; font-weight: 600; }
"""


class RunMarks:
    """What an execution did, as the drawing needs it: per state name (nested ones included)."""

    def __init__(self) -> None:
        self.status: dict[str, str] = {}
        self.entries: dict[str, int] = {}
        self.timing: dict[str, str] = {}
        #: transitions taken: (source, target, through a Catch); "__start__" / "__end__" for the ends
        self.taken: set[tuple[str, str, bool]] = set()
        #: a coverage overlay (:mod:`aslrun.report.coverage`): times each transition was taken, by
        #: (source, target, label); then what was never reached gets the class ``never``, and every
        #: state entered shows its count
        self.edge_counts: dict[tuple[str, str, str], int] | None = None

    @classmethod
    def from_visits(cls, visits: Iterable[Visit], *, finished: bool = True) -> RunMarks:
        marks = cls()
        visits = list(visits)
        worst = {"SUCCEEDED": 0, "RUNNING": 0, "ABORTED": 1, "CAUGHT": 2, "FAILED": 3}
        durations: dict[str, list[float]] = {}
        for visit in visits:
            marks.entries[visit.name] = marks.entries.get(visit.name, 0) + 1
            current = marks.status.get(visit.name)
            if current is None or worst[visit.status] > worst[current]:
                marks.status[visit.name] = visit.status
            durations.setdefault(visit.name, []).append(visit.duration)
        for name, values in durations.items():
            total = sum(values)
            marks.timing[name] = (f"{len(values)} runs, {duration(total)} in all, longest {duration(max(values))}"
                                  if len(values) > 1 else duration(total))
        branches: dict[tuple[int, Any], list[Visit]] = {}
        for visit in visits:  # consecutive visits of one branch are the transitions it took
            branches.setdefault((id(visit.parent), visit.iteration), []).append(visit)
        for branch in branches.values():
            marks.taken.add(("__start__", branch[0].name, False))
            for before, after in zip(branch, branch[1:]):
                marks.taken.add((before.name, after.name, before.status == "CAUGHT"))
            last = branch[-1]
            if last.status == "SUCCEEDED" and last.type not in ("Fail",) and finished:
                marks.taken.add((last.name, "__end__", False))
        return marks


def render_svg(box: Box, run: RunMarks | None = None, *, standalone: bool = False) -> str:
    """The SVG element (``standalone``: an SVG document with its own styles)."""
    width, height = box.width, box.height
    parts = [f'<svg class="machine" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
             f'width="{width:.0f}" height="{height:.0f}" role="img">']
    if standalone:
        parts.append(f"<style>{STYLE}</style>")
    parts.append("<defs>" + "".join(
        f'<marker id="{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" '
        f'markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/>'
        "</marker>" for name, colour in (("arrow", "#90a4ae"), ("arrow-taken", "#2e7d32"), ("arrow-caught", "#ef6c00")))
        + "</defs>")
    _draw_box(box, run, parts)
    parts.append("</svg>")
    return "".join(parts)


def _draw_box(box: Box, run: RunMarks | None, parts: list[str]) -> None:
    for node in box.nodes.values():
        _draw_node(node, run, parts)
    for edge in box.edges:
        _draw_edge(edge, run, parts)


def _draw_node(node: PlacedNode, run: RunMarks | None, parts: list[str]) -> None:
    if node.type in ("start", "end"):
        r = node.width / 2
        ring = f'<circle cx="{node.cx:.1f}" cy="{node.y + r:.1f}" r="{r - 4:.1f}" fill="#fff"/>' if node.type == "end" else ""
        parts.append(f'<g class="marker-{node.type}"><circle class="marker" cx="{node.cx:.1f}" cy="{node.y + r:.1f}" '
                     f'r="{r:.1f}"/>{ring}</g>')
        return
    classes = ["state", f"type-{node.type.lower()}"]
    if node.inner:
        classes.append("container")
    title = f"{node.name} ({node.type})"
    entries = 0
    if run is not None:
        status = run.status.get(node.name)
        classes.append({"SUCCEEDED": "visited", "CAUGHT": "caught", "FAILED": "failed", "RUNNING": "visited",
                        "ABORTED": "caught", None: "unvisited"}[status])
        if status is None and run.edge_counts is not None:
            classes.append("never")
        entries = run.entries.get(node.name, 0)
        if status is not None:
            title += (f"\n{status.lower()}, entered {entries} time{'' if entries == 1 else 's'}"
                      f"\n{run.timing.get(node.name, '')}")
    x, y, w, h = node.x, node.y, node.width, node.height
    parts.append(f'<g class="{" ".join(classes)}" data-state="{escape(node.name)}" data-path="{escape(node.path)}">'
                 f"<title>{escape(title)}</title>")
    if node.type == "Choice" and not node.inner:
        points = f"{x + 12:.1f},{y:.1f} {x + w - 12:.1f},{y:.1f} {x + w:.1f},{y + h / 2:.1f} " \
                 f"{x + w - 12:.1f},{y + h:.1f} {x + 12:.1f},{y + h:.1f} {x:.1f},{y + h / 2:.1f}"
        parts.append(f'<polygon class="body" points="{points}"/>')
    else:
        radius = 16 if node.type in ("Succeed", "Fail") else 6
        parts.append(f'<rect class="body" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="{radius}"/>')
    text_y = y + (20 if node.inner else h / 2 - 3)
    parts.append(f'<text class="name" x="{node.cx:.1f}" y="{text_y:.1f}" text-anchor="middle">{escape(node.name)}</text>')
    parts.append(f'<text class="type" x="{node.cx:.1f}" y="{text_y + 14:.1f}" text-anchor="middle">'
                 f"{escape(node.type)}</text>")
    if entries > 1 or (entries == 1 and (node.inner or (run is not None and run.edge_counts is not None))):
        label = f"×{entries}"
        bw = 10 + 6.5 * len(label)
        parts.append(f'<rect class="badge" x="{x + w - bw - 4:.1f}" y="{y - 8:.1f}" width="{bw:.1f}" height="16" rx="8"/>'
                     f'<text class="badge-text" x="{x + w - 4 - bw / 2:.1f}" y="{y + 4:.1f}" text-anchor="middle">'
                     f"{label}</text>")
    for inner in node.inner:
        if inner.label:  # where the layout made room for it (text baseline 3 px above the box's bottom)
            lx, ly, _, lh = inner.label_box()
            parts.append(f'<text class="branch-label" x="{lx:.1f}" y="{ly + lh - 3:.1f}">{escape(inner.label)}</text>')
        _draw_box(inner, run, parts)
    parts.append("</g>")


def _draw_edge(edge: PlacedEdge, run: RunMarks | None, parts: list[str]) -> None:
    classes = ["edge", edge.kind]
    taken = run is not None and (edge.source.name, edge.target.name, edge.kind == "catch") in run.taken
    counted = None if run is None or run.edge_counts is None else \
        run.edge_counts.get((edge.source.name, edge.target.name, edge.label))
    if counted is not None:
        taken = counted > 0
    if taken:
        classes.append("taken")
    elif counted == 0:
        classes.append("never")
    points = edge.points
    if len(points) == 6:  # a detour past the nodes in the way
        (x1, y1), (_, top), (lane, _), (_, bottom), (x2, _), (_, y2) = points
        d = (f"M{x1:.1f},{y1:.1f} V{top - 8:.1f} Q{x1:.1f},{top:.1f} {x1 + 8:.1f},{top:.1f} H{lane - 8:.1f} "
             f"Q{lane:.1f},{top:.1f} {lane:.1f},{top + 8:.1f} V{bottom - 8:.1f} Q{lane:.1f},{bottom:.1f} "
             f"{lane - 8:.1f},{bottom:.1f} H{x2 + 8:.1f} Q{x2:.1f},{bottom:.1f} {x2:.1f},{bottom + 8:.1f} V{y2:.1f}")
    elif edge.back:
        (x1, y1), (lx, _), (_, y2), (x2, _) = points
        d = f"M{x1:.1f},{y1:.1f} H{lx - 8:.1f} Q{lx:.1f},{y1:.1f} {lx:.1f},{y1 - 8 if y2 < y1 else y1 + 8:.1f} " \
            f"V{y2 + 8 if y2 < y1 else y2 - 8:.1f} Q{lx:.1f},{y2:.1f} {lx - 8:.1f},{y2:.1f} H{x2:.1f}"
    else:
        (x1, y1), (c1x, c1y), (c2x, c2y), (x2, y2) = points
        d = f"M{x1:.1f},{y1:.1f} C{c1x:.1f},{c1y:.1f} {c2x:.1f},{c2y:.1f} {x2:.1f},{y2:.1f}"
    marker = ("arrow-caught" if edge.kind == "catch" else "arrow-taken") if taken else "arrow"
    parts.append(f'<g class="{" ".join(classes)}" data-from="{escape(edge.source.name)}" '
                 f'data-to="{escape(edge.target.name)}"><path d="{d}" marker-end="url(#{marker})"/>')
    if edge.label:
        x, y = edge.label_at
        parts.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{edge.anchor}">{escape(edge.label)}</text>')
    parts.append("</g>")

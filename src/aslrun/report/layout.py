"""Placing a state machine graph on a plane, for the SVG the report draws (no external renderer).

A layered layout, done recursively: a Map or Parallel state is a box holding the layout of its
item processor or branches, so the outer layout just sees a bigger node. For one branch:

1. ranks: the longest path from the start over the graph without its back edges (a loop's edge
   back up is found by a depth-first walk and drawn on the side);
2. order within a rank: the order of discovery, then a few sweeps that move each node towards
   the mean position of its neighbours in the rank above (the barycentre heuristic);
3. coordinates: each rank is a row; a node sits under the mean of its predecessors when there is
   room, else as close as the nodes beside it allow.

Edges are cubic curves from the bottom of a node to the top of the next; back edges leave a node
on its right and come back in on the right of their target.

The branches of a Parallel are named above their content (``Box.label_box``): each branch is made
wide enough for its name and its content starts below it, so no two names overlap, however many
branches there are or how deep Parallels nest.
"""

from __future__ import annotations

from .graph import END, START, Edge, Graph, Node

__all__ = ["Box", "PlacedEdge", "PlacedNode", "layout"]

_CHAR = 7.4  # average width of a character at the node font size (px)
_LABEL_CHAR = 6.0  # ... and at the edge label font size
_NODE_H = 46
_MARKER = 18  # start / end dots
_GAP_X = 36
_GAP_Y = 46
_PAD = 16.0
_HEADER = 34
_BRANCH_CHAR = 6.6  # average width of a character of a branch's name (11 px italic)
_BRANCH_LABEL_H = 14  # the line a branch's name takes
_BRANCH_LABEL_GAP = 6  # room around the name, inside its branch


class PlacedNode:
    __slots__ = ("name", "type", "x", "y", "width", "height", "node", "inner", "path")

    def __init__(self, name: str, type: str, width: float, height: float, node: Node | None,
                 inner: list[Box], path: str) -> None:
        self.name = name
        self.type = type  # a state type, or "start" / "end"
        self.x = 0.0
        self.y = 0.0
        self.width = width
        self.height = height
        self.node = node
        self.inner = inner  # nested layouts (Map processor, Parallel branches), positioned inside
        self.path = path  # a unique id: the branch path and the state name

    @property
    def cx(self) -> float:
        return self.x + self.width / 2


class PlacedEdge:
    __slots__ = ("source", "target", "kind", "label", "points", "back", "label_at", "anchor")

    def __init__(self, source: PlacedNode, target: PlacedNode, edge: Edge, back: bool) -> None:
        self.source = source
        self.target = target
        self.kind = edge.kind
        self.label = edge.label
        self.back = back
        self.points: list[tuple[float, float]] = []
        self.label_at = (0.0, 0.0)  # where the label's text starts (anchor "start") or ends ("end")
        self.anchor = "start"

    def label_span(self) -> tuple[float, float]:
        """The horizontal extent of the label's text (estimated from its length)."""
        width = len(self.label) * _LABEL_CHAR
        x = self.label_at[0]
        return (x, x + width) if self.anchor == "start" else (x - width, x)


class Box:
    """A laid-out branch: its size, nodes and edges, at an offset (x, y) in its parent."""

    def __init__(self, graph: Graph, path: str) -> None:
        self.graph = graph
        self.path = path
        self.x = 0.0
        self.y = 0.0
        self.width = 0.0
        self.height = 0.0
        self.nodes: dict[str, PlacedNode] = {}
        self.edges: list[PlacedEdge] = []
        self.label = ""  # the branch's name, drawn above its content (the branches of a Parallel)

    def label_box(self) -> tuple[float, float, float, float]:
        """Where the branch's name is drawn: (x, y, width, height), estimated from its length."""
        return (self.x + _BRANCH_LABEL_GAP, self.y + 3, len(self.label) * _BRANCH_CHAR, _BRANCH_LABEL_H)

    def make_room_for_label(self, label: str) -> None:
        """Name the branch: widen it (content centred) until the name fits, and move the content
        down below the name."""
        self.label = label
        needed = len(label) * _BRANCH_CHAR + 2 * _BRANCH_LABEL_GAP
        if self.width < needed:
            dx = (needed - self.width) / 2
            self.shift(dx, 0)
            self.x -= dx
            self.width = needed
        dy = _BRANCH_LABEL_H + 3
        self.shift(0, dy)
        self.y -= dy
        self.height += dy

    def shift(self, dx: float, dy: float) -> None:
        """Move the whole box (and everything inside it) by (dx, dy)."""
        self.x += dx
        self.y += dy
        for node in self.nodes.values():
            node.x += dx
            node.y += dy
            for inner in node.inner:
                inner.shift(dx, dy)
        for edge in self.edges:
            edge.points = [(px + dx, py + dy) for px, py in edge.points]
            edge.label_at = (edge.label_at[0] + dx, edge.label_at[1] + dy)

    def all_nodes(self) -> list[PlacedNode]:
        out = []
        for node in self.nodes.values():
            out.append(node)
            for inner in node.inner:
                out.extend(inner.all_nodes())
        return out

    def all_edges(self) -> list[PlacedEdge]:
        out = list(self.edges)
        for node in self.nodes.values():
            for inner in node.inner:
                out.extend(inner.all_edges())
        return out


def layout(graph: Graph, path: str = "") -> Box:
    box = Box(graph, path)
    names = [START, *graph.nodes, *([END] if any(e.target == END for e in graph.edges) else [])]
    for name in names:
        box.nodes[name] = _place_node(graph, name, path)
    edges = [e for e in graph.edges if e.source in box.nodes and e.target in box.nodes]
    successors: dict[str, list[str]] = {name: [] for name in names}
    for edge in edges:
        if edge.target not in successors[edge.source]:
            successors[edge.source].append(edge.target)
    order, back = _discover(START, successors)
    for name in names:  # states not reachable from the start still get drawn
        if name not in order:
            order.append(name)
            more, more_back = _discover(name, successors, set(order))
            order.extend(n for n in more if n not in order)
            back |= more_back
    ranks = _ranks(order, successors, back)
    rows = _rows(order, ranks, successors, back)
    _coordinates(box, rows, successors, back)
    ports = _ports(edges, box, ranks, back)
    for edge in edges:
        source, target = box.nodes[edge.source], box.nodes[edge.target]
        is_back = (edge.source, edge.target) in back or ranks[edge.target] <= ranks[edge.source]
        placed = PlacedEdge(source, target, edge, is_back)
        between = [box.nodes[n] for n, r in ranks.items() if ranks[edge.source] < r < ranks[edge.target]]
        placed.points = _route(source, target, is_back, box, between, ports.get(id(edge), source.cx))
        _place_label(placed)
        box.edges.append(placed)
        if placed.points:
            box.width = max(box.width, max(px for px, _ in placed.points) + _PAD)
    labelled = [e for e in box.edges if e.label]
    if labelled:  # make room for labels that stick out on either side
        left = min(e.label_span()[0] for e in labelled)
        if left < 4:
            box.shift(4 - left, 0)
            box.x = 0.0
            box.width += 4 - left
        box.width = max(box.width, max(e.label_span()[1] for e in labelled) + 8)
    return box


def _place_label(edge: PlacedEdge) -> None:
    """A label beside its edge: on the lane of a detour or back edge; near the target end of a
    curve (edges leaving one Choice keep their labels apart), on its outer side."""
    points = edge.points
    if len(points) == 6:
        (_, top), (lane, _), (_, bottom) = points[1], points[2], points[3]
        edge.label_at, edge.anchor = (lane + 4, (top + bottom) / 2), "start"
    elif edge.back:
        (_, y1), (lane, _), (_, y2) = points[0], points[1], points[2]
        edge.label_at, edge.anchor = (lane + 4, (y1 + y2) / 2), "start"
    else:
        (x1, y1), (c1x, c1y), (c2x, c2y), (x2, y2) = points
        t = 0.72
        bx = (1 - t) ** 3 * x1 + 3 * (1 - t) ** 2 * t * c1x + 3 * (1 - t) * t ** 2 * c2x + t ** 3 * x2
        by = (1 - t) ** 3 * y1 + 3 * (1 - t) ** 2 * t * c1y + 3 * (1 - t) * t ** 2 * c2y + t ** 3 * y2
        leftwards = x2 <= edge.source.cx + 2
        edge.label_at, edge.anchor = ((bx - 6, by), "end") if leftwards else ((bx + 6, by), "start")


def _place_node(graph: Graph, name: str, path: str) -> PlacedNode:
    node_path = f"{path}/{name}" if path else name
    if name in (START, END):
        return PlacedNode(name, "start" if name == START else "end", _MARKER, _MARKER, None, [], node_path)
    node = graph.nodes[name]
    text_width = max(len(name), len(node.type) + 2) * _CHAR + 28
    inner = [layout(branch, f"{node_path}#{i}") for i, branch in enumerate(node.branches)]
    if not inner:
        return PlacedNode(name, node.type, max(110.0, text_width), _NODE_H, node, [], node_path)
    if len(inner) > 1:  # a Parallel's branches are told apart by name
        for branch in inner:
            branch.make_room_for_label(branch.graph.label)
    width = sum(b.width for b in inner) + _GAP_X * (len(inner) - 1) + 2 * _PAD
    height = _HEADER + max(b.height for b in inner) + _PAD
    placed = PlacedNode(name, node.type, max(width, text_width), height, node, inner, node_path)
    x = (placed.width - (sum(b.width for b in inner) + _GAP_X * (len(inner) - 1))) / 2
    for branch in inner:  # relative to the node; moved with it once the node is placed
        branch.shift(x, _HEADER)
        x += branch.width + _GAP_X
    return placed


def _discover(start: str, successors: dict[str, list[str]],
              seen: set[str] | None = None) -> tuple[list[str], set[tuple[str, str]]]:
    """Depth-first order from ``start`` and the back edges (to a node still on the walk)."""
    order: list[str] = []
    back: set[tuple[str, str]] = set()
    visited = set(seen or ())
    on_path: set[str] = set()

    def visit(name: str) -> None:
        visited.add(name)
        on_path.add(name)
        order.append(name)
        for nxt in successors.get(name, []):
            if nxt in on_path:
                back.add((name, nxt))
            elif nxt not in visited:
                visit(nxt)
        on_path.discard(name)

    import sys

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 4 * len(successors) + 100))
    try:
        visit(start)
    finally:
        sys.setrecursionlimit(limit)
    return order, back


def _ranks(order: list[str], successors: dict[str, list[str]], back: set[tuple[str, str]]) -> dict[str, int]:
    """Longest path from the start, over forward edges (a topological order exists without back edges)."""
    indegree = {name: 0 for name in order}
    for name in order:
        for nxt in successors.get(name, []):
            if (name, nxt) not in back:
                indegree[nxt] += 1
    rank = {name: 0 for name in order}
    ready = [name for name in order if indegree[name] == 0]
    while ready:
        name = ready.pop(0)
        for nxt in successors.get(name, []):
            if (name, nxt) in back:
                continue
            rank[nxt] = max(rank[nxt], rank[name] + 1)
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                ready.append(nxt)
    return rank


def _rows(order: list[str], ranks: dict[str, int], successors: dict[str, list[str]],
          back: set[tuple[str, str]]) -> list[list[str]]:
    rows: list[list[str]] = [[] for _ in range(max(ranks.values()) + 1)]
    for name in order:
        rows[ranks[name]].append(name)
    predecessors: dict[str, list[str]] = {name: [] for name in order}
    for name in order:
        for nxt in successors.get(name, []):
            if (name, nxt) not in back:
                predecessors[nxt].append(name)
    for _ in range(3):  # barycentre sweeps, top down
        for index in range(1, len(rows)):
            above = {name: i for i, name in enumerate(rows[index - 1])}
            def weight(name: str, row: list[str] = rows[index]) -> float:
                placed = [above[p] for p in predecessors[name] if p in above]
                return sum(placed) / len(placed) if placed else row.index(name)
            rows[index].sort(key=weight)
    return rows


def _coordinates(box: Box, rows: list[list[str]], successors: dict[str, list[str]],
                 back: set[tuple[str, str]]) -> None:
    nodes = box.nodes
    widths = [sum(nodes[n].width for n in row) + _GAP_X * (len(row) - 1) for row in rows]
    total = max(widths) if widths else 0.0
    predecessors: dict[str, list[str]] = {n: [] for row in rows for n in row}
    for row in rows:
        for name in row:
            for nxt in successors.get(name, []):
                if (name, nxt) not in back and nxt in predecessors:
                    predecessors[nxt].append(name)
    y = _PAD
    for index, row in enumerate(rows):
        height = max(nodes[n].height for n in row)
        x = _PAD + (total - widths[index]) / 2
        for name in row:  # a first place, centred; rows are top-aligned (edges come in from above)
            node = nodes[name]
            node.x, node.y = x, y
            x += node.width + _GAP_X
        if index:  # then under the mean of the predecessors, where the row leaves room
            wanted = []
            for name in row:
                above = [nodes[p].cx for p in predecessors[name]]
                wanted.append(sum(above) / len(above) - nodes[name].width / 2 if above else nodes[name].x)
            left = _PAD
            for name, want in zip(row, wanted):
                nodes[name].x = max(want, left)
                left = nodes[name].x + nodes[name].width + _GAP_X
        y += height + _GAP_Y
    right = max((n.x + n.width for n in nodes.values()), default=0.0)
    back_room = 40.0 if back else 0.0
    box.width = max(total + 2 * _PAD, right + _PAD) + back_room
    box.height = y - _GAP_Y + _PAD
    for node in nodes.values():  # nested layouts move with their node
        for inner in node.inner:
            inner.shift(node.x, node.y)


def _ports(edges: list[Edge], box: Box, ranks: dict[str, int], back: set[tuple[str, str]]) -> dict[int, float]:
    """Where each forward edge leaves its source: edges of one source spread along its bottom,
    in the order of their targets from left to right (so they do not start on top of each other)."""
    outgoing: dict[str, list[Edge]] = {}
    for edge in edges:
        if (edge.source, edge.target) not in back and ranks[edge.target] > ranks[edge.source]:
            outgoing.setdefault(edge.source, []).append(edge)
    ports: dict[int, float] = {}
    for name, leaving in outgoing.items():
        source = box.nodes[name]
        leaving.sort(key=lambda e: box.nodes[e.target].cx)
        if len(leaving) == 1:
            ports[id(leaving[0])] = source.cx
            continue
        span = min(source.width * 0.6, 24.0 * (len(leaving) - 1))
        for index, edge in enumerate(leaving):
            ports[id(edge)] = source.cx - span / 2 + span * index / (len(leaving) - 1)
    return ports


def _route(source: PlacedNode, target: PlacedNode, back: bool, box: Box,
           between: list[PlacedNode], port: float) -> list[tuple[float, float]]:
    """Points of an edge: four for a cubic curve (forward, nothing in the way), six for a detour
    past the nodes in the way (a forward edge over several rows), four for a back edge's polyline
    on the right."""
    if not back:
        x1, y1 = port, source.y + source.height
        x2, y2 = target.cx, target.y
        low, high = min(x1, x2) - 6, max(x1, x2) + 6
        blocking = [n for n in between if n.x < high and n.x + n.width > low]  # in the rows it crosses
        if not blocking:
            bend = max(18.0, (y2 - y1) / 2)
            return [(x1, y1), (x1, y1 + bend), (x2, y2 - bend), (x2, y2)]
        lane = max(n.x + n.width for n in blocking) + 18
        top = min(n.y for n in blocking) - 8
        bottom = max(n.y + n.height for n in blocking) + 8
        return [(x1, y1), (x1, top), (lane, top), (lane, bottom), (x2, bottom), (x2, y2)]
    lane = max(n.x + n.width for n in box.nodes.values()) + 20
    x1, y1 = source.x + source.width, source.y + source.height / 2
    x2, y2 = target.x + target.width, target.y + target.height / 2
    return [(x1, y1), (lane, y1), (lane, y2), (x2, y2)]


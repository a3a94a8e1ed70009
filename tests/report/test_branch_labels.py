"""A Parallel's branches are named in the drawing, and no two names (nor a name and a state) overlap,
however many branches there are, however narrow each is, and inside nested Parallels."""

from __future__ import annotations

import re
from typing import Any

import pytest

from aslrun.report.graph import build_graph
from aslrun.report.layout import Box, layout
from aslrun.report.svg import render_svg

Rect = tuple[float, float, float, float]  # x, y, width, height


def parallel(name: str, count: int, inner: dict[str, Any] | None = None) -> dict[str, Any]:
    """A machine whose one state is a Parallel of ``count`` one-state branches (a narrow ``X``); the
    first branch holds ``inner`` instead when given (a nested Parallel)."""
    branches = [{"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}} for _ in range(count)]
    if inner is not None:
        branches[0] = inner
    return {"StartAt": name, "States": {name: {"Type": "Parallel", "Branches": branches, "End": True}}}


def labelled_boxes(box: Box) -> list[Box]:
    """Every branch box (at any depth) that carries a label."""
    out = []
    for node in box.nodes.values():
        for inner in node.inner:
            if inner.label:
                out.append(inner)
            out.extend(labelled_boxes(inner))
    return out


def intersect(a: Rect, b: Rect) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def inside(a: Rect, b: Rect) -> bool:
    return b[0] <= a[0] and a[0] + a[2] <= b[0] + b[2] and b[1] <= a[1] and a[1] + a[3] <= b[1] + b[3]


NESTED = parallel("Outer fan-out with a long name", 3,
                  inner=parallel("Inner fan-out with a long name", 2,
                                 inner=parallel("Innermost fan-out", 5)))

CASES = {
    "2 branches": parallel("Process the invoices of every region at once", 2),
    "3 branches": parallel("Fetch readings, tariffs and customer records", 3),
    "5 branches": parallel("Five ways to one answer", 5),
    "nested": NESTED,
}


@pytest.mark.parametrize("definition", CASES.values(), ids=CASES.keys())
def test_branch_labels_never_overlap(definition: dict[str, Any]) -> None:
    box = layout(build_graph(definition))
    boxes = labelled_boxes(box)
    rects = [b.label_box() for b in boxes]
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            assert not intersect(a, b), (a, b)
    for branch, rect in zip(boxes, rects):  # a label sits in its own branch, above what the branch holds
        assert inside(rect, (branch.x, branch.y, branch.width, branch.height)), branch.label
        for node in box.all_nodes():
            if not node.inner or branch not in _descendant_boxes(node):
                assert not intersect(rect, (node.x, node.y, node.width, node.height)), (branch.label, node.name)


def _descendant_boxes(node: Any) -> list[Box]:
    out = []
    for inner in node.inner:
        out.append(inner)
        for child in inner.nodes.values():
            out.extend(_descendant_boxes(child))
    return out


def test_every_branch_of_a_parallel_is_labelled_by_its_parallel_and_number() -> None:
    box = layout(build_graph(NESTED))
    assert sorted(b.label for b in labelled_boxes(box)) == sorted(
        [f"Outer fan-out with a long name branch {i}" for i in (1, 2, 3)]
        + [f"Inner fan-out with a long name branch {i}" for i in (1, 2)]
        + [f"Innermost fan-out branch {i}" for i in (1, 2, 3, 4, 5)])


def test_a_map_and_a_one_branch_parallel_carry_no_label() -> None:
    definition = {"StartAt": "M", "States": {
        "M": {"Type": "Map", "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}},
              "Next": "P"},
        "P": {"Type": "Parallel", "Branches": [{"StartAt": "Y", "States": {"Y": {"Type": "Pass", "End": True}}}],
              "End": True}}}
    box = layout(build_graph(definition))
    assert labelled_boxes(box) == []
    assert "branch-label" not in render_svg(box)


def test_the_drawing_writes_each_label_where_the_layout_placed_it() -> None:
    box = layout(build_graph(NESTED))
    svg = render_svg(box)
    drawn = {text: (float(x), float(y)) for x, y, text in
             re.findall(r'<text class="branch-label" x="([\d.]+)" y="([\d.]+)">([^<]+)</text>', svg)}
    expected = {}
    for branch in labelled_boxes(box):
        x, y, _, height = branch.label_box()
        expected[branch.label] = (round(x, 1), round(y + height - 3, 1))
    assert drawn == expected

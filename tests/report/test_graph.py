"""The machine as a graph: nodes, transitions with their kinds and labels, nested branches; its
Mermaid and DOT text; and a layout where nothing overlaps and nested states sit inside their Map
or Parallel box."""

from __future__ import annotations

import json
import re
from pathlib import Path

from aslrun.report.graph import END, START, build_graph, choice_label, to_dot, to_mermaid
from aslrun.report.layout import layout

ORDERS = json.loads((Path(__file__).resolve().parents[1] / "testing" / "fixtures" / "orders.asl.json").read_text())
LOOP = {"StartAt": "Poll", "States": {
    "Poll": {"Type": "Task", "Resource": "arn:aws:states:::sqs:receiveMessage", "Parameters": {"QueueUrl": "q"},
             "Next": "Any?"},
    "Any?": {"Type": "Choice", "Choices": [{"Variable": "$.Messages", "IsPresent": True, "Next": "Work"}],
             "Default": "Wait"},
    "Wait": {"Type": "Wait", "Seconds": 5, "Next": "Poll"},
    "Work": {"Type": "Parallel", "Next": "Done", "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
        {"StartAt": "B", "States": {"B": {"Type": "Pass", "Next": "C"}, "C": {"Type": "Succeed"}}}]},
    "Done": {"Type": "Succeed"}}}


def test_edges_carry_their_kind_and_label():
    graph = build_graph(ORDERS)
    edges = {(e.source, e.target): (e.kind, e.label) for e in graph.edges}
    assert edges[(START, "Validate")] == ("next", "")
    assert edges[("Big?", "Approve")] == ("choice", "$.sum.total > 100")
    assert edges[("Big?", "Bill")] == ("default", "default")
    assert edges[("Approve", "Rejected")] == ("catch", "Approval.Denied")
    assert edges[("Bill", END)] == ("next", "")
    assert list(graph.nodes) == ["Validate", "PriceLines", "Total", "Big?", "Approve", "Bill", "Rejected"]
    processor = graph.nodes["PriceLines"].branches[0]
    assert processor.label == "PriceLines (each item)" and list(processor.nodes) == ["Price"]


def test_choice_labels():
    assert choice_label({"Variable": "$.n", "NumericLessThanEquals": 3, "Next": "x"}, 0) == "$.n <= 3"
    assert choice_label({"Variable": "$.a", "StringEqualsPath": "$.b", "Next": "x"}, 0) == "$.a == $.b"
    assert choice_label({"Not": {"Variable": "$.ok", "BooleanEquals": True}, "Next": "x"}, 0) == "not ($.ok == true)"
    assert choice_label({"And": [{"Variable": "$.a", "IsNull": False}, {"Variable": "$.b", "IsPresent": True}],
                         "Next": "x"}, 0) == "($.a not null) and ($.b present)"
    assert choice_label({"Condition": "{% $states.input.n > 1 %}", "Next": "x"}, 0) == "$states.input.n > 1"
    assert choice_label({"Next": "x"}, 2) == "rule 3"


def test_mermaid_text():
    text = to_mermaid(build_graph(LOOP))
    lines = text.splitlines()
    assert lines[0] == "flowchart TD"
    assert '  n3{"Any?<br/><small>Choice</small>"}' in lines
    assert "  n3 -->|$.Messages present| n5" in lines
    assert "  n3 -->|default| n4" in lines
    assert "  n4 --> n2" in lines  # the loop back from Wait to Poll
    assert sum(1 for line in lines if line.strip().startswith("subgraph ")) == 2
    assert sum(1 for line in lines if line.strip() == "end") == 2
    assert "  n5 -.-> " in text  # Work links to each branch


def test_dot_text_is_balanced_and_declares_every_node():
    text = to_dot(build_graph(ORDERS), "orders")
    assert text.startswith('digraph "orders" {') and text.rstrip().endswith("}")
    assert text.count("{") == text.count("}")
    declared = set(re.findall(r"^\s*(n\d+) \[", text, re.M))
    used = set(re.findall(r"(n\d+) ->", text)) | set(re.findall(r"-> (n\d+)", text))
    assert used <= declared
    assert 'label="Approval.Denied", style=dashed' in text
    assert "subgraph cluster_" in text


def test_layout_places_nodes_without_overlap():
    for definition in (ORDERS, LOOP):
        box = layout(build_graph(definition))
        nodes = box.all_nodes()
        for container in nodes:
            for inner in container.inner:  # nested states sit inside their Map / Parallel box
                for node in inner.all_nodes():
                    assert container.x <= node.x and node.x + node.width <= container.x + container.width
                    assert container.y <= node.y and node.y + node.height <= container.y + container.height
        siblings = list(box.nodes.values())
        for i, a in enumerate(siblings):
            for b in siblings[i + 1:]:
                apart = (a.x + a.width <= b.x or b.x + b.width <= a.x or a.y + a.height <= b.y
                         or b.y + b.height <= a.y)
                assert apart, (a.name, b.name)
        assert all(0 <= n.x and n.x + n.width <= box.width and n.y + n.height <= box.height for n in nodes)
        for edge in box.all_edges():  # edges start and end on their nodes
            (x1, y1), (x2, y2) = edge.points[0], edge.points[-1]
            assert edge.source.x <= x1 <= edge.source.x + edge.source.width + 0.01
            assert edge.target.x <= x2 <= edge.target.x + edge.target.width + 0.01
            assert edge.source.y - 0.01 <= y1 <= edge.source.y + edge.source.height + 0.01
            assert edge.target.y - 0.01 <= y2 <= edge.target.y + edge.target.height + 0.01


def test_a_loop_is_drawn_with_a_back_edge_and_ranks_go_down():
    box = layout(build_graph(LOOP))
    back = [e for e in box.edges if e.back]
    assert [(e.source.name, e.target.name) for e in back] == [("Wait", "Poll")]
    y = {name: node.y for name, node in box.nodes.items()}
    assert y[START] < y["Poll"] < y["Any?"] < y["Work"] < y["Done"] < y[END]


def test_a_caught_state_marks_its_catch_edge_not_its_next_edge():
    from aslrun.report.svg import RunMarks, render_svg
    from aslrun.testing import run_machine

    definition = {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "Parameters": {"TableName": "t"},
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "After"}], "Next": "After"},
        "After": {"Type": "Succeed"}}}
    caught = run_machine(definition, {}, mocks={"T": {"0": {"Throw": {"Error": "Boom", "Cause": "c"}}}})
    fine = run_machine(definition, {}, mocks={"T": {"0": {"Return": {}}}})
    box = layout(build_graph(definition))
    for check, taken_kind in ((caught, "catch"), (fine, "next")):
        svg = render_svg(box, RunMarks.from_visits(check.visits))
        kinds = re.findall(r'<g class="edge (\w+)[^"]*" data-from="T" data-to="After"', svg)
        marked = re.findall(r'<g class="edge (\w+) taken" data-from="T" data-to="After"', svg)
        assert sorted(kinds) == ["catch", "next"]
        assert marked == [taken_kind]

"""A state machine as a graph, and its Mermaid and Graphviz (DOT) text.

    graph = build_graph(definition)
    print(to_mermaid(graph))      # flowchart TD ... (renders on GitHub, in Markdown)
    print(to_dot(graph))          # digraph ... (Graphviz)

Nodes are states; edges are transitions, each with its kind: ``next``, ``choice`` (a Choice rule,
labelled with its condition), ``default``, ``catch`` (labelled with the errors it catches). A
branch also has a start and an end. A Map state holds its item processor as a nested graph, a
Parallel state one nested graph per branch: both formats draw them as boxes around the inner
states, linked from the Map / Parallel state.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["Edge", "Graph", "Node", "build_graph", "choice_label", "to_dot", "to_mermaid"]

START, END = "__start__", "__end__"


class Node:
    __slots__ = ("name", "type", "branches", "spec")

    def __init__(self, name: str, spec: dict[str, Any], branches: list[Graph]) -> None:
        self.name = name
        self.type: str = spec.get("Type", "?")
        self.spec = spec
        self.branches = branches  # a Map's item processor, a Parallel's branches

    def __repr__(self) -> str:
        return f"<Node {self.name} ({self.type})>"


class Edge:
    __slots__ = ("source", "target", "kind", "label")

    def __init__(self, source: str, target: str, kind: str, label: str = "") -> None:
        self.source = source
        self.target = target
        self.kind = kind
        self.label = label

    def __repr__(self) -> str:
        return f"<Edge {self.source} -{self.kind}-> {self.target}>"


class Graph:
    """One branch: its states (in definition order), transitions, where it starts."""

    def __init__(self, start: str, nodes: dict[str, Node], edges: list[Edge], label: str) -> None:
        self.start = start
        self.nodes = nodes
        self.edges = edges
        self.label = label

    def walk(self) -> list[tuple[Graph, Node]]:
        """Every (graph, node) pair, nested branches included."""
        out = []
        for node in self.nodes.values():
            out.append((self, node))
            for branch in node.branches:
                out.extend(branch.walk())
        return out


def build_graph(definition: dict[str, Any], label: str = "") -> Graph:
    nodes: dict[str, Node] = {}
    edges: list[Edge] = [Edge(START, definition["StartAt"], "next")]
    for name, spec in definition["States"].items():
        kind = spec.get("Type")
        branches: list[Graph] = []
        if kind == "Map":
            processor = spec.get("ItemProcessor") or spec.get("Iterator") or {"StartAt": "?", "States": {}}
            branches.append(build_graph(processor, f"{name} (each item)"))
        elif kind == "Parallel":
            branches = [build_graph(b, f"{name} branch {i + 1}") for i, b in enumerate(spec.get("Branches", []))]
        nodes[name] = Node(name, spec, branches)
        if kind == "Choice":
            for index, rule in enumerate(spec.get("Choices", [])):
                edges.append(Edge(name, rule["Next"], "choice", choice_label(rule, index)))
            if "Default" in spec:
                edges.append(Edge(name, spec["Default"], "default", "default"))
        elif "Next" in spec:
            edges.append(Edge(name, spec["Next"], "next"))
        if spec.get("End") or kind == "Succeed":
            edges.append(Edge(name, END, "next"))
        for catcher in spec.get("Catch", []) or []:
            edges.append(Edge(name, catcher["Next"], "catch", ", ".join(catcher.get("ErrorEquals", []))))
    return Graph(definition["StartAt"], nodes, edges, label)


_OPERATORS = {
    "StringEquals": "==", "NumericEquals": "==", "BooleanEquals": "==", "TimestampEquals": "==",
    "StringLessThan": "<", "NumericLessThan": "<", "TimestampLessThan": "<",
    "StringGreaterThan": ">", "NumericGreaterThan": ">", "TimestampGreaterThan": ">",
    "StringLessThanEquals": "<=", "NumericLessThanEquals": "<=", "TimestampLessThanEquals": "<=",
    "StringGreaterThanEquals": ">=", "NumericGreaterThanEquals": ">=", "TimestampGreaterThanEquals": ">=",
    "StringMatches": "matches", "IsPresent": "present", "IsNull": "null", "IsString": "is string",
    "IsNumeric": "is number", "IsBoolean": "is boolean", "IsTimestamp": "is timestamp",
}


def choice_label(rule: dict[str, Any], index: int) -> str:
    """A short text for a Choice rule: ``$.total > 100``, ``not(...)``, a JSONata condition."""
    text = _condition(rule)
    text = text if len(text) <= 40 else text[:39] + "…"
    return text or f"rule {index + 1}"


def _condition(rule: dict[str, Any]) -> str:
    if "Condition" in rule:
        condition = rule["Condition"]
        if isinstance(condition, str) and condition.startswith("{%") and condition.endswith("%}"):
            return condition[2:-2].strip()
        return str(condition)
    for combinator in ("And", "Or"):
        if combinator in rule:
            return f" {combinator.lower()} ".join(f"({_condition(inner)})" for inner in rule[combinator])
    if "Not" in rule:
        return f"not ({_condition(rule['Not'])})"
    variable = rule.get("Variable", "")
    for key, value in rule.items():
        base = key[:-4] if key.endswith("Path") and key[:-4] in _OPERATORS else key
        if base in _OPERATORS:
            operator = _OPERATORS[base]
            shown = value if key.endswith("Path") and base != key else json.dumps(value, ensure_ascii=False)
            if base.startswith("Is"):
                return f"{variable} {operator}" if value else f"{variable} not {operator}"
            return f"{variable} {operator} {shown}"
    return ""


# -- Mermaid ----------------------------------------------------------------------------------------


class _Ids:
    """Short ids for node names, unique across nested graphs."""

    def __init__(self) -> None:
        self.ids: dict[tuple[int, str], str] = {}

    def __call__(self, graph: Graph, name: str) -> str:
        key = (id(graph), name)
        if key not in self.ids:
            self.ids[key] = f"n{len(self.ids)}"
        return self.ids[key]


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def to_mermaid(graph: Graph) -> str:
    """A Mermaid flowchart of the machine."""
    ids = _Ids()
    lines = ["flowchart TD"]
    _mermaid_branch(graph, ids, lines, "  ")
    lines.append("  classDef fail fill:#fdecea,stroke:#c62828;")
    lines.append("  classDef succeed fill:#e8f5e9,stroke:#2e7d32;")
    lines.append("  classDef marker fill:#333,stroke:#333,color:#fff;")
    return "\n".join(lines) + "\n"


def _mermaid_branch(graph: Graph, ids: _Ids, lines: list[str], pad: str) -> None:
    start, end = ids(graph, START), ids(graph, END)
    lines.append(f"{pad}{start}((start)):::marker")
    for node in graph.nodes.values():
        node_id = ids(graph, node.name)
        label = f"{_mermaid_text(node.name)}<br/><small>{node.type}</small>"
        if node.type == "Choice":
            lines.append(f'{pad}{node_id}{{"{label}"}}')
        elif node.type in ("Fail", "Succeed"):
            lines.append(f'{pad}{node_id}(["{label}"]):::{node.type.lower()}')
        else:
            lines.append(f'{pad}{node_id}["{label}"]')
    if any(e.target == END for e in graph.edges):
        lines.append(f"{pad}{end}((end)):::marker")
    for edge in graph.edges:
        source, target = ids(graph, edge.source), ids(graph, edge.target)
        label = f"|{_mermaid_text(edge.label)}|" if edge.label else ""
        arrow = "-.->" if edge.kind == "catch" else "-->"
        lines.append(f"{pad}{source} {arrow}{label} {target}")
    for node in graph.nodes.values():
        for branch in node.branches:
            box = ids(branch, "__box__")
            lines.append(f'{pad}subgraph {box}["{_mermaid_text(branch.label)}"]')
            _mermaid_branch(branch, ids, lines, pad + "  ")
            lines.append(f"{pad}end")
            lines.append(f"{pad}{ids(graph, node.name)} -.-> {ids(branch, START)}")


# -- Graphviz ---------------------------------------------------------------------------------------


def _dot_text(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a DOT string is a JSON string, near enough


def to_dot(graph: Graph, name: str = "state_machine") -> str:
    """A Graphviz digraph of the machine."""
    ids = _Ids()
    lines = [f"digraph {_dot_text(name)} {{", "  rankdir=TB;", '  node [shape=box, style="rounded,filled", '
             'fillcolor="#ffffff", fontname="Helvetica"];', '  edge [fontname="Helvetica", fontsize=10];']
    _dot_branch(graph, ids, lines, "  ")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_branch(graph: Graph, ids: _Ids, lines: list[str], pad: str) -> None:
    start, end = ids(graph, START), ids(graph, END)
    lines.append(f'{pad}{start} [label="", shape=circle, width=0.2, style=filled, fillcolor="#333333"];')
    for node in graph.nodes.values():
        shape = {"Choice": "diamond"}.get(node.type, "box")
        fill = {"Fail": "#fdecea", "Succeed": "#e8f5e9"}.get(node.type, "#ffffff")
        label = _dot_text(f"{node.name}\n{node.type}")
        lines.append(f'{pad}{ids(graph, node.name)} [label={label}, shape={shape}, fillcolor="{fill}"];')
    if any(e.target == END for e in graph.edges):
        lines.append(f'{pad}{end} [label="", shape=doublecircle, width=0.15, style=filled, fillcolor="#333333"];')
    for edge in graph.edges:
        attributes = []
        if edge.label:
            attributes.append(f"label={_dot_text(edge.label)}")
        if edge.kind == "catch":
            attributes.append('style=dashed, color="#c62828"')
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        lines.append(f"{pad}{ids(graph, edge.source)} -> {ids(graph, edge.target)}{suffix};")
    for node in graph.nodes.values():
        for branch in node.branches:
            cluster = re.sub(r"\W", "_", ids(branch, "__box__"))
            lines.append(f"{pad}subgraph cluster_{cluster} {{")
            lines.append(f"{pad}  label={_dot_text(branch.label)}; style=dashed;")
            _dot_branch(branch, ids, lines, pad + "  ")
            lines.append(f"{pad}}}")
            lines.append(f"{pad}{ids(graph, node.name)} -> {ids(branch, START)} [style=dotted];")

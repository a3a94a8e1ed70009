"""Views of a state machine and of its executions.

* :mod:`~aslrun.report.visits`: a history read into state runs (shared by the assertions, the
  debugger and the report);
* :mod:`~aslrun.report.graph`: the machine as a graph, in Mermaid and Graphviz text;
* :mod:`~aslrun.report.layout` and :mod:`~aslrun.report.svg`: the graph drawn as SVG by aslrun
  itself, with what an execution did marked on it; :mod:`~aslrun.report.drawing` puts the two
  together (the drawing the report and the ``aslrun serve`` console share);
* :mod:`~aslrun.report.html`: the self-contained HTML execution report (``aslrun report``);
* :mod:`~aslrun.report.progress`: the live progress line of ``aslrun execute``.
"""

from .graph import build_graph, to_dot, to_mermaid
from .html import render_report
from .visits import Visit, read_history_file, read_visits

__all__ = ["Visit", "build_graph", "read_history_file", "read_visits", "render_report", "to_dot", "to_mermaid"]

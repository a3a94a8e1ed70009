"""The state machine drawn with what an execution did on it: the one drawing ``aslrun report`` and
the ``aslrun serve`` console both show.

    svg = draw_machine(definition, read_visits(events), finished=True)

``visits=None`` draws the machine alone (no state marked). The drawing's classes get their colours
from :data:`~aslrun.report.svg.STYLE`; :data:`LEGEND` says what they mean.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .graph import build_graph
from .layout import layout
from .svg import RunMarks, render_svg
from .visits import Visit

__all__ = ["LEGEND", "draw_machine"]

LEGEND = ('<i style="border-color:#2e7d32;background:#e8f5e9"></i>ran'
          '<i style="border-color:#ef6c00;background:#fff3e0"></i>failed, caught'
          '<i style="border-color:#c62828;background:#ffebee"></i>failed'
          '<i style="border-color:#b0bec5;background:#fff;opacity:.55"></i>not run'
          " &nbsp;·&nbsp; ×N: times entered")


def draw_machine(definition: dict[str, Any], visits: Iterable[Visit] | None = None, *, finished: bool = True) -> str:
    """The machine as an SVG element; ``visits`` marks the states run and the transitions taken
    (``finished``: the execution has ended, so its last states' way out is marked taken)."""
    run = RunMarks.from_visits(visits, finished=finished) if visits is not None else None
    return render_svg(layout(build_graph(definition)), run)

"""The HTML execution report: one self-contained page (no fetches when it is viewed).

    html = render_report(definition, events, machine_name="billing")
    Path("report.html").write_text(html)

It shows the execution's status, input and output (or error), the state machine drawn as an SVG
with the path taken highlighted (visited / caught / failed states, the transitions taken, how often
each state ran), per-state timings, every state run with its input and output, and the history.
Clicking a state in the drawing (or opening ``report.html#state=Name``) lists only that state's
runs. ``events`` is a history: an execution's (``execution.history``) or one read from a file
(:func:`aslrun.report.visits.read_history_file`), so a report can be made from a saved run, even
one recorded on AWS.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from html import escape
from typing import Any

from ..engine.clock import iso_timestamp
from ..history import Event
from .drawing import LEGEND, draw_machine
from .durations import duration
from .svg import STYLE as SVG_STYLE
from .visits import Visit, read_visits

__all__ = ["render_report"]

MAX_ROWS = 2000  # state runs listed (the drawing and the timings count them all)
MAX_EVENTS = 5000
MAX_VALUE = 20_000  # characters of one input/output shown

_PAGE_STYLE = """
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #263238;
       background: #fafbfc; }
header { padding: 18px 28px; background: #fff; border-bottom: 1px solid #e0e6ea; }
h1 { margin: 0 0 4px; font-size: 20px; } h2 { font-size: 16px; margin: 28px 0 10px; }
main { padding: 0 28px 40px; }
.status { display: inline-block; padding: 2px 10px; border-radius: 12px; font-weight: 700; font-size: 12px;
          color: #fff; vertical-align: middle; margin-left: 8px; }
.status.SUCCEEDED { background: #2e7d32; } .status.FAILED { background: #c62828; }
.status.TIMED_OUT, .status.ABORTED, .status.RUNNING { background: #ef6c00; }
.facts { color: #546e7a; font-size: 13px; } .facts span { margin-right: 18px; }
.cards { display: flex; gap: 16px; flex-wrap: wrap; }
.card { background: #fff; border: 1px solid #e0e6ea; border-radius: 8px; padding: 10px 14px; flex: 1 1 320px;
        min-width: 0; }
.card h3 { margin: 0 0 6px; font-size: 13px; color: #546e7a; text-transform: uppercase; letter-spacing: .04em; }
.card.error { border-color: #ef9a9a; background: #fff8f8; }
pre { margin: 0; white-space: pre-wrap; word-break: break-word; font: 12px/1.4 ui-monospace, Menlo, Consolas,
      monospace; max-height: 320px; overflow: auto; }
.graph { background: #fff; border: 1px solid #e0e6ea; border-radius: 8px; padding: 12px; overflow: auto; }
.graph g.state { cursor: pointer; } .graph g.state.selected > .body { stroke: #1565c0; stroke-width: 3.2; }
.legend { font-size: 12px; color: #546e7a; margin: 6px 0 0; } .legend i { display: inline-block; width: 12px;
  height: 12px; border-radius: 3px; margin: 0 4px -2px 12px; border: 2px solid; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #eceff1; vertical-align: top; }
th { background: #f1f4f6; font-weight: 600; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.FAILED td.st { color: #c62828; font-weight: 700; } tr.CAUGHT td.st { color: #ef6c00; font-weight: 700; }
tr.SUCCEEDED td.st { color: #2e7d32; }
td details summary { cursor: pointer; color: #37474f; font: 12px ui-monospace, Menlo, Consolas, monospace;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 360px; }
.where { color: #78909c; font-size: 12px; }
#filter-note { font-size: 13px; color: #1565c0; margin-left: 10px; } #filter-note a { cursor: pointer; }
.note { color: #78909c; font-size: 12px; }
"""

_SCRIPT = """
(function () {
  var rows = Array.prototype.slice.call(document.querySelectorAll('#visits tbody tr'));
  var nodes = Array.prototype.slice.call(document.querySelectorAll('svg.machine g.state'));
  var note = document.getElementById('filter-note');
  var count = document.getElementById('visible-count');
  function show(name) {
    var visible = 0;
    rows.forEach(function (row) {
      row.hidden = !!name && row.getAttribute('data-state') !== name;
      if (!row.hidden) { visible += 1; }
    });
    nodes.forEach(function (node) {
      node.classList.toggle('selected', node.getAttribute('data-state') === name);
    });
    count.textContent = String(visible);
    note.textContent = '';
    if (name) {
      note.appendChild(document.createTextNode('only the runs of ' + name + ' \\u00b7 '));
      var all = document.createElement('a');
      all.textContent = 'show all';
      all.addEventListener('click', function () { history.replaceState(null, '', ' '); show(null); });
      note.appendChild(all);
    }
  }
  function fromHash() {
    var match = /^#state=(.*)$/.exec(location.hash);
    show(match ? decodeURIComponent(match[1]) : null);
  }
  nodes.forEach(function (node) {
    node.addEventListener('click', function (event) {
      event.stopPropagation();
      location.hash = 'state=' + encodeURIComponent(node.getAttribute('data-state'));
    });
  });
  window.addEventListener('hashchange', fromHash);
  fromHash();
  document.body.setAttribute('data-ready', '1');
})();
"""


def render_report(definition: dict[str, Any], events: Iterable[Event], *, machine_name: str = "state machine",
                  title: str | None = None) -> str:
    events = list(events)
    visits = read_visits(events)
    outcome = _outcome(events)
    started = events[0].timestamp if events else 0.0
    svg = draw_machine(definition, visits, finished=outcome["status"] != "RUNNING")
    heading = title or f"{machine_name}: execution report"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(heading)}</title>",
        f"<style>{_PAGE_STYLE}{SVG_STYLE}</style></head><body>",
        _header(heading, outcome, events, visits),
        "<main>",
        _cards(outcome),
        '<h2>Path taken</h2><div class="graph">', svg,
        f'<p class="legend">{LEGEND} &nbsp;·&nbsp; click a state to list its runs</p></div>',
        _timings(visits),
        _visit_table(visits, started),
        _history_table(events, started),
        "</main>",
        f"<script>{_SCRIPT}</script>",
        "</body></html>",
    ]
    return "\n".join(parts)


def _outcome(events: list[Event]) -> dict[str, Any]:
    outcome: dict[str, Any] = {"status": "RUNNING", "input": None, "output": None, "error": None, "cause": None}
    for event in events:
        if event.type == "ExecutionStarted":
            outcome["input"] = event.details.get("input")
        elif event.type == "ExecutionSucceeded":
            outcome.update(status="SUCCEEDED", output=event.details.get("output"))
        elif event.type in ("ExecutionFailed", "ExecutionAborted"):
            outcome.update(status="FAILED" if event.type == "ExecutionFailed" else "ABORTED",
                           error=event.details.get("error"), cause=event.details.get("cause"))
        elif event.type == "ExecutionTimedOut":
            outcome.update(status="TIMED_OUT", error=event.details.get("error"), cause=event.details.get("cause"))
    return outcome


def _header(heading: str, outcome: dict[str, Any], events: list[Event], visits: list[Visit]) -> str:
    facts = []
    if events:
        facts.append(f"started {iso_timestamp(events[0].timestamp)}")
        facts.append(f"took {duration(events[-1].timestamp - events[0].timestamp)} (clock)")
    facts.append(f"{len(visits):,} state runs")
    facts.append(f"{len(events):,} events")
    status = outcome["status"]
    return (f'<header><h1>{escape(heading)}<span class="status {status}">{status}</span></h1>'
            f'<div class="facts">{"".join(f"<span>{escape(f)}</span>" for f in facts)}</div></header>')


def _json_text(value: Any, indent: int | None = 2) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    if len(text) > MAX_VALUE:
        text = text[:MAX_VALUE] + f"\n… ({len(text) - MAX_VALUE:,} more characters)"
    return text


def _cards(outcome: dict[str, Any]) -> str:
    cards = [f'<div class="card"><h3>Input</h3><pre>{escape(_json_text(outcome["input"]))}</pre></div>']
    if outcome["status"] == "SUCCEEDED":
        cards.append(f'<div class="card"><h3>Output</h3><pre>{escape(_json_text(outcome["output"]))}</pre></div>')
    elif outcome["error"] is not None or outcome["cause"] is not None:
        cards.append(f'<div class="card error"><h3>Error</h3><pre>{escape(str(outcome["error"]))}</pre>'
                     f'<h3 style="margin-top:8px">Cause</h3><pre>{escape(str(outcome["cause"] or ""))}</pre></div>')
    return f'<h2>Execution</h2><div class="cards">{"".join(cards)}</div>'


def _timings(visits: list[Visit]) -> str:
    per_state: dict[str, list[Visit]] = {}
    for visit in visits:
        per_state.setdefault(visit.name, []).append(visit)
    rows = sorted(per_state.items(), key=lambda item: -sum(v.duration for v in item[1]))
    body = "".join(
        f'<tr data-state="{escape(name)}"><td>{escape(name)}</td><td>{escape(runs[0].type)}</td>'
        f'<td class="num">{len(runs):,}</td><td class="num">{sum(v.attempts for v in runs):,}</td>'
        f'<td class="num">{duration(sum(v.duration for v in runs))}</td>'
        f'<td class="num">{duration(max(v.duration for v in runs))}</td></tr>'
        for name, runs in rows)
    return ('<h2>Time per state</h2><table id="timings"><thead><tr><th>State</th><th>Type</th><th>Runs</th>'
            "<th>Calls</th><th>Total</th><th>Longest</th></tr></thead>"
            f"<tbody>{body}</tbody></table>")


def _value_cell(value: Any, present: bool = True) -> str:
    if not present:
        return "<td></td>"
    compact = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    summary = compact if len(compact) <= 80 else compact[:79] + "…"
    return (f"<td><details><summary>{escape(summary)}</summary><pre>{escape(_json_text(value))}</pre>"
            "</details></td>")


def _visit_table(visits: list[Visit], started: float) -> str:
    rows = []
    for index, visit in enumerate(visits[:MAX_ROWS], start=1):
        where = visit.where.rsplit(" > ", 1)[0] if visit.depth else ""
        pad = f"padding-left:{8 + 16 * visit.depth}px"
        result = _value_cell(visit.output, visit.exited is not None)
        if visit.error is not None and visit.status in ("FAILED", "CAUGHT"):
            result = (f'<td><pre style="color:#c62828">{escape(visit.error)}: '
                      f"{escape((visit.cause or '')[:2000])}</pre></td>")
        rows.append(
            f'<tr class="{visit.status}" data-state="{escape(visit.name)}"><td class="num">{index}</td>'
            f'<td style="{pad}">{escape(visit.name)}'
            f'{f"<div class=where>{escape(where)}</div>" if where else ""}</td>'
            f"<td>{escape(visit.type)}</td><td class=\"st\">{visit.status.lower()}</td>"
            f'<td class="num">+{duration(visit.start - started)}</td><td class="num">{duration(visit.duration)}</td>'
            f'<td class="num">{visit.attempts or ""}</td>{_value_cell(visit.input)}{result}</tr>')
    more = (f'<p class="note">The first {MAX_ROWS:,} of {len(visits):,} state runs are listed.</p>'
            if len(visits) > MAX_ROWS else "")
    return (f'<h2>State runs <span class="note">(<span id="visible-count">{min(len(visits), MAX_ROWS)}</span> '
            'shown)</span><span id="filter-note"></span></h2>'
            '<table id="visits"><thead><tr><th>#</th><th>State</th><th>Type</th><th>Status</th><th>Start</th>'
            "<th>Took</th><th>Calls</th><th>Input</th><th>Output / error</th></tr></thead>"
            f'<tbody>{"".join(rows)}</tbody></table>{more}')


def _history_table(events: list[Event], started: float) -> str:
    rows = []
    for event in events[:MAX_EVENTS]:
        details = {k: v for k, v in event.details.items() if k not in ("input", "output", "parameters")}
        shown = json.dumps(details, ensure_ascii=False, separators=(",", ":")) if details else ""
        rows.append(f'<tr><td class="num">{event.id}</td><td class="num">{event.previous_id}</td>'
                    f"<td>{escape(event.type)}</td><td class=\"num\">+{duration(event.timestamp - started)}</td>"
                    f"<td><code>{escape(shown[:300])}</code></td></tr>")
    more = f'<p class="note">The first {MAX_EVENTS:,} of {len(events):,} events.</p>' if len(events) > MAX_EVENTS else ""
    return (f"<h2>History</h2><details><summary>{len(events):,} events</summary>"
            '<table id="history"><thead><tr><th>Id</th><th>Previous</th><th>Type</th><th>Time</th><th>Details</th>'
            f'</tr></thead><tbody>{"".join(rows)}</tbody></table>{more}</details>')

"""The console's HTML pages. The lists (state machines, a machine, executions) are written here,
whole, from :mod:`.views`; the execution page is a frame its script fills from the JSON endpoints
and keeps up to date while the execution runs. Every page works offline: its styles and script are
the package's own (``/console/assets/``)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from html import escape
from typing import Any
from urllib.parse import urlencode

from ...report.drawing import LEGEND
from .views import STATUSES

__all__ = ["execution_page", "executions_page", "machine_page", "machines_page", "not_found_page"]


def _shell(title: str, body: str, token: str, page: str, data: dict[str, str] | None = None) -> str:
    attributes = "".join(f' data-{key}="{escape(value)}"' for key, value in (data or {}).items())
    return ("<!DOCTYPE html>\n"
            '<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="console-token" content="{escape(token)}">'
            f"<title>{escape(title)} · aslrun console</title>"
            '<link rel="stylesheet" href="/console/assets/drawing.css">'
            '<link rel="stylesheet" href="/console/assets/console.css"></head>'
            f'<body data-page="{page}"{attributes}>'
            '<header class="top"><a class="brand" href="/">aslrun console</a><nav>'
            '<a href="/">State machines</a><a href="/console/executions">Executions</a></nav></header>'
            f"<main>{body}</main>"
            '<script src="/console/assets/console.js"></script></body></html>')


def when(epoch: float | None) -> str:
    if epoch is None:
        return ""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _status(status: str) -> str:
    return f'<span class="status {escape(status)}">{escape(status)}</span>'


def machine_href(arn: str) -> str:
    return "/console/machine?" + urlencode({"arn": arn})


def execution_href(arn: str) -> str:
    return "/console/execution?" + urlencode({"arn": arn})


def _executions_href(**query: Any) -> str:
    shown = {key: value for key, value in query.items() if value not in (None, "", False)}
    return "/console/executions" + ("?" + urlencode(shown) if shown else "")


def _execution_rows(executions: list[dict[str, Any]], *, machine_column: bool = True) -> str:
    if not executions:
        return '<p class="note">No executions.</p>'
    rows = "".join(
        f'<tr><td><a href="{escape(execution_href(e["arn"]))}">{escape(e["name"])}</a></td>'
        + (f'<td><a href="{escape(machine_href(e["machineArn"]))}">{escape(e["machine"])}</a></td>'
           if machine_column else "")
        + f'<td>{_status(e["status"])}</td><td>{when(e["start"])}</td><td>{when(e["stop"])}</td>'
        f'<td class="num">{e["redriveCount"] or ""}</td></tr>' for e in executions)
    head = "<th>Machine</th>" if machine_column else ""
    return (f'<table class="list executions"><thead><tr><th>Name</th>{head}<th>Status</th><th>Started</th>'
            f"<th>Ended</th><th>Redrives</th></tr></thead><tbody>{rows}</tbody></table>")


def machines_page(view: dict[str, Any], token: str) -> str:
    rows = []
    for m in view["machines"]:
        counts = "".join(f'<a class="count {status}" href="{escape(_executions_href(machine=m["arn"], status=status))}">'
                         f'{m["executions"][status]:,} {status.lower().replace("_", " ")}</a>'
                         for status in STATUSES if m["executions"].get(status))
        rows.append(f'<tr><td><a href="{escape(machine_href(m["arn"]))}">{escape(m["name"])}</a></td>'
                    f'<td>{escape(m["type"])}</td><td>{escape(m["region"])}</td><td>{_status(m["status"])}</td>'
                    f'<td>{counts or "<span class=note>none yet</span>"}</td><td>{when(m["created"])}</td></tr>')
    table = ('<table class="list machines"><thead><tr><th>Name</th><th>Type</th><th>Region</th><th>Status</th>'
             f'<th>Executions</th><th>Created</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
             if rows else '<p class="note">No state machines yet: create one with the API '
                          '(<code>aws stepfunctions create-state-machine --endpoint-url ...</code>, boto3, '
                          "<code>aslrun serve --template</code>).</p>")
    return _shell("State machines", f"<h1>State machines</h1>{table}", token, "machines")


def machine_page(view: dict[str, Any], drawing: str, token: str) -> str:
    arn = view["arn"]
    versions = "".join(f'<tr><td>{v["version"]}</td><td><code>{escape(v["arn"])}</code></td>'
                       f'<td>{escape(v["description"] or "")}</td><td>{when(v["created"])}</td></tr>'
                       for v in view["versions"])
    aliases = "".join(
        f'<tr><td>{escape(a["name"])}</td><td><code>{escape(a["arn"])}</code></td><td>'
        + ", ".join(f'version {escape(r["stateMachineVersionArn"].rsplit(":", 1)[-1])}: {r["weight"]}%'
                    for r in a["routing"])
        + f'</td><td>{escape(a["description"] or "")}</td></tr>' for a in view["aliases"])
    targets = "".join(f'<option value="{escape(t)}">{escape(label)}</option>' for t, label in
                      [(arn, "the latest definition")]
                      + [(v["arn"], f'version {v["version"]}') for v in view["versions"]]
                      + [(a["arn"], f'alias {a["name"]}') for a in view["aliases"]])
    try:
        definition = json.dumps(json.loads(view["definition"]), indent=2, ensure_ascii=False)
    except ValueError:
        definition = view["definition"]
    start = ("" if view["type"] == "EXPRESS" or view["status"] != "ACTIVE" else
             '<section class="panel" id="start"><h2>Start an execution</h2>'
             f'<form id="start-form" data-machine="{escape(arn)}">'
             f'<label>Run <select name="target">{targets}</select></label>'
             '<label>Name <input name="name" placeholder="(a new UUID)" size="40"></label>'
             '<label class="block">Input (JSON)<textarea name="input" rows="10" spellcheck="false">{}</textarea></label>'
             '<p class="input-check" id="input-check">valid JSON</p>'
             '<button type="submit" id="start-button">Start execution</button> <span class="form-error" '
             'id="start-error"></span></form></section>')
    body = (f'<h1>{escape(view["name"])} {_status(view["status"])}</h1>'
            f'<p class="facts"><span>{escape(view["type"])}</span><span>{escape(view["region"])}</span>'
            f'<span>created {when(view["created"])}</span><span>role <code>{escape(view["roleArn"])}</code></span>'
            f'<span><code>{escape(arn)}</code></span></p>'
            f'<section class="panel"><h2>Graph</h2><div class="graph">{drawing}</div></section>'
            f"{start}"
            '<section class="panel"><h2>Recent executions '
            f'<a class="more" href="{escape(_executions_href(machine=arn))}">all</a></h2>'
            f'{_execution_rows(view["recent"], machine_column=False)}</section>'
            '<section class="panel"><h2>Versions</h2>'
            + (f'<table class="list"><thead><tr><th>Version</th><th>ARN</th><th>Description</th><th>Published</th>'
               f"</tr></thead><tbody>{versions}</tbody></table>" if versions else '<p class="note">None published.</p>')
            + '</section><section class="panel"><h2>Aliases</h2>'
            + (f'<table class="list"><thead><tr><th>Name</th><th>ARN</th><th>Routing</th><th>Description</th>'
               f"</tr></thead><tbody>{aliases}</tbody></table>" if aliases else '<p class="note">None.</p>')
            + f'</section><section class="panel"><h2>Definition</h2><pre class="definition">{escape(definition)}</pre>'
            "</section>")
    return _shell(view["name"], body, token, "machine")


def executions_page(view: dict[str, Any], query: dict[str, Any], machines: list[dict[str, Any]], token: str) -> str:
    status = query.get("status") or ""
    options = "".join(f'<option value="{s}"{" selected" if s == status else ""}>{s.lower().replace("_", " ")}'
                      "</option>" for s in STATUSES)
    machine = query.get("machine") or ""
    machine_options = "".join(f'<option value="{escape(m["arn"])}"{" selected" if m["arn"] == machine else ""}>'
                              f'{escape(m["name"])}</option>' for m in machines)
    children = " checked" if query.get("children") else ""
    form = ('<form class="filters" method="get" action="/console/executions">'
            f'<label>Status <select name="status"><option value="">any</option>{options}</select></label>'
            f'<label>Machine <select name="machine"><option value="">any</option>{machine_options}</select></label>'
            f'<label>Search <input name="q" value="{escape(query.get("q") or "")}" placeholder="name or ARN"></label>'
            f'<label><input type="checkbox" name="children" value="1"{children}> child executions too</label>'
            '<button type="submit">Show</button></form>')
    pager = _pager(view, lambda page: _executions_href(**{**query, "page": page}))
    body = (f'<h1>Executions <span class="note">{view["total"]:,}</span></h1>{form}'
            f'{_execution_rows(view["executions"])}{pager}')
    return _shell("Executions", body, token, "executions")


def _pager(view: dict[str, Any], href: Any) -> str:
    if view["pages"] <= 1:
        return ""
    page, pages = view["page"], view["pages"]
    previous = f'<a href="{escape(href(page - 1))}">‹ previous</a>' if page > 1 else ""
    following = f'<a href="{escape(href(page + 1))}">next ›</a>' if page < pages else ""
    return f'<p class="pager">{previous} page {page} of {pages} {following}</p>'


def execution_page(arn: str, name: str, token: str) -> str:
    """The frame of an execution's live page (its script reads ``/console/api/execution``)."""
    body = (f'<div id="execution"><h1 id="title">{escape(name)}</h1><p class="note" id="loading">Loading…</p></div>'
            f'<template id="legend">{LEGEND} &nbsp;·&nbsp; pulsing: running now &nbsp;·&nbsp; '
            "click a state to list its runs</template>")
    return _shell(name, body, token, "execution", {"arn": arn})


def not_found_page(message: str, token: str) -> str:
    return _shell("Not found", f'<h1>Not found</h1><p class="note">{escape(message)}</p>', token, "missing")

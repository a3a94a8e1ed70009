"""The HTML report and the SVG drawing as a person sees them: opened in a real headless browser
(chromium) with the network cut off. The page's script runs (it marks the body ready and filters
the state runs by the state named in the URL), and the colours of the path taken are on screen."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from report_browser import dump_dom, need_chromium, pixel, read_png, screenshot

from aslrun.report.graph import build_graph
from aslrun.report.html import render_report
from aslrun.report.layout import layout
from aslrun.report.svg import RunMarks, render_svg
from aslrun.testing import run_machine

ORDERS = Path(__file__).resolve().parents[1] / "testing" / "fixtures" / "orders.asl.json"
LINES = {"lines": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 1}]}


class Denied(Exception):
    pass


Denied.__name__ = "Approval.Denied"


def _denied(event, context):
    raise Denied("too big")


HANDLERS = {"ValidateOrder": lambda e, c: {"ok": True},
            "PriceLine": lambda e, c: {"amount": {"a": 30, "b": 50}[e["sku"]] * e["qty"]},
            "Approve": _denied}


@pytest.fixture(scope="module")
def denied_run():
    return run_machine(ORDERS, LINES, handlers=HANDLERS)


def _state_classes(dom: str) -> dict[str, set[str]]:
    found = {}
    for match in re.finditer(r'<g class="([^"]*)" data-state="([^"]*)"', dom):
        found[match.group(2)] = set(match.group(1).split())
    return found


def test_the_report_page_runs_its_script_and_filters_by_state(tmp_path, denied_run):
    need_chromium()
    page = tmp_path / "report.html"
    page.write_text(render_report(json.loads(ORDERS.read_text()), denied_run.history, machine_name="orders"))
    dom = dump_dom(page.as_uri() + "#state=Price", tmp_path / "profile")
    assert re.search(r'<body[^>]*data-ready="1"', dom), "the page's script did not run"
    assert re.search(r'id="visible-count">2<', dom)  # Price ran twice (one per order line)
    rows = re.findall(r'<tr class="(\w+)" data-state="([^"]+)"( hidden="")?>', dom)
    shown = [(status, state) for status, state, hidden in rows if not hidden]
    assert shown == [("SUCCEEDED", "Price"), ("SUCCEEDED", "Price")]
    assert len(rows) == 8  # every state run is in the page, the others hidden
    classes = _state_classes(dom)
    assert "selected" in classes["Price"]
    assert {"visited"} <= classes["Validate"] and {"caught"} <= classes["Approve"]
    assert {"failed"} <= classes["Rejected"] and {"unvisited"} <= classes["Bill"]
    taken = set(re.findall(r'<g class="edge [^"]*taken[^"]*" data-from="([^"]*)" data-to="([^"]*)"', dom))
    assert ("Big?", "Approve") in taken and ("Approve", "Rejected") in taken
    assert ("Big?", "Bill") not in taken and ("Bill", "__end__") not in taken
    assert "Order.Rejected" in dom and "approval denied" in dom


def test_the_page_fetches_nothing(tmp_path, denied_run):
    html = render_report(json.loads(ORDERS.read_text()), denied_run.history, machine_name="orders")
    urls = set(re.findall(r"(?:https?:)?//[\w.-]+", html))
    assert urls <= {"http://www.w3.org"}, urls  # only the SVG namespace, which is a name, not a fetch
    assert "<link" not in html and "src=" not in html and "@import" not in html


def test_the_path_taken_is_coloured_on_screen(tmp_path, denied_run):
    need_chromium()
    box = layout(build_graph(json.loads(ORDERS.read_text())))
    drawing = tmp_path / "orders.svg"
    drawing.write_text(render_svg(box, RunMarks.from_visits(denied_run.visits), standalone=True))
    png = screenshot(drawing.as_uri(), tmp_path / "orders.png", tmp_path / "profile",
                     int(box.width) + 20, int(box.height) + 20)
    _, _, rows = read_png(png)
    nodes = {n.name: n for n in box.all_nodes()}

    def border(name):  # the darkest pixel across the left border of the node, half way down
        node = nodes[name]
        y = int(node.y + node.height / 2)
        return min((pixel(rows, x, y) for x in range(int(node.x) - 2, int(node.x) + 3)), key=sum)

    def fill(name):
        node = nodes[name]
        return pixel(rows, int(node.x) + 8, int(node.y) + 8)

    assert _near(border("Validate"), (0x2E, 0x7D, 0x32)), border("Validate")  # ran: green
    assert _near(border("Approve"), (0xEF, 0x6C, 0x00)), border("Approve")  # failed, caught: orange
    assert _near(border("Rejected"), (0xC6, 0x28, 0x28)), border("Rejected")  # failed: red
    assert _near(fill("Validate"), (0xE8, 0xF5, 0xE9)), fill("Validate")
    assert sum(fill("Bill")) > 3 * 245  # not run: left white


def _near(found, wanted, tolerance=40):
    return all(abs(a - b) <= tolerance for a, b in zip(found, wanted))

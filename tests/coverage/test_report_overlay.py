"""Coverage drawn on the machine (``aslrun report --coverage``): counts on states and edges, what was
never reached marked ``never``; the page opened in a real browser when chromium is installed."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from aslrun import StateMachine
from aslrun.cli import main
from aslrun.coverage import CoverageRecorder
from aslrun.report.coverage import coverage_marks, draw_coverage, render_coverage_report

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))
from report_browser import dump_dom, need_chromium  # noqa: E402

ORDERS = Path(__file__).resolve().parents[1] / "testing" / "fixtures" / "orders.asl.json"


class Denied(Exception):
    pass


Denied.__name__ = "Approval.Denied"


def approve(event, context=None):
    if event.get("vip") is False:
        raise Denied("not a vip")
    return {}


HANDLERS = {"ValidateOrder": lambda event, context=None: {}, "Approve": approve,
            "PriceLine": lambda event, context=None: {"amount": 60 * event["qty"]}}


def measured(*inputs):
    machine = StateMachine.from_file(ORDERS)
    with CoverageRecorder() as recorder:
        for value in inputs:
            machine.execute(value, handlers=HANDLERS)
    return recorder.data


BIG = {"lines": [{"qty": 1}, {"qty": 1}]}  # 120: approved
DENIED = {"vip": False, "lines": [{"qty": 1}, {"qty": 1}]}


def test_states_and_edges_carry_their_counts_and_the_never_reached_are_marked():
    (orders,) = measured(BIG, BIG, DENIED)
    graph, marks = coverage_marks(orders)
    assert marks.entries == {"Validate": 3, "PriceLines": 3, "Price": 6, "Total": 3, "Big?": 3, "Approve": 3,
                             "Bill": 2, "Rejected": 1}
    assert marks.status["Rejected"] == "FAILED" and marks.status["Bill"] == "SUCCEEDED"
    assert marks.edge_counts == {
        ("__start__", "Validate", ""): 3, ("Validate", "PriceLines", "×3"): 3, ("PriceLines", "Total", "×3"): 3,
        ("Total", "Big?", "×3"): 3, ("Big?", "Approve", "$.sum.total > 100 ×3"): 3, ("Big?", "Bill", "default ×0"): 0,
        ("Approve", "Bill", "×2"): 2, ("Approve", "Rejected", "Approval.Denied ×1"): 1, ("Bill", "__end__", "×2"): 2,
        ("__start__", "Price", ""): 6, ("Price", "__end__", "×6"): 6,
    }
    assert marks.timing == {"Price": "Retry[0] [Price.Busy]: fired 0 time(s)"}
    svg = draw_coverage(orders)
    never_edges = re.findall(r'<g class="edge [a-z]+ never" data-from="([^"]+)" data-to="([^"]+)"', svg)
    assert never_edges == [("Big?", "Bill")]
    assert re.findall(r'<g class="state [^"]*\bnever\b[^"]*" data-state="([^"]+)"', svg) == []


def test_a_state_never_entered_is_drawn_as_never():
    (orders,) = measured(BIG)
    svg = draw_coverage(orders)
    assert re.findall(r'<g class="state [^"]*\bnever\b[^"]*" data-state="([^"]+)"', svg) == ["Rejected"]
    assert sorted(re.findall(r'<g class="edge [a-z]+ never" data-from="([^"]+)" data-to="([^"]+)"', svg)) == [
        ("Approve", "Rejected"), ("Big?", "Bill")]


def test_the_cli_draws_a_data_file_on_the_machine(tmp_path):
    measured(BIG, DENIED).write(tmp_path / "cov")
    result = CliRunner().invoke(main, ["report", str(ORDERS), "--coverage", str(tmp_path / "cov"),
                                       "--out", str(tmp_path / "page.html")])
    assert result.exit_code == 0, result.output
    assert result.output == (f"coverage of orders (states 8/8, transitions 8/10 (88.9%)) written to "
                             f"{tmp_path / 'page.html'}\n")
    page = (tmp_path / "page.html").read_text()
    assert page == render_coverage_report(next(iter(measured(BIG, DENIED))))
    never_taken = re.search(r"<h2>Never taken</h2><ul>(.*?)</ul>", page).group(1)
    assert never_taken == "<li>Price Retry[0] [Price.Busy]</li><li>Big? Default -&gt; Bill</li>"


@pytest.mark.parametrize("args, message", [
    (["--input", "{}"], "aslrun: --coverage draws measured coverage: --input, --history and the local AWS options "
                        "are for one execution\n"),
    (["--coverage", "absent"], "aslrun: --coverage absent: cannot read the coverage data (No such file or directory)\n"),
])
def test_bad_coverage_options_are_refused(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    measured(BIG).write(tmp_path / "cov")
    result = CliRunner().invoke(main, ["report", str(ORDERS), "--coverage", "cov", *args, "--out", "page.html"])
    assert result.exit_code == 2
    assert result.output == message


def test_a_machine_the_data_does_not_hold_is_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    measured(BIG).write(tmp_path / "cov")
    (tmp_path / "other.asl.json").write_text('{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}')
    result = CliRunner().invoke(main, ["report", "other.asl.json", "--coverage", "cov", "--out", "page.html"])
    assert result.exit_code == 2
    digest = next(iter(measured(BIG))).model.digest[:8]
    assert re.fullmatch(
        rf"aslrun: --coverage cov: no coverage of other.asl.json \(shape [0-9a-f]{{8}}\) in it: the tests ran it in "
        rf"another shape, or not at all; it holds orders \({digest}\)\n", result.output)


def test_the_coverage_page_in_a_browser(tmp_path):
    need_chromium()
    (orders,) = measured(BIG)
    page = tmp_path / "page.html"
    page.write_text(render_coverage_report(orders), encoding="utf-8")
    dom = dump_dom(page.as_uri(), tmp_path / "profile")
    assert "orders: state-machine coverage" in dom
    assert 'class="state type-fail unvisited never"' in dom
    assert "states 7/8, transitions 7/10 (77.8%)" in dom

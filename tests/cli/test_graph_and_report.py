"""``aslrun graph`` and ``aslrun report`` as a user runs them; the report page is opened in a real
browser (chromium) when it is installed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))
from report_browser import dump_dom, need_chromium  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "debug" / "fixtures"
ASLRUN = shutil.which("aslrun") or str(Path(sys.executable).with_name("aslrun"))


@pytest.fixture
def workdir(tmp_path):
    for name in ("orders.asl.json", "charge_handlers.py", "orders_input.json"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    return tmp_path


def aslrun(workdir, *args):
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([ASLRUN, *args], cwd=workdir, capture_output=True, text=True, env=env, timeout=90)


@pytest.mark.parametrize("fmt, start", [("mermaid", "flowchart TD\n"), ("dot", 'digraph "orders" {\n'),
                                        ("svg", '<svg class="machine"')])
def test_graph_formats(workdir, fmt, start):
    done = aslrun(workdir, "graph", "orders.asl.json", "--format", fmt)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(start)
    assert "Charge" in done.stdout and "Receipt" in done.stdout


def test_graph_to_a_file_and_bad_input(workdir):
    done = aslrun(workdir, "graph", "orders.asl.json", "--out", "g.mmd")
    assert done.returncode == 0 and (workdir / "g.mmd").read_text().startswith("flowchart TD")
    short = aslrun(workdir, "graph", "orders.asl.json", "-o", "short.mmd")  # (the short name people try first)
    assert short.returncode == 0 and (workdir / "short.mmd").read_text() == (workdir / "g.mmd").read_text()
    missing = aslrun(workdir, "graph", "nope.json")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr and "nope.json" in missing.stderr


def test_report_of_a_run_and_of_a_saved_history_agree(workdir):
    ran = aslrun(workdir, "report", "orders.asl.json", "--input", "orders_input.json", "--handlers",
                 "charge_handlers.py", "--out", "run.html")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "report of a SUCCEEDED execution written to run.html"
    saved = aslrun(workdir, "execute", "orders.asl.json", "--input", "orders_input.json", "--handlers",
                   "charge_handlers.py", "--history", "run.jsonl", "--json")
    assert saved.returncode == 0, saved.stderr
    again = aslrun(workdir, "report", "orders.asl.json", "--history", "run.jsonl", "-o", "saved.html")
    assert again.returncode == 0, again.stderr

    def runs(page):
        return re.findall(r'<tr class="(\w+)" data-state="([^"]+)">', (workdir / page).read_text())

    assert runs("run.html") == runs("saved.html") == [
        ("SUCCEEDED", "Load"), ("SUCCEEDED", "Each"), ("SUCCEEDED", "Charge"), ("SUCCEEDED", "Receipt"),
        ("SUCCEEDED", "Charge"), ("SUCCEEDED", "Receipt"), ("SUCCEEDED", "Done")]


def test_report_of_a_failed_run_in_a_browser(workdir):
    declined = '{"orders": [{"order": {"id": "o1", "qty": 1}}, {"order": {"id": "o2", "qty": 1, "declined": true}}]}'
    done = aslrun(workdir, "report", "orders.asl.json", "--input", declined, "--handlers", "charge_handlers.py",
                  "--out", "failed.html", "--title", "Declined card")
    assert done.returncode == 0, done.stderr
    assert "report of a FAILED execution" in done.stdout
    need_chromium()
    dom = dump_dom((workdir / "failed.html").as_uri(), workdir / "profile")
    assert re.search(r'<body[^>]*data-ready="1"', dom)
    assert "<title>Declined card</title>" in dom
    assert re.search(r'<span class="status FAILED">FAILED</span>', dom)
    assert "Card.Declined" in dom and "card of order o2 declined" in dom
    assert re.search(r'<g class="state type-task failed" data-state="Charge"', dom)
    assert re.search(r'<g class="state type-pass unvisited" data-state="Done"|<g class="state type-succeed unvisited" '
                     r'data-state="Done"', dom)


@pytest.mark.parametrize("args, message", [
    (["--out", "r.html", "--history", "missing.jsonl"], "cannot read missing.jsonl"),
    (["--out", "r.html", "--history", "orders_input.json", "--input", "{}"], "--history reports a saved run"),
    (["--out", "r.html", "--input", "{bad"], "--input: invalid JSON"),
    (["--out", "no/such/dir/r.html", "--handlers", "charge_handlers.py"], "--out: cannot write"),
])
def test_report_bad_options(workdir, args, message):
    done = aslrun(workdir, "report", "orders.asl.json", *args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_graph_draws_placeholders_without_substitutions(workdir):
    (workdir / "sub.asl.json").write_text(json.dumps({"StartAt": "Call", "States": {"Call": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "${PriceFunctionArn}", "Payload.$": "$"}, "End": True}}}))
    done = aslrun(workdir, "graph", "sub.asl.json", "--format", "dot")
    assert done.returncode == 0, done.stderr
    assert 'label="Call\\nTask"' in done.stdout
    broken = aslrun(workdir, "graph", "sub.asl.json", "--sub", "Other=1")
    assert broken.returncode == 0  # still only missing substitutions: drawn as written
    (workdir / "bad.asl.json").write_text(json.dumps({"StartAt": "Nope", "States": {}}))
    bad = aslrun(workdir, "graph", "bad.asl.json")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_a_history_of_another_machine_is_refused_naming_its_states(workdir):
    (workdir / "other.asl.json").write_text(json.dumps({"StartAt": "Hello", "States": {
        "Hello": {"Type": "Pass", "Next": "Bye"}, "Bye": {"Type": "Succeed"}}}))
    saved = aslrun(workdir, "execute", "other.asl.json", "--history", "other.jsonl", "--json")
    assert saved.returncode == 0, saved.stderr
    done = aslrun(workdir, "report", "orders.asl.json", "--history", "other.jsonl", "--out", "r.html")
    assert done.returncode == 2 and not (workdir / "r.html").exists()
    assert "the run entered states orders.asl.json does not have ('Bye', 'Hello')" in done.stderr


def test_report_times_below_a_millisecond_are_not_zero():
    from aslrun.report.html import duration

    assert [duration(s) for s in (0, 4e-7, 0.00035, 9.9897e-05, 0.0125, 1.2344, 125.04)] == [
        "0", "< 1 µs", "350 µs", "100 µs", "12.5 ms", "1.234 s", "2 min 5.0 s"]

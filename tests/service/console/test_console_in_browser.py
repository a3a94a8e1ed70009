"""The console in a real headless Chromium (the report tests' browser, driven over the DevTools
protocol): a user starts the billing machine from its page, watches it finish, opens a failed
state's error, answers a callback, redrives a failed execution, stops one, and pages through a
Map of 1,000 iterations. The page must raise no script error on the way.

``ASLRUN_CONSOLE_SCREENSHOTS=docs/console`` keeps the screenshots of the run (the docs' pictures);
otherwise they go to a temporary folder and are only checked to be pictures of the page.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .cdp import Page
from tests.helpers.console import ROLE, billing_sample
from tests.helpers.service import history, wait_done

from report_browser import png_size  # noqa: E402


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    with Page(tmp_path_factory.mktemp("chromium-profile"), width=1280, height=900) as opened:
        yield opened
    assert opened.errors == []


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("ASLRUN_CONSOLE_SCREENSHOTS")
    if chosen:
        folder = Path(chosen).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path_factory.mktemp("console-shots")


def shoot(page: Page, shots: Path, name: str, height: int = 1400, top_of: str | None = None) -> None:
    path = page.screenshot(shots / f"{name}.png", full_height=height, top_of=top_of)
    width, tall = png_size(path)
    assert width == 1280 and 300 < tall <= height


def js(value: str) -> str:
    return json.dumps(value)


def start_from_the_machine_page(page: Page, server: Any, machine_name: str, input_text: str) -> str:
    """Open the console's home page, follow the machine's link, type the input, press Start; the
    execution page's ARN."""
    page.open(server.url + "/")
    page.click(f'table.machines a[href$="%3AstateMachine%3A{machine_name}"]')
    page.wait_for("document.getElementById('start-form') && document.body.dataset.ready === '1'")
    page.type_into('textarea[name="input"]', input_text)
    page.wait_for("!document.getElementById('start-button').disabled")
    page.click("#start-button")
    page.wait_for("location.pathname === '/console/execution' && document.body.dataset.version !== undefined")
    return str(page.evaluate("document.body.dataset.arn"))


def test_the_billing_machine_started_from_the_console_and_watched_to_its_end(page: Page, server: Any, sfn: Any,
                                                                             billing: str, shots: Path) -> None:
    page.open(server.url + "/")
    assert page.text("h1") == "State machines"
    shoot(page, shots, "machines", 500)
    page.click('table.machines a[href$="%3AstateMachine%3Abilling"]')
    page.wait_for("document.getElementById('start-form') && document.body.dataset.ready === '1'")
    assert page.evaluate("document.querySelectorAll('.graph svg.machine g.state').length") == 19  # 17 + 2 in branches
    page.type_into('textarea[name="input"]', '{"meterId": "MTR-1001",}')
    page.wait_for("document.getElementById('start-button').disabled")
    assert page.text("#input-check").startswith("not JSON: ")
    assert re.search(r"\(line 1,? column 24\)$", page.text("#input-check"))  # where the stray comma is
    page.type_into('textarea[name="input"]', billing_sample("valid"))
    page.wait_for("!document.getElementById('start-button').disabled")
    assert page.text("#input-check") == "valid JSON"
    shoot(page, shots, "machine", 1300)
    page.click("#start-button")
    page.wait_for("document.body.dataset.status === 'SUCCEEDED'")
    arn = page.evaluate("document.body.dataset.arn")
    described = sfn.describe_execution(executionArn=arn)
    assert described["status"] == "SUCCEEDED"
    assert page.evaluate("Array.from(document.querySelectorAll('#cards .card h3')).map(h => h.textContent)") == \
        ["Input", "Output"]
    assert page.evaluate(f"""(function (expected) {{  // the output, drawn as JSON.stringify draws it, cut at 20,000
        var shown = document.querySelectorAll('#cards .card pre')[1].textContent;
        return shown.slice(0, 20000) === JSON.stringify(expected, null, 2).slice(0, 20000); }})({described["output"]})""")
    page.wait_for("document.querySelectorAll('#runs-table tbody tr').length === 12")
    assert page.evaluate("document.querySelector('#drawing g.state[data-state=\"BillingComplete\"]')"
                         ".classList.contains('visited')")
    assert page.evaluate("document.querySelector('#drawing g.state[data-state=\"PaymentError\"]')"
                         ".classList.contains('unvisited')")
    events = history(sfn, arn)
    page.wait_for(f"document.querySelectorAll('#events-table tbody tr').length === {min(100, len(events))}")
    page.click('#runs-table tbody tr[data-state="ValidateMeterReading"]')
    page.wait_for("!document.getElementById('run-detail').hidden && document.getElementById('stages')")
    assert page.evaluate("Array.from(document.querySelectorAll('#stages .stage')).map(s => s.dataset.stage)") == \
        ["input", "afterInputPath", "afterParameters", "result", "afterResultSelector", "afterResultPath", "output"]
    shoot(page, shots, "execution", 2200)


def test_a_failed_states_error_is_opened_from_the_graph(page: Page, server: Any, sfn: Any, billing: str,
                                                        shots: Path) -> None:
    arn = start_from_the_machine_page(page, server, "billing", billing_sample("payment_failure"))
    page.wait_for("document.body.dataset.status === 'FAILED'")
    assert page.text("#execution-error pre") == "PaymentError"
    assert sfn.describe_execution(executionArn=arn)["error"] == "PaymentError"
    page.click('#drawing g.state[data-state="ProcessPayment"]')
    page.wait_for("document.querySelectorAll('#runs-table tbody tr').length === 1 && "
                  "document.querySelector('#runs-table tbody tr').dataset.state === 'ProcessPayment'")
    assert "only ProcessPayment" in page.text("#runs-note")
    page.click('#runs-table tbody tr[data-state="ProcessPayment"]')
    page.wait_for("document.getElementById('run-error')")
    assert page.evaluate("document.querySelectorAll('#run-error pre')[0].textContent") == "PaymentGatewayError"
    assert "payment gateway unavailable (simulated) on attempt 4" in page.text("#run-error")
    shoot(page, shots, "failed-state", 1800)


def test_a_callback_answered_with_a_failure_is_redriven_and_answered(page: Page, server: Any, sfn: Any,
                                                                     approval: str, shots: Path) -> None:
    arn = start_from_the_machine_page(page, server, "approval", '{"order": 7}')
    page.wait_for("document.querySelector('#waiting .callback')")
    assert page.evaluate("document.querySelector('#waiting .callback').dataset.state") == "AskForApproval"
    page.wait_for("document.querySelector('#drawing g.state[data-state=\"AskForApproval\"]').classList.contains('running')")
    shoot(page, shots, "callback", 900)
    page.type_into("#waiting .callback-error", "Rejected")
    page.type_into("#waiting .callback-cause", "over budget")
    page.click("#waiting .send-failure")
    page.wait_for("document.body.dataset.status === 'FAILED'")
    assert page.evaluate("Array.from(document.querySelectorAll('#execution-error pre')).map(p => p.textContent)") == \
        ["Rejected", "over budget"]
    page.click("#redrive-button")
    page.wait_for("document.body.dataset.status === 'RUNNING' && document.querySelector('#waiting .callback')")
    page.type_into("#waiting .callback-output", '{"approved": true}')
    page.click("#waiting .send-success")
    page.wait_for("document.body.dataset.status === 'SUCCEEDED'")
    assert page.evaluate("JSON.parse(document.querySelectorAll('#cards .card pre')[1].textContent)") == \
        {"order": 7, "approval": {"approved": True}}
    described = sfn.describe_execution(executionArn=arn)
    assert (described["status"], described["redriveCount"]) == ("SUCCEEDED", 1)


def test_the_stop_button_aborts_a_waiting_execution(page: Page, server: Any, sfn: Any, approval: str) -> None:
    arn = start_from_the_machine_page(page, server, "approval", '{"order": 8}')
    page.wait_for("document.querySelector('#waiting .callback')")
    page.click("#stop-button")
    page.wait_for("document.body.dataset.status === 'ABORTED'")
    assert sfn.describe_execution(executionArn=arn)["status"] == "ABORTED"
    assert page.evaluate("document.getElementById('stop-button')") is None
    assert page.evaluate("!!document.getElementById('redrive-button')")


def test_a_map_of_1000_iterations_is_shown_a_page_at_a_time(page: Page, server: Any, sfn: Any, shots: Path) -> None:
    machine = sfn.create_state_machine(name="thousand", roleArn=ROLE, definition=json.dumps({
        "StartAt": "Each", "States": {"Each": {"Type": "Map", "ItemsPath": "$.items", "ToleratedFailureCount": 1,
                                               "End": True, "ItemProcessor": {"StartAt": "Check", "States": {
                                                   "Check": {"Type": "Choice", "Default": "Keep", "Choices": [
                                                       {"Variable": "$", "NumericEquals": 640, "Next": "Refuse"}]},
                                                   "Refuse": {"Type": "Fail", "Error": "Refused"},
                                                   "Keep": {"Type": "Pass", "End": True}}}}}}))["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"items": list(range(1000))}))["executionArn"]
    page.open(f"{server.url}/console/execution?arn={arn}")
    page.wait_for("document.body.dataset.status === 'SUCCEEDED'")
    page.wait_for("document.querySelectorAll('#runs-table tbody tr').length === 100")
    page.wait_for("document.querySelectorAll('#events-table tbody tr').length === 100")
    assert page.text("#runs .pager").strip() == "page 1 of 21 next \u203a"
    page.click('#runs-table tbody tr[data-state="Each"]')
    page.click("#show-iterations")
    page.wait_for("document.querySelectorAll('#iterations-table tbody tr').length === 100")
    assert page.text("#iterations h2 .note") == "999 succeeded, 1 failed"
    page.evaluate("var s = document.getElementById('iteration-filter'); s.value = 'FAILED';"
                  "s.dispatchEvent(new Event('change'))")
    page.wait_for("document.querySelectorAll('#iterations-table tbody tr').length === 1")
    cells = page.evaluate("Array.from(document.querySelectorAll('#iterations-table tbody tr td')).map(td => td.textContent)")
    assert cells[:3] + cells[4:6] == ["640", "failed", "2", "Refuse", "Refused"]  # [3]: how long it took
    page.evaluate("var s = document.getElementById('iteration-filter'); s.value = '';"
                  "s.dispatchEvent(new Event('change'))")
    page.wait_for("document.querySelectorAll('#iterations-table tbody tr').length === 100")
    shoot(page, shots, "map-iterations", 900, top_of="#iterations")
    page.evaluate("var s = document.getElementById('iteration-filter'); s.value = 'FAILED';"
                  "s.dispatchEvent(new Event('change'))")
    page.wait_for("document.querySelectorAll('#iterations-table tbody tr').length === 1")
    page.click("#iterations-table tbody tr a")
    page.wait_for("document.querySelectorAll('#runs-table tbody tr').length === 2")
    assert page.evaluate("Array.from(document.querySelectorAll('#runs-table tbody tr')).map(r => r.dataset.state)") == \
        ["Check", "Refuse"]


def test_a_child_execution_links_back_to_its_parent(page: Page, server: Any, sfn: Any) -> None:
    child = sfn.create_state_machine(name="little", roleArn=ROLE, definition=json.dumps(
        {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}))["stateMachineArn"]
    parent = sfn.create_state_machine(name="big", roleArn=ROLE, definition=json.dumps({"StartAt": "Nested", "States": {
        "Nested": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
                   "Parameters": {"StateMachineArn": child, "Input": {"n": 1}}, "End": True}}}))["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=parent, input="{}")["executionArn"]
    page.open(f"{server.url}/console/execution?arn={arn}")
    page.wait_for("document.body.dataset.status === 'SUCCEEDED' && document.querySelector('#children .child-link')")
    page.click("#children .child-link")
    page.wait_for("location.search.indexOf('little') > 0 && document.body.dataset.status === 'SUCCEEDED'")
    page.wait_for("document.getElementById('parent-link')")
    assert page.evaluate("document.getElementById('parent-link').getAttribute('href')") == \
        "/console/execution?arn=" + arn.replace(":", "%3A")


def test_the_executions_list_filters_by_status(page: Page, server: Any, sfn: Any, billing: str, shots: Path) -> None:
    failed = sfn.start_execution(stateMachineArn=billing, input=billing_sample("invalid"))["executionArn"]
    succeeded = sfn.start_execution(stateMachineArn=billing, input=billing_sample("valid"))["executionArn"]
    for arn in (failed, succeeded):
        wait_done(sfn, arn)
    page.open(f"{server.url}/console/executions")
    page.evaluate("document.querySelector('select[name=status]').value = 'FAILED'")
    page.evaluate("document.querySelector('form.filters').submit()")
    page.wait_for("location.search.indexOf('status=FAILED') > 0 && document.body.dataset.ready === '1'")
    statuses = page.evaluate("Array.from(document.querySelectorAll('table.executions tbody .status'))"
                             ".map(s => s.textContent)")
    assert statuses and set(statuses) == {"FAILED"}
    names = page.evaluate("Array.from(document.querySelectorAll('table.executions tbody td:first-child a'))"
                          ".map(a => a.textContent)")
    assert failed.rsplit(":", 1)[-1] in names and succeeded.rsplit(":", 1)[-1] not in names
    page.open(f"{server.url}/console/executions")
    shoot(page, shots, "executions", 700)


def test_an_open_page_follows_what_happens_elsewhere(page: Page, server: Any, sfn: Any, approval: str) -> None:
    """No click: the page sees the task wait, then the answer an SDK sends, and the run's end."""
    arn = sfn.start_execution(stateMachineArn=approval, input='{"order": 9}')["executionArn"]
    page.open(f"{server.url}/console/execution?arn={arn}")
    page.wait_for("document.querySelector('#waiting .callback')")
    assert page.text("#running") == "Running now: AskForApproval"
    token = page.evaluate("document.querySelector('#waiting .token').title")
    sfn.send_task_success(taskToken=token, output='{"approved": "by mail"}')
    page.wait_for("document.body.dataset.status === 'SUCCEEDED'")
    assert page.evaluate("document.getElementById('waiting').hidden")
    assert page.text("#running") == ""
    assert page.evaluate("JSON.parse(document.querySelectorAll('#cards .card pre')[1].textContent)") == \
        {"order": 9, "approval": {"approved": "by mail"}}
    assert page.evaluate("document.querySelector('#drawing g.state[data-state=\"Approved\"]').classList.contains('visited')")


#: the page's first request for state runs is answered only after its next one has been answered
#: and shown; ``window.firstRunsDone`` is set once the page has had that first answer (a task after
#: the microtasks in which the page takes it)
ANSWERS_OUT_OF_ORDER = """
(function () {
  var realFetch = window.fetch, asked = 0, releaseFirst = null;
  var secondShown = new Promise(function (resolve) { releaseFirst = resolve; });
  window.releaseFirstRuns = function () { releaseFirst(); };
  window.fetch = function (url) {
    var answer = realFetch.apply(this, arguments);
    if (String(url).indexOf('/console/api/execution/runs') < 0) { return answer; }
    asked += 1;
    if (asked !== 1) { return answer; }
    return answer.then(function (response) {
      return secondShown.then(function () {
        var json = response.json.bind(response);
        response.json = function () {
          var body = json();
          body.then(function () { setTimeout(function () { window.firstRunsDone = true; }, 0); });
          return body;
        };
        return response;
      });
    });
  };
})();
"""


def test_an_older_answer_arriving_late_does_not_put_back_what_a_later_one_showed(page: Page, server: Any,
                                                                                  sfn: Any) -> None:
    """The page asks for the state runs again when the execution grows or a state is chosen; the
    answers may arrive out of order (an execution that ended right after a poll kept the runs of
    that poll for good). Here the first answer (every run) comes after the second (one state's)."""
    machine = sfn.create_state_machine(name="two-steps", roleArn=ROLE, definition=json.dumps({
        "StartAt": "First", "States": {"First": {"Type": "Pass", "Next": "Second"},
                                       "Second": {"Type": "Pass", "End": True}}}))["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    wait_done(sfn, arn)
    script = page.send("Page.addScriptToEvaluateOnNewDocument", source=ANSWERS_OUT_OF_ORDER)["identifier"]
    try:
        page.open(f"{server.url}/console/execution?arn={arn}")
        page.wait_for("document.body.dataset.status === 'SUCCEEDED'")
        page.click('#drawing g.state[data-state="Second"]')
        page.wait_for("document.querySelectorAll('#runs-table tbody tr').length === 1")
        page.evaluate("window.releaseFirstRuns()")
        page.wait_for("window.firstRunsDone === true")
        shown = page.evaluate("Array.from(document.querySelectorAll('#runs-table tbody tr')).map(r => r.dataset.state)")
        assert shown == ["Second"]
        assert "only Second" in page.text("#runs-note")
    finally:
        page.send("Page.removeScriptToEvaluateOnNewDocument", identifier=script)

"""The console's pages, JSON and actions against a real ``aslrun serve`` (a subprocess on a free
port, virtual time, stopped by its pid): what it shows agrees with the API, long lists come a page
at a time, and only its own pages can act through it."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from aslrun.report.svg import STYLE

from tests.helpers.console import ROLE, ConsoleClient, billing_sample
from tests.helpers.service import history

BILLING_PATH = ["ValidateMeterReading", "IsReadingValid", "CheckMeterStatus", "IsMeterOnline", "CalculateUsage",
                "AnomalyAndBillingAnalysis", "DetectAnomaly", "GenerateBill", "IsAnomalyFlagged", "ProcessPayment",
                "NotifyCustomer", "BillingComplete"]


def create(sfn: Any, name: str, definition: dict[str, Any]) -> str:
    return str(sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"])


def start(console: ConsoleClient, machine: str, input: Any) -> str:
    answer = console.act("start", {"stateMachineArn": machine, "input": json.dumps(input)})
    assert answer.status == 200, answer.text
    return str(answer.json["executionArn"])


# -- the root URL: the console for a browser, the API for a client -----------------------------------------


def test_a_browser_gets_the_console_at_the_root_and_an_sdk_the_api(console: ConsoleClient, sfn: Any,
                                                                     billing: str) -> None:
    page = console.page("/")
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    assert '<a href="/console/machine?arn=arn%3Aaws%3Astates%3Aus-east-1%3A123456789012%3AstateMachine%3Abilling">' \
           "billing</a>" in page.text
    plain = console.request("GET", "/")
    assert plain.headers["Content-Type"].startswith("text/plain")
    assert plain.text.startswith("aslrun serve: the AWS Step Functions API.")
    # a POST to / is the API's, whatever the client accepts
    api = console.request("POST", "/", b"{}", {"X-Amz-Target": "AWSStepFunctions.ListStateMachines",
                                               "Content-Type": "application/x-amz-json-1.0", "Accept": "text/html"})
    assert api.status == 200 and [m["name"] for m in api.json["stateMachines"]] == \
        [m["name"] for m in sfn.list_state_machines()["stateMachines"]]
    unnamed = console.request("POST", "/", b"{}", {"Content-Type": "application/x-amz-json-1.0"})
    assert unnamed.status == 400 and unnamed.json["__type"].endswith("UnknownOperationException")


def test_every_page_needs_only_the_servers_own_assets(console: ConsoleClient, billing: str) -> None:
    for path, query in [("/", {}), ("/console/machine", {"arn": billing}), ("/console/executions", {})]:
        page = console.page(path, **query).text
        sources = re.findall(r'(?:src|href)="([^"#]+)"', page)
        assets = [s for s in sources if not s.startswith("/console/") and s != "/"]
        assert assets == [], (path, assets)
        assert sorted(set(re.findall(r'/console/assets/[\w.]+', page))) == [
            "/console/assets/console.css", "/console/assets/console.js", "/console/assets/drawing.css"]
    script = console.request("GET", "/console/assets/console.js")
    assert script.status == 200 and script.headers["Content-Type"].startswith("text/javascript")
    assert "http://" not in script.text and "https://" not in script.text
    assert console.request("GET", "/console/assets/drawing.css").text == STYLE  # the report's own styles
    assert console.request("GET", "/console/assets/secrets.txt").status == 404


# -- actions: only from the console's pages -----------------------------------------------------------------


@pytest.mark.parametrize(("headers", "says"), [
    ({"X-Console-Token": ""}, "token is missing or out of date"),
    ({"X-Console-Token": "guessed"}, "token is missing or out of date"),
    ({"Origin": "http://evil.example"}, "Origin: http://evil.example"),
    ({"Sec-Fetch-Site": "cross-site"}, "Sec-Fetch-Site: cross-site"),
    ({"Content-Type": "text/plain"}, "sent as application/json"),
    ({"Host": "rebound.example:8083"}, "not Host 'rebound.example:8083'"),
])
def test_an_action_from_elsewhere_is_refused_and_changes_nothing(console: ConsoleClient, sfn: Any, billing: str,
                                                                  headers: dict[str, str], says: str) -> None:
    before = sfn.list_executions(stateMachineArn=billing)["executions"]
    answer = console.act("start", {"stateMachineArn": billing, "input": billing_sample("valid")}, headers=headers)
    assert answer.status == 403
    assert answer.json["error"] == "Forbidden" and says in answer.json["message"]
    assert sfn.list_executions(stateMachineArn=billing)["executions"] == before


def test_a_page_asked_for_by_another_host_name_is_refused(console: ConsoleClient) -> None:
    answer = console.request("GET", "/console/executions", headers={"Host": "rebound.example", "Accept": "text/html"})
    assert answer.status == 403
    assert console.request("GET", "/console/api/machines", headers={"Host": "localhost:1"}).status == 200


def test_input_that_is_not_json_is_refused_naming_the_place(console: ConsoleClient, sfn: Any, billing: str) -> None:
    answer = console.act("start", {"stateMachineArn": billing, "input": '{\n  "meterId": \n}'})
    assert answer.status == 400
    assert answer.json == {"error": "ValidationException",
                           "message": "input is not JSON: Expecting value at line 3, column 1"}


def test_the_api_refuses_what_it_refuses_in_its_own_words(console: ConsoleClient) -> None:
    missing = "arn:aws:states:us-east-1:123456789012:stateMachine:nowhere"
    answer = console.act("start", {"stateMachineArn": missing, "input": "{}"})
    assert answer.status == 400
    assert answer.json == {"error": "StateMachineDoesNotExist", "message": f"State Machine Does Not Exist: '{missing}'"}
    assert console.act("explode", {}).json == {"error": "UnknownOperationException",
                                               "message": "the console has no action 'explode'"}


# -- an execution as the console shows it ---------------------------------------------------------------------


def test_a_billing_run_started_from_the_console_agrees_with_the_api(console: ConsoleClient, sfn: Any,
                                                                     billing: str) -> None:
    arn = start(console, billing, json.loads(billing_sample("valid")))
    view = console.closed(arn)
    described = sfn.describe_execution(executionArn=arn)
    assert view["status"] == described["status"] == "SUCCEEDED"
    assert view["output"] == json.loads(described["output"])
    assert view["input"] == json.loads(billing_sample("valid"))
    events = history(sfn, arn)
    assert view["events"] == len(events) and view["version"] == events[-1]["id"]
    runs = console.get("execution/runs", arn=arn)
    assert [run["name"] for run in runs["runs"]] == BILLING_PATH
    assert {run["status"] for run in runs["runs"]} == {"SUCCEEDED"}
    assert [run["where"] for run in runs["runs"] if run["depth"]] == [
        "AnomalyAndBillingAnalysis > [0] DetectAnomaly", "AnomalyAndBillingAnalysis > [1] GenerateBill"]
    assert sorted(t["state"] for t in view["timings"]) == sorted(BILLING_PATH)
    assert re.search(r'<g class="state type-succeed visited" data-state="BillingComplete"', view["drawing"])
    assert re.search(r'<g class="state type-fail unvisited" data-state="PaymentError"', view["drawing"])
    assert "drawing" not in console.get("execution", arn=arn, since=view["version"])  # sent again only if it grew
    listed = console.get("executions", machine=billing, status="SUCCEEDED")
    assert arn in [e["arn"] for e in listed["executions"]]
    assert console.get("executions", q=arn.rsplit(":", 1)[-1][:13])["executions"][0]["arn"] == arn


def test_a_failed_states_error_is_on_its_run(console: ConsoleClient, sfn: Any, billing: str) -> None:
    arn = start(console, billing, json.loads(billing_sample("payment_failure")))
    view = console.closed(arn)
    described = sfn.describe_execution(executionArn=arn)
    assert (view["status"], view["error"], view["cause"]) == ("FAILED", described["error"], described["cause"])
    assert described["error"] == "PaymentError"
    runs = {run["name"]: run for run in console.get("execution/runs", arn=arn)["runs"]}
    payment = console.get("execution/run", arn=arn, id=runs["ProcessPayment"]["id"])
    assert (payment["status"], payment["error"], payment["attempts"]) == ("CAUGHT", "PaymentGatewayError", 4)
    assert json.loads(payment["cause"])["errorMessage"].startswith("payment gateway unavailable (simulated) on attempt 4")
    failed = console.get("execution/run", arn=arn, id=runs["PaymentError"]["id"])
    assert (failed["status"], failed["error"], failed["cause"]) == ("FAILED", "PaymentError", described["cause"])
    assert console.get("execution/runs", arn=arn, state="ProcessPayment")["total"] == 1
    assert arn in [e["arn"] for e in console.get("executions", status="FAILED", machine=billing)["executions"]]
    assert arn not in [e["arn"] for e in console.get("executions", status="SUCCEEDED")["executions"]]


def test_each_state_run_shows_the_debuggers_data_flow_stages(console: ConsoleClient, sfn: Any) -> None:
    machine = create(sfn, "data-flow", {"StartAt": "Pick", "States": {
        "Pick": {"Type": "Pass", "InputPath": "$.order", "Parameters": {"value.$": "$.qty"}, "ResultPath": "$.picked",
                 "Next": "Double"},
        "Double": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:double",
                   "InputPath": "$.picked", "ResultSelector": {"doubled.$": "$.value"}, "ResultPath": "$.result",
                   "OutputPath": "$.result", "End": True}}})
    arn = start(console, machine, {"order": {"qty": 7}, "keep": True})
    assert console.closed(arn)["output"] == {"doubled": 14}
    pick, double = console.get("execution/runs", arn=arn)["runs"]
    assert console.get("execution/run", arn=arn, id=pick["id"])["stages"] == {
        "input": {"order": {"qty": 7}, "keep": True}, "afterInputPath": {"qty": 7}, "afterParameters": {"value": 7},
        "result": {"value": 7}, "afterResultSelector": {"value": 7},
        "afterResultPath": {"order": {"qty": 7}, "keep": True, "picked": {"value": 7}},
        "output": {"order": {"qty": 7}, "keep": True, "picked": {"value": 7}}}
    shown = console.get("execution/run", arn=arn, id=double["id"])
    assert shown["stages"] == {
        "input": {"order": {"qty": 7}, "keep": True, "picked": {"value": 7}}, "afterInputPath": {"value": 7},
        "afterParameters": {"value": 7}, "result": {"value": 14}, "afterResultSelector": {"doubled": 14},
        "afterResultPath": {"order": {"qty": 7}, "keep": True, "picked": {"value": 7}, "result": {"doubled": 14}},
        "output": {"doubled": 14}}  # ResultPath merges into the state's raw input, as on AWS
    assert (shown["input"], shown["output"], shown["exited"]) == ({"order": {"qty": 7}, "keep": True,
                                                                    "picked": {"value": 7}}, {"doubled": 14}, True)


# -- actions on an execution ------------------------------------------------------------------------------------


def test_a_callback_answered_with_a_failure_then_redriven_then_answered(console: ConsoleClient, sfn: Any,
                                                                         approval: str) -> None:
    arn = start(console, approval, {"order": 7})
    waiting = console.waiting(arn)["waiting"]
    scheduled = next(e for e in history(sfn, arn) if e["type"] == "TaskScheduled")
    token = json.loads(scheduled["taskScheduledEventDetails"]["parameters"])["Payload"]["token"]
    assert waiting == [{"state": "AskForApproval", "resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                        "token": token}]
    assert console.get("execution", arn=arn)["running"] == ["AskForApproval"]
    bad = console.act("callback", {"executionArn": arn, "taskToken": token, "outcome": "success", "output": "{"})
    assert bad.status == 400 and bad.json["message"].startswith("output is not JSON")
    answer = console.act("callback", {"executionArn": arn, "taskToken": token, "outcome": "failure",
                                      "error": "Rejected", "cause": "over budget"})
    assert answer.status == 200, answer.text
    failed = console.closed(arn)
    assert (failed["status"], failed["error"], failed["cause"], failed["redrivable"]) == \
        ("FAILED", "Rejected", "over budget", True)
    assert console.act("redrive", {"executionArn": arn}).status == 200
    again = console.waiting(arn)
    assert again["status"] == "RUNNING" and again["redriveCount"] == 1
    assert again["waiting"][0]["token"] != token
    answer = console.act("callback", {"executionArn": arn, "taskToken": again["waiting"][0]["token"],
                                      "outcome": "success", "output": '{"approved": true}'})
    assert answer.status == 200, answer.text
    done = console.closed(arn)
    assert (done["status"], done["output"]) == ("SUCCEEDED", {"order": 7, "approval": {"approved": True}})
    described = sfn.describe_execution(executionArn=arn)
    assert (described["status"], described["redriveCount"]) == ("SUCCEEDED", 1)
    stale = console.act("callback", {"executionArn": arn, "taskToken": token, "outcome": "success", "output": "{}"})
    assert stale.json == {"error": "TaskTimedOut", "message": "Task Timed Out: 'Provided task does not exist anymore'"}


def test_stop_aborts_a_waiting_execution(console: ConsoleClient, sfn: Any, approval: str) -> None:
    arn = start(console, approval, {"order": 8})
    console.waiting(arn)
    answer = console.act("stop", {"executionArn": arn, "error": "aslrun.Console", "cause": "stopped by hand"})
    assert answer.status == 200
    view = console.closed(arn)
    assert (view["status"], view["error"], view["cause"], view["waiting"]) == \
        ("ABORTED", "aslrun.Console", "stopped by hand", [])
    assert sfn.describe_execution(executionArn=arn)["status"] == "ABORTED"


# -- long lists, a page at a time -----------------------------------------------------------------------------------


def test_2500_map_iterations_and_their_10000_events_come_a_page_at_a_time(console: ConsoleClient, sfn: Any) -> None:
    machine = create(sfn, "wide-map", {"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "ItemsPath": "$.items", "ToleratedFailureCount": 1, "End": True,
        "ItemProcessor": {"StartAt": "Check", "States": {
            "Check": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 500, "Next": "Refuse"}],
                      "Default": "Keep"},
            "Refuse": {"Type": "Fail", "Error": "Refused", "Cause": "item 500"},
            "Keep": {"Type": "Pass", "End": True}}}}}})
    arn = start(console, machine, {"items": list(range(2500))})
    view = console.closed(arn)
    assert view["status"] == "SUCCEEDED"
    events = history(sfn, arn)
    assert view["events"] == len(events) > 10_000
    summary = console.request("GET", f"/console/api/execution?arn={arn}")
    assert len(summary.body) < 40_000  # the drawing and the summary: no list of runs or events in it
    the_map = console.get("execution/runs", arn=arn, state="Each")["runs"][0]
    first = console.get("execution/iterations", arn=arn, id=the_map["id"])
    assert (first["total"], first["pages"], first["counts"]) == (2500, 25, {"SUCCEEDED": 2499, "FAILED": 1})
    assert [row["index"] for row in first["iterations"]] == list(range(100))
    fourth = dict(first["iterations"][3])
    took = fourth.pop("took")  # this server's clock moves with real time: a busy machine makes it 0.001
    assert fourth == {"index": 3, "status": "SUCCEEDED", "states": 2, "current": "Keep", "error": None}
    assert isinstance(took, float) and 0 <= took < 1
    last = console.get("execution/iterations", arn=arn, id=the_map["id"], page=25)
    assert [row["index"] for row in last["iterations"]] == list(range(2400, 2500))
    failed = console.get("execution/iterations", arn=arn, id=the_map["id"], status="FAILED")
    assert [(r["index"], r["status"], r["current"], r["error"]) for r in failed["iterations"]] == \
        [(500, "FAILED", "Refuse", "Refused")]
    inside = console.get("execution/runs", arn=arn, within=the_map["id"], iteration=500)
    assert [(r["where"], r["status"]) for r in inside["runs"]] == [("Each > [500] Check", "SUCCEEDED"),
                                                                  ("Each > [500] Refuse", "FAILED")]
    runs = console.get("execution/runs", arn=arn, page=2)
    assert (runs["total"], runs["pages"], len(runs["runs"]), runs["runs"][0]["n"]) == (5001, 51, 100, 101)
    page = console.get("execution/events", arn=arn, page=3)
    assert page["total"] == len(events) and page["pages"] == -(-len(events) // 100)
    assert [e["id"] for e in page["events"]] == [e["id"] for e in events[200:300]]
    assert [e["type"] for e in page["events"]] == [e["type"] for e in events[200:300]]


# -- child executions ---------------------------------------------------------------------------------------------


def test_child_executions_and_map_run_children_link_to_their_parent(console: ConsoleClient, sfn: Any) -> None:
    child_machine = create(sfn, "child", {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})
    parent_machine = create(sfn, "parent", {"StartAt": "Nested", "States": {
        "Nested": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
                   "Parameters": {"StateMachineArn": child_machine, "Input": {"n": 1}}, "ResultPath": "$.nested",
                   "Next": "Spread"},
        "Spread": {"Type": "Map", "ItemsPath": "$.items", "End": True, "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Each", "States": {"Each": {"Type": "Pass", "End": True}}}}}})
    arn = start(console, parent_machine, {"items": [1, 2, 3]})
    view = console.closed(arn)
    assert view["status"] == "SUCCEEDED"
    [child] = view["children"]
    assert child["machineArn"] == child_machine and child["status"] == "SUCCEEDED"
    assert console.get("execution", arn=child["arn"])["parent"] == {"arn": arn, "name": view["name"],
                                                                    "status": "SUCCEEDED", "mapRunArn": None}
    [run] = view["mapRuns"]
    assert (run["state"], run["status"], run["counts"]) == ("Spread", "SUCCEEDED", {"SUCCEEDED": 3})
    listed = console.get("map-run/executions", arn=run["arn"])
    assert listed["total"] == 3
    assert [e["arn"] for e in listed["executions"]] == \
        [e["executionArn"] for e in reversed(sfn.list_executions(mapRunArn=run["arn"])["executions"])]
    grandchild = console.get("execution", arn=listed["executions"][0]["arn"])
    assert grandchild["parent"] == {"arn": arn, "name": view["name"], "status": "SUCCEEDED", "mapRunArn": run["arn"]}
    assert child["arn"] not in [e["arn"] for e in console.get("executions")["executions"]]  # top level only
    assert child["arn"] in [e["arn"] for e in console.get("executions", children=1)["executions"]]


def test_what_is_not_there_is_named(console: ConsoleClient) -> None:
    missing = "arn:aws:states:us-east-1:123456789012:execution:billing:nope"
    page = console.page("/console/execution", arn=missing)
    assert page.status == 404 and f"no execution {missing}" in page.text
    answer = console.request("GET", f"/console/api/execution?arn={missing}")
    assert answer.status == 404 and answer.json == {"error": "NotFound", "message": f"no execution {missing}"}


def test_a_machines_versions_and_aliases_and_a_start_through_an_alias(console: ConsoleClient, sfn: Any) -> None:
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "Result": "v1", "End": True}}}
    created = sfn.create_state_machine(name="versioned", definition=json.dumps(definition), roleArn=ROLE,
                                       publish=True, versionDescription="first")
    machine, version = created["stateMachineArn"], created["stateMachineVersionArn"]
    definition["States"]["Done"]["Result"] = "v2"
    sfn.update_state_machine(stateMachineArn=machine, definition=json.dumps(definition))
    alias = sfn.create_state_machine_alias(name="live", routingConfiguration=[
        {"stateMachineVersionArn": version, "weight": 100}])["stateMachineAliasArn"]
    view = console.get("machine", arn=machine)
    assert [(v["arn"], v["version"], v["description"]) for v in view["versions"]] == [(version, 1, "first")]
    assert [(a["arn"], a["name"], a["routing"]) for a in view["aliases"]] == \
        [(alias, "live", [{"stateMachineVersionArn": version, "weight": 100}])]
    assert json.loads(view["definition"]) == definition  # the latest revision
    page = console.page("/console/machine", arn=machine).text
    assert f'<option value="{alias}">alias live</option>' in page
    assert f'<option value="{version}">version 1</option>' in page
    assert "version 1: 100%" in page
    arn = start(console, alias, {})
    done = console.closed(arn)
    assert (done["output"], done["aliasArn"], done["versionArn"]) == ("v1", alias, version)
    latest = console.closed(start(console, machine, {}))
    assert (latest["output"], latest["aliasArn"], latest["versionArn"]) == ("v2", None, None)


def test_a_child_waiting_for_its_token_is_answered_from_its_own_page(console: ConsoleClient, sfn: Any,
                                                                    approval: str) -> None:
    parent_machine = create(sfn, "asks-a-child", {"StartAt": "Ask", "States": {"Ask": {
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
        "Parameters": {"StateMachineArn": approval, "Input": {"order": 3}}, "OutputPath": "$.Output", "End": True}}})
    arn = start(console, parent_machine, {})
    child = console.until(arn, lambda view: view["children"], "started its child")["children"][0]["arn"]
    waiting = console.waiting(child)
    assert [task["state"] for task in waiting["waiting"]] == ["AskForApproval"]
    assert (waiting["stoppable"], waiting["parent"]["arn"]) == (False, arn)
    parent = console.get("execution", arn=arn)
    assert (parent["waiting"], parent["stoppable"], parent["running"]) == ([], True, ["Ask"])
    answer = console.act("callback", {"executionArn": child, "taskToken": waiting["waiting"][0]["token"],
                                      "outcome": "success", "output": '{"approved": "yes"}'})
    assert answer.status == 200, answer.text
    assert console.closed(arn)["output"] == {"order": 3, "approval": {"approved": "yes"}}
    assert console.get("execution", arn=child)["status"] == "SUCCEEDED"


def test_the_server_says_where_its_console_is(server: Any) -> None:
    lines = [line.rstrip("\n") for line in server.output]
    assert f"aslrun serve: console on {server.url}/ (a browser; docs/console.md)" in lines
    assert lines.index(f"aslrun serve: console on {server.url}/ (a browser; docs/console.md)") < \
        next(i for i, line in enumerate(lines) if "Step Functions API on" in line)  # the ready line stays last

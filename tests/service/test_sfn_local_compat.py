"""``aslrun serve`` as a drop-in for AWS Step Functions Local: its two testing features.

* Mocked service integrations (``SFN_MOCK_CONFIG`` / ``--mock-config``): ``StartExecution`` on
  ``<stateMachineArn>#<TestCase>`` runs that test case of the mock configuration file, whose
  ``StateMachines`` are keyed by the name given to ``CreateStateMachine``. Mocked Tasks answer from
  their mocked responses invocation by invocation (retries count); the others call their resource.
* ``LAMBDA_ENDPOINT`` / ``--lambda-endpoint``: Lambda tasks no Python handler serves are sent to a
  Lambda Invoke API (what ``sam local start-lambda`` serves); here a small fake of it runs in a thread.

References: AWS's "Using mocked service integrations for testing in Step Functions Local", its
"Configuration file for mocked service integrations" and "Setting configuration options for Step
Functions Local" pages.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.service import HANDLERS, ROLE, history, wait_done
from .server_process import ServerProcess

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:"

# -- the state machines and their mock configuration ------------------------------------------------

ORDER_FLOW = {
    "StartAt": "Charge",
    "States": {
        "Charge": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "ChargeCard", "Payload.$": "$"},
            "ResultPath": "$.charge",
            "Retry": [{"ErrorEquals": ["Lambda.ServiceException", "Lambda.TooManyRequestsException"],
                       "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2}],
            "Catch": [{"ErrorEquals": ["Payment.Declined"], "ResultPath": "$.declined", "Next": "Declined"}],
            "Next": "Save",
        },
        "Save": {
            "Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
            "Parameters": {"TableName": "Orders", "Item": {"id": {"S.$": "$.id"}}},
            "ResultPath": "$.saved", "End": True,
        },
        "Declined": {"Type": "Pass", "End": True},
    },
}

STOCK_CHECK = {  # an EXPRESS machine: an AWS SDK integration, then a function by its bare ARN
    "StartAt": "Lookup",
    "States": {
        "Lookup": {
            "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:getItem",
            "Parameters": {"TableName": "Stock", "Key": {"sku": {"S.$": "$.sku"}}},
            "ResultPath": "$.stock", "Next": "Check",
        },
        "Check": {"Type": "Task", "Resource": FUNCTION + "CheckStock", "ResultPath": "$.check", "End": True},
    },
}

APPROVAL_FLOW = {  # a callback task: mocked, it answers at once, with no SendTaskSuccess
    "StartAt": "AskApproval",
    "States": {"AskApproval": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/approvals",
                       "MessageBody": {"token.$": "$$.Task.Token"}},
        "TimeoutSeconds": 3600, "End": True}},
}

CHARGE_RESPONSE = {"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": {"charged": 42, "currency": "EUR"}}
SAVE_RESPONSE = {"SdkHttpMetadata": {"HttpStatusCode": 200}, "SdkResponseMetadata": {"RequestId": "mocked-put"}}
STOCK_ITEM = {"Item": {"sku": {"S": "A-1"}, "count": {"N": "3"}}}
SERVICE_EXCEPTION = {"Error": "Lambda.ServiceException", "Cause": "Lambda is having a bad day."}
TOO_MANY_REQUESTS = {"Error": "Lambda.TooManyRequestsException", "Cause": "Rate Exceeded."}
DECLINED = {"Error": "Payment.Declined", "Cause": "card ending 4242 was declined"}

MOCK_CONFIG = {
    "StateMachines": {
        "OrderFlow": {"TestCases": {
            "HappyPath": {"Charge": "ChargeSucceeds", "Save": "SaveSucceeds"},
            "DeclinedPath": {"Charge": "ChargeDeclined"},
            "RetryPath": {"Charge": "ChargeBusyThenSucceeds", "Save": "SaveSucceeds"},
            "RetriesExhaustedPath": {"Charge": "ChargeAlwaysBusy"},
            "TooFewResponsesPath": {"Charge": "ChargeFailsOnce"},
            "HybridPath": {"Save": "SaveSucceeds"},
            "BrokenPath": {"Refund": "ChargeSucceeds"},
        }},
        "ApprovalFlow": {"TestCases": {"Approved": {"AskApproval": "ApprovalGranted"}}},
        "StockCheck": {"TestCases": {"InStock": {"Lookup": "StockItem", "Check": "CheckInStock"}}},
    },
    "MockedResponses": {
        "ChargeSucceeds": {"0": {"Return": CHARGE_RESPONSE}},
        "SaveSucceeds": {"0": {"Return": SAVE_RESPONSE}},
        "ChargeDeclined": {"0": {"Throw": DECLINED}},
        "ChargeBusyThenSucceeds": {"0": {"Throw": SERVICE_EXCEPTION}, "1-2": {"Throw": TOO_MANY_REQUESTS},
                                   "3": {"Return": CHARGE_RESPONSE}},
        "ChargeAlwaysBusy": {"0": {"Throw": SERVICE_EXCEPTION}, "1-3": {"Throw": TOO_MANY_REQUESTS}},
        "ChargeFailsOnce": {"0": {"Throw": SERVICE_EXCEPTION}},
        "StockItem": {"0": {"Return": STOCK_ITEM}},
        "CheckInStock": {"0": {"Return": {"inStock": True}}},
        "ApprovalGranted": {"0": {"Return": {"approved": True, "by": "ops"}}},
    },
}


@pytest.fixture
def mock_file(tmp_path: Path) -> Path:
    path = tmp_path / "MockConfigFile.json"
    path.write_text(json.dumps(MOCK_CONFIG), encoding="utf-8")
    return path


def create_machine(sfn: Any, name: str, definition: dict[str, Any], machine_type: str = "STANDARD") -> str:
    answer = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE, type=machine_type)
    return str(answer["stateMachineArn"])


def run(sfn: Any, machine_arn: str, payload: Any = None, name: str | None = None) -> dict[str, Any]:
    """StartExecution, then DescribeExecution once it has ended."""
    options = {"name": name} if name else {}
    started = sfn.start_execution(stateMachineArn=machine_arn, input=json.dumps(payload or {}), **options)
    return wait_done(sfn, started["executionArn"])


_TASK_ENDS = {"TaskSucceeded": "taskSucceededEventDetails", "LambdaFunctionSucceeded": "lambdaFunctionSucceededEventDetails",
              "TaskFailed": "taskFailedEventDetails", "LambdaFunctionFailed": "lambdaFunctionFailedEventDetails"}


def task_outcomes(events: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """Each Task's end as ``(event type, output)`` or ``(event type, (error, cause))``."""
    outcomes: list[tuple[str, Any]] = []
    for event in events:
        details = event.get(_TASK_ENDS.get(event["type"], ""))
        if details is None:
            continue
        outcome = json.loads(details["output"]) if "output" in details else (details["error"], details["cause"])
        outcomes.append((event["type"], outcome))
    return outcomes


def entered_states(events: list[dict[str, Any]]) -> list[str]:
    return [event["stateEnteredEventDetails"]["name"] for event in events if event["type"].endswith("StateEntered")]


def seconds_between(described: dict[str, Any]) -> float:
    return float((described["stopDate"] - described["startDate"]).total_seconds())


def error_of(raised: pytest.ExceptionInfo[Any]) -> tuple[str, str]:
    error = raised.value.response["Error"]
    return error["Code"], error["Message"]


# -- mocked service integrations ------------------------------------------------------------------


def test_happy_path_answers_the_mocked_tasks_with_their_mocked_responses(start_server: Any, mock_file: Path) -> None:
    sfn = start_server("--virtual-time", "--mock-config", str(mock_file)).client()
    machine = create_machine(sfn, "OrderFlow", ORDER_FLOW)
    started = sfn.start_execution(stateMachineArn=machine + "#HappyPath", name="happy", input='{"id": "o-1"}')
    assert started["executionArn"] == "arn:aws:states:us-east-1:123456789012:execution:OrderFlow:happy"
    described = wait_done(sfn, started["executionArn"])
    assert described["status"] == "SUCCEEDED"
    assert described["stateMachineArn"] == machine  # the test case is no part of the machine's ARN
    assert json.loads(described["output"]) == {"id": "o-1", "charge": CHARGE_RESPONSE, "saved": SAVE_RESPONSE}
    events = history(sfn, started["executionArn"])
    scheduled = [(e["taskScheduledEventDetails"]["resourceType"], e["taskScheduledEventDetails"]["resource"],
                  json.loads(e["taskScheduledEventDetails"]["parameters"]))
                 for e in events if e["type"] == "TaskScheduled"]
    assert scheduled == [("lambda", "invoke", {"FunctionName": "ChargeCard", "Payload": {"id": "o-1"}}),
                         ("dynamodb", "putItem", {"TableName": "Orders", "Item": {"id": {"S": "o-1"}}})]
    assert task_outcomes(events) == [("TaskSucceeded", CHARGE_RESPONSE), ("TaskSucceeded", SAVE_RESPONSE)]


def test_a_mocked_throw_is_caught_by_the_catcher_that_names_its_error(start_server: Any, mock_file: Path) -> None:
    sfn = start_server("--virtual-time", "--mock-config", str(mock_file)).client()
    machine = create_machine(sfn, "OrderFlow", ORDER_FLOW)
    described = run(sfn, machine + "#DeclinedPath", {"id": "o-2"})
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"id": "o-2", "declined": DECLINED}
    events = history(sfn, described["executionArn"])
    assert entered_states(events) == ["Charge", "Declined"]
    assert task_outcomes(events) == [("TaskFailed", (DECLINED["Error"], DECLINED["Cause"]))]


def test_retries_take_the_next_invocations_mocked_response(start_server: Any, mock_file: Path) -> None:
    sfn = start_server("--virtual-time", "--mock-config", str(mock_file)).client()
    machine = create_machine(sfn, "OrderFlow", ORDER_FLOW)
    described = run(sfn, machine + "#RetryPath", {"id": "o-3"})
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"])["charge"] == CHARGE_RESPONSE
    events = history(sfn, described["executionArn"])
    busy = (TOO_MANY_REQUESTS["Error"], TOO_MANY_REQUESTS["Cause"])
    assert task_outcomes(events) == [
        ("TaskFailed", (SERVICE_EXCEPTION["Error"], SERVICE_EXCEPTION["Cause"])),  # invocation "0"
        ("TaskFailed", busy), ("TaskFailed", busy),  # invocations "1-2"
        ("TaskSucceeded", CHARGE_RESPONSE),  # invocation "3"
        ("TaskSucceeded", SAVE_RESPONSE)]
    assert seconds_between(described) == pytest.approx(1 + 2 + 4, abs=0.5)  # the back-off, on the virtual clock


def test_retries_beyond_the_mocked_invocations_fail_the_execution(start_server: Any, mock_file: Path) -> None:
    sfn = start_server("--virtual-time", "--mock-config", str(mock_file)).client()
    machine = create_machine(sfn, "OrderFlow", ORDER_FLOW)
    exhausted = run(sfn, machine + "#RetriesExhaustedPath", {"id": "o-4"})
    assert (exhausted["status"], exhausted["error"], exhausted["cause"]) == \
        ("FAILED", TOO_MANY_REQUESTS["Error"], TOO_MANY_REQUESTS["Cause"])
    assert len(task_outcomes(history(sfn, exhausted["executionArn"]))) == 4  # the first try and 3 retries
    # AWS: "If you do not specify a mocked response for a specific retry attempt ... the execution will fail"
    too_few = run(sfn, machine + "#TooFewResponsesPath", {"id": "o-5"})
    assert (too_few["status"], too_few["error"]) == ("FAILED", "States.Runtime")
    assert too_few["cause"].startswith("No mocked response for invocation 1 of the state 'Charge': the mocked "
                                       "response 'ChargeFailsOnce' covers invocations 0")


def test_the_mock_configuration_is_found_through_sfn_mock_config(start_server: Any, mock_file: Path) -> None:
    # as Step Functions Local's Docker image is given it: docker run -e SFN_MOCK_CONFIG=/path/MockConfigFile.json
    sfn = start_server("--virtual-time", env={"SFN_MOCK_CONFIG": str(mock_file)}).client()
    machine = create_machine(sfn, "OrderFlow", ORDER_FLOW)
    described = run(sfn, machine + "#HappyPath", {"id": "o-6"}, name="executionWithHappyPathMockedServices")
    assert described["executionArn"].endswith(":execution:OrderFlow:executionWithHappyPathMockedServices")
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"id": "o-6", "charge": CHARGE_RESPONSE, "saved": SAVE_RESPONSE}


def test_a_test_case_the_mock_file_does_not_hold_is_refused_and_starts_nothing(start_server: Any,
                                                                               mock_file: Path) -> None:
    sfn = start_server("--virtual-time", "--mock-config", str(mock_file)).client()
    machine = create_machine(sfn, "OrderFlow", ORDER_FLOW)
    with pytest.raises(sfn.exceptions.ValidationException) as unknown_case:
        sfn.start_execution(stateMachineArn=machine + "#NoSuchCase", name="never")
    assert error_of(unknown_case) == (
        "ValidationException",
        f"{mock_file}: state machine 'OrderFlow' has no test case 'NoSuchCase' (it has: BrokenPath, DeclinedPath, "
        "HappyPath, HybridPath, RetriesExhaustedPath, RetryPath, TooFewResponsesPath)")
    unlisted = create_machine(sfn, "Unlisted", ORDER_FLOW)
    with pytest.raises(sfn.exceptions.ValidationException) as unknown_machine:
        sfn.start_execution(stateMachineArn=unlisted + "#HappyPath")
    code, message = error_of(unknown_machine)
    assert code == "ValidationException"
    assert message == (f"{mock_file}: no state machine 'Unlisted' under StateMachines (it has: ApprovalFlow, "
                       "OrderFlow, StockCheck); StateMachines are keyed by the name given to CreateStateMachine")
    with pytest.raises(sfn.exceptions.ValidationException) as broken_case:
        sfn.start_execution(stateMachineArn=machine + "#BrokenPath")
    assert error_of(broken_case)[1] == (f"{mock_file}: StateMachines.OrderFlow.TestCases.BrokenPath.Refund: the "
                                        "state machine has no state named 'Refund'")
    assert sfn.list_executions(stateMachineArn=machine)["executions"] == []
    assert sfn.list_executions(stateMachineArn=unlisted)["executions"] == []


def test_test_cases_run_on_versions_and_aliases_and_mock_callback_tasks(start_server: Any, mock_file: Path) -> None:
    sfn = start_server("--virtual-time", "--mock-config", str(mock_file)).client()
    machine = create_machine(sfn, "OrderFlow", ORDER_FLOW)
    version = sfn.publish_state_machine_version(stateMachineArn=machine)["stateMachineVersionArn"]
    alias = sfn.create_state_machine_alias(name="live", routingConfiguration=[
        {"stateMachineVersionArn": version, "weight": 100}])["stateMachineAliasArn"]
    on_version = run(sfn, version + "#HappyPath", {"id": "v-1"})
    assert (on_version["status"], on_version["stateMachineVersionArn"]) == ("SUCCEEDED", version)
    assert json.loads(on_version["output"])["saved"] == SAVE_RESPONSE
    on_alias = run(sfn, alias + "#DeclinedPath", {"id": "a-1"})
    assert (on_alias["status"], on_alias["stateMachineAliasArn"]) == ("SUCCEEDED", alias)
    assert json.loads(on_alias["output"]) == {"id": "a-1", "declined": DECLINED}
    # AWS: Step Functions Local "will automatically generate a task token when you mock a Task using .waitForTaskToken"
    approval = create_machine(sfn, "ApprovalFlow", APPROVAL_FLOW)
    approved = run(sfn, approval + "#Approved")
    assert (approved["status"], json.loads(approved["output"])) == ("SUCCEEDED", {"approved": True, "by": "ops"})
    assert seconds_between(approved) < 1  # no wait for a callback, nor for the task's timeout


def test_a_one_machine_mock_file_holds_test_cases_of_that_machine_only(start_server: Any, tmp_path: Path) -> None:
    # Step Functions Local finds a test case under the state machine's own name, and nowhere else
    path = tmp_path / "OneMachine.json"
    path.write_text(json.dumps({"StateMachines": {"OrderFlow": MOCK_CONFIG["StateMachines"]["OrderFlow"]},
                                "MockedResponses": MOCK_CONFIG["MockedResponses"]}), encoding="utf-8")
    sfn = start_server("--virtual-time", "--mock-config", str(path)).client()
    look_alike = create_machine(sfn, "OrderFlowCopy", ORDER_FLOW)
    with pytest.raises(sfn.exceptions.ValidationException) as raised:
        sfn.start_execution(stateMachineArn=look_alike + "#HappyPath")
    assert error_of(raised)[1] == (f"{path}: no state machine 'OrderFlowCopy' under StateMachines (it has: "
                                   "OrderFlow); StateMachines are keyed by the name given to CreateStateMachine")
    with pytest.raises(sfn.exceptions.ValidationException) as borrowed:  # nor by naming another machine's case
        sfn.start_execution(stateMachineArn=look_alike + "#OrderFlow#HappyPath")
    assert "no state machine 'OrderFlowCopy' under StateMachines" in error_of(borrowed)[1]
    assert sfn.list_executions(stateMachineArn=look_alike)["executions"] == []


def test_a_test_case_on_a_server_without_mock_configuration_is_refused(start_server: Any) -> None:
    sfn = start_server("--virtual-time").client()
    machine = create_machine(sfn, "OrderFlow", ORDER_FLOW)
    with pytest.raises(sfn.exceptions.ValidationException) as raised:
        sfn.start_execution(stateMachineArn=machine + "#HappyPath")
    assert error_of(raised) == ("ValidationException", "Test case 'HappyPath' was asked for, but no mock "
                                "configuration is loaded (start the server with SFN_MOCK_CONFIG or --mock-config)")


def test_start_sync_execution_runs_a_test_case_of_an_express_machine(start_server: Any, mock_file: Path) -> None:
    sfn = start_server("--virtual-time", "--mock-config", str(mock_file)).client()
    machine = create_machine(sfn, "StockCheck", STOCK_CHECK, "EXPRESS")
    answer = sfn.start_sync_execution(stateMachineArn=machine + "#InStock", name="sync", input='{"sku": "A-1"}')
    assert answer["status"] == "SUCCEEDED"
    assert answer["stateMachineArn"] == machine
    assert answer["executionArn"].startswith("arn:aws:states:us-east-1:123456789012:express:StockCheck:sync:")
    assert json.loads(answer["output"]) == {"sku": "A-1", "stock": STOCK_ITEM, "check": {"inStock": True}}
    with pytest.raises(sfn.exceptions.ValidationException, match="has no test case 'OutOfStock'"):
        sfn.start_sync_execution(stateMachineArn=machine + "#OutOfStock")


def test_without_a_test_case_tasks_call_their_resources_as_on_aws(start_server: Any, mock_file: Path) -> None:
    sfn = start_server("--virtual-time", "--mock-config", str(mock_file), "--handlers", HANDLERS).client()
    machine = create_machine(sfn, "OrderFlow", ORDER_FLOW)
    not_found = ("Lambda.ResourceNotFoundException",
                 f"Function not found: {FUNCTION}ChargeCard:$LATEST (Service: AWSLambda; Status Code: 404; Error Code: "
                 "ResourceNotFoundException; Request ID: ")
    unmocked = run(sfn, machine, {"id": "o-7"})
    assert (unmocked["status"], unmocked["error"]) == ("FAILED", not_found[0])
    assert unmocked["cause"].startswith(not_found[1])
    hybrid = run(sfn, machine + "#HybridPath", {"id": "o-8"})  # Save is mocked, Charge is not
    assert (hybrid["status"], hybrid["error"]) == ("FAILED", not_found[0])
    assert entered_states(history(sfn, hybrid["executionArn"])) == ["Charge"]
    # a mocked run before and after changes nothing for the unmocked one: counts are per execution
    assert run(sfn, machine + "#HappyPath", {"id": "o-9"})["status"] == "SUCCEEDED"
    assert run(sfn, machine + "#HappyPath", {"id": "o-10"})["status"] == "SUCCEEDED"
    adder = create_machine(sfn, "Adder", {"StartAt": "Add", "States": {
        "Add": {"Type": "Task", "Resource": FUNCTION + "Add", "End": True}}})
    added = run(sfn, adder, {"a": 2, "b": 3})
    assert (added["status"], json.loads(added["output"])) == ("SUCCEEDED", {"sum": 5})


# -- LAMBDA_ENDPOINT: a Lambda Invoke API that serves the functions no handler does -----------------

EXPLODE_DOCUMENT = {
    "errorMessage": "cannot explode 7",
    "errorType": "ValueError",
    "requestId": "0f8e2a36-2a5e-4f7c-9d0e-5b1f0e0d2c11",
    "stackTrace": ['  File "/var/task/app.py", line 4, in handler\n    raise ValueError(f"cannot explode {n}")\n'],
}
TIMED_OUT_DOCUMENT = {"errorMessage": "2024-05-01T10:00:03.000Z 0f8e2a36 Task timed out after 3.00 seconds"}


class FakeLambda:
    """The Lambda Invoke API on a free loopback port, with a few functions:

    ``Double`` returns ``{"doubled": 2n}``; ``Explode`` fails with :data:`EXPLODE_DOCUMENT`;
    ``Flaky`` fails with ``TransientError`` for its first ``event["failures"]`` calls; ``Sleepy``
    fails as a timed-out function does (an error document without ``errorType``). Any other name
    is answered as Lambda answers an unknown function (404, ``ResourceNotFoundException``).
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeLambda:
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-lambda",
                         daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def calls_to(self, function: str) -> list[Any]:
        """The events ``function`` received, in order."""
        with self._lock:
            return [request["event"] for request in self.requests if request["function"] == function]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, headers, answer = fake.invoke(self.path, json.loads(body or b"null"),
                                                      self.headers.get("X-Amz-Invocation-Type"))
                data = json.dumps(answer).encode("utf-8")
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:  # quiet
                pass

        return Handler

    def invoke(self, path: str, event: Any, invocation_type: str | None) -> tuple[int, dict[str, str], Any]:
        function = path.partition("/2015-03-31/functions/")[2].partition("/invocations")[0]
        with self._lock:
            self.requests.append({"function": function, "path": path, "event": event,
                                  "invocation_type": invocation_type})
            calls = sum(1 for request in self.requests if request["function"] == function)
        if function == "Double":
            return 200, {"X-Amz-Executed-Version": "$LATEST"}, {"doubled": event["n"] * 2}
        if function == "Explode":
            return 200, {"X-Amz-Function-Error": "Unhandled"}, EXPLODE_DOCUMENT
        if function == "Flaky":
            if calls <= event["failures"]:
                return 200, {"X-Amz-Function-Error": "Unhandled"}, {"errorMessage": f"call {calls} failed",
                                                                    "errorType": "TransientError"}
            return 200, {}, {"calls": calls}
        if function == "Sleepy":
            return 200, {"X-Amz-Function-Error": "Unhandled"}, TIMED_OUT_DOCUMENT
        return 404, {"x-amzn-ErrorType": "ResourceNotFoundException", "x-amzn-RequestId": "fake-request-404"}, \
            {"Type": "User", "Message": f"Function not found: {FUNCTION}{function}"}


@pytest.fixture(scope="module")
def _endpoint() -> Iterator[FakeLambda]:
    endpoint = FakeLambda().start()
    yield endpoint
    endpoint.stop()


@pytest.fixture
def fake_lambda(_endpoint: FakeLambda) -> FakeLambda:
    """The module's fake Lambda API with its requests forgotten: a test sees only the calls it made."""
    with _endpoint._lock:
        _endpoint.requests.clear()
    return _endpoint


@pytest.fixture(scope="module")
def endpoint_sfn(_endpoint: FakeLambda) -> Iterator[Any]:
    """A server sending the Lambda tasks to the fake (virtual time), one for the tests below that
    only create and run machines of names of their own on it (the server starts once, not each time)."""
    with ServerProcess("--virtual-time", "--lambda-endpoint", _endpoint.url) as server:
        yield server.client()


@pytest.fixture(scope="module")
def endpoint_and_handlers_sfn(_endpoint: FakeLambda) -> Iterator[Any]:
    """The same with the tests' Python handlers bound too (they win over the endpoint)."""
    with ServerProcess("--virtual-time", "--handlers", HANDLERS, "--lambda-endpoint", _endpoint.url) as server:
        yield server.client()


def single_task(resource: str, **fields: Any) -> dict[str, Any]:
    return {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": resource, "End": True, **fields}}}


def invoke_task(function: str, **fields: Any) -> dict[str, Any]:
    return single_task("arn:aws:states:::lambda:invoke",
                       Parameters={"FunctionName": function, "Payload.$": "$"}, **fields)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_bare_arn_and_lambda_invoke_tasks_get_the_endpoints_result(endpoint_sfn: Any, fake_lambda: FakeLambda) -> None:
    sfn = endpoint_sfn
    bare = run(sfn, create_machine(sfn, "Bare", single_task(FUNCTION + "Double")), {"n": 3})
    assert (bare["status"], json.loads(bare["output"])) == ("SUCCEEDED", {"doubled": 6})
    assert [e["type"] for e in history(sfn, bare["executionArn"])] == [
        "ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted",
        "LambdaFunctionSucceeded", "TaskStateExited", "ExecutionSucceeded"]
    invoked = run(sfn, create_machine(sfn, "Invoke", invoke_task("Double")), {"n": 4})
    assert invoked["status"] == "SUCCEEDED"
    response = json.loads(invoked["output"])
    assert set(response) == {"ExecutedVersion", "Payload", "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"}
    assert (response["Payload"], response["StatusCode"], response["ExecutedVersion"]) == ({"doubled": 8}, 200, "$LATEST")
    assert response["SdkHttpMetadata"]["HttpStatusCode"] == 200
    assert [(r["path"], r["event"], r["invocation_type"]) for r in fake_lambda.requests] == [
        ("/2015-03-31/functions/Double/invocations", {"n": 3}, "RequestResponse"),
        ("/2015-03-31/functions/Double/invocations", {"n": 4}, "RequestResponse")]


def test_a_qualified_function_is_invoked_with_its_qualifier(endpoint_sfn: Any, fake_lambda: FakeLambda) -> None:
    sfn = endpoint_sfn
    alias = run(sfn, create_machine(sfn, "Alias", single_task(FUNCTION + "Double:live")), {"n": 1})
    version = run(sfn, create_machine(sfn, "Version", invoke_task(FUNCTION + "Double:7")), {"n": 2})
    assert alias["status"] == version["status"] == "SUCCEEDED"
    assert [r["path"] for r in fake_lambda.requests] == [
        "/2015-03-31/functions/Double/invocations?Qualifier=live",
        "/2015-03-31/functions/Double/invocations?Qualifier=7"]


def test_a_function_error_fails_the_task_as_a_python_handlers_exception_does(endpoint_and_handlers_sfn: Any,
                                                                            fake_lambda: FakeLambda) -> None:
    sfn = endpoint_and_handlers_sfn
    bare = run(sfn, create_machine(sfn, "Bare", single_task(FUNCTION + "Explode")), {"n": 7})
    invoked = run(sfn, create_machine(sfn, "Invoke", invoke_task("Explode")), {"n": 7})
    # the error is the function's errorType, the cause Lambda's error document (as each integration words it)
    assert (bare["status"], bare["error"], bare["cause"]) == ("FAILED", "ValueError", json.dumps(EXPLODE_DOCUMENT))
    assert (invoked["status"], invoked["error"], invoked["cause"]) == \
        ("FAILED", "ValueError", json.dumps(EXPLODE_DOCUMENT, separators=(",", ":")))
    assert task_outcomes(history(sfn, bare["executionArn"])) == [
        ("LambdaFunctionFailed", ("ValueError", json.dumps(EXPLODE_DOCUMENT)))]
    # a bound Python handler's exception is reported the same way: its class, Lambda's error document
    local = run(sfn, create_machine(sfn, "Local", single_task(FUNCTION + "Fail")), {"amount": 7})
    assert (local["status"], local["error"]) == ("FAILED", "InvalidAmount")
    local_document = json.loads(local["cause"])
    assert list(local_document) == list(EXPLODE_DOCUMENT)  # errorMessage, errorType, requestId, stackTrace
    assert (local_document["errorMessage"], local_document["errorType"]) == ("amount 7 is not allowed",
                                                                             "InvalidAmount")
    assert local["cause"] == json.dumps(local_document)  # worded as the remote one is


def test_retry_and_catch_handle_a_remote_function_error(endpoint_sfn: Any, fake_lambda: FakeLambda) -> None:
    sfn = endpoint_sfn
    retried = run(sfn, create_machine(sfn, "Retried", single_task(
        FUNCTION + "Flaky", Retry=[{"ErrorEquals": ["TransientError"], "IntervalSeconds": 5, "MaxAttempts": 3}])),
        {"failures": 2})
    assert (retried["status"], json.loads(retried["output"])) == ("SUCCEEDED", {"calls": 3})
    assert seconds_between(retried) == pytest.approx(5 + 10, abs=0.5)
    assert fake_lambda.calls_to("Flaky") == [{"failures": 2}] * 3
    caught = run(sfn, create_machine(sfn, "Caught", {"StartAt": "Call", "States": {
        "Call": {"Type": "Task", "Resource": FUNCTION + "Explode", "ResultPath": "$.error", "End": True,
                 "Catch": [{"ErrorEquals": ["ValueError"], "ResultPath": "$.error", "Next": "Recovered"}]},
        "Recovered": {"Type": "Pass", "End": True}}}), {"n": 7})
    assert caught["status"] == "SUCCEEDED"
    assert json.loads(caught["output"]) == {"n": 7, "error": {"Error": "ValueError",
                                                              "Cause": json.dumps(EXPLODE_DOCUMENT)}}


def test_a_function_error_without_an_error_type_is_lambda_unknown(endpoint_sfn: Any, fake_lambda: FakeLambda) -> None:
    # AWS: "Unhandled errors in Lambda are reported as Lambda.Unknown ... out-of-memory errors and function timeouts"
    sfn = endpoint_sfn
    timed_out = run(sfn, create_machine(sfn, "TimedOut", single_task(
        FUNCTION + "Sleepy", Retry=[{"ErrorEquals": ["Lambda.Unknown"], "IntervalSeconds": 1, "MaxAttempts": 1}])))
    assert (timed_out["status"], timed_out["error"], timed_out["cause"]) == \
        ("FAILED", "Lambda.Unknown", json.dumps(TIMED_OUT_DOCUMENT))
    assert len(fake_lambda.calls_to("Sleepy")) == 2  # Retry matched Lambda.Unknown


def test_a_function_the_endpoint_does_not_know_is_resource_not_found(endpoint_sfn: Any,
                                                                      fake_lambda: FakeLambda) -> None:
    sfn = endpoint_sfn
    missing = run(sfn, create_machine(sfn, "Missing", invoke_task("Nobody")))
    assert (missing["status"], missing["error"]) == ("FAILED", "Lambda.ResourceNotFoundException")
    assert missing["cause"] == (f"Function not found: {FUNCTION}Nobody (Service: AWSLambda; Status Code: 404; "
                                "Error Code: ResourceNotFoundException; Request ID: fake-request-404; Proxy: null)")


def test_an_unreachable_endpoint_fails_the_task_with_a_clear_cause(start_server: Any) -> None:
    endpoint = f"http://127.0.0.1:{closed_port()}"
    sfn = start_server("--virtual-time", "--lambda-endpoint", endpoint).client()
    failed = run(sfn, create_machine(sfn, "Unreachable", single_task(FUNCTION + "Double")), {"n": 1})
    assert (failed["status"], failed["error"]) == ("FAILED", "Lambda.SdkClientException")
    assert failed["cause"].startswith(f"Unable to execute HTTP request: cannot reach the Lambda endpoint {endpoint} "
                                      "to invoke Double (")


def test_a_function_bound_to_a_python_handler_never_reaches_the_endpoint(endpoint_and_handlers_sfn: Any,
                                                                         fake_lambda: FakeLambda) -> None:
    sfn = endpoint_and_handlers_sfn
    both = create_machine(sfn, "Both", {"StartAt": "Add", "States": {
        "Add": {"Type": "Task", "Resource": FUNCTION + "Add", "ResultPath": "$.added", "Next": "Echo"},
        "Echo": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                 "Parameters": {"FunctionName": "Echo", "Payload": {"x": 1}}, "ResultPath": "$.echoed",
                 "Next": "Double"},
        "Double": {"Type": "Task", "Resource": FUNCTION + "Double", "Parameters": {"n.$": "$.added.sum"},
                   "End": True}}})
    described = run(sfn, both, {"a": 2, "b": 3})
    assert (described["status"], json.loads(described["output"])) == ("SUCCEEDED", {"doubled": 10})
    assert [request["function"] for request in fake_lambda.requests] == ["Double"]


def test_a_mocked_task_never_calls_the_endpoint_but_the_same_task_unmocked_does(start_server: Any, mock_file: Path,
                                                                                fake_lambda: FakeLambda) -> None:
    sfn = start_server("--virtual-time", "--mock-config", str(mock_file), "--lambda-endpoint",
                       fake_lambda.url).client()
    machine = create_machine(sfn, "OrderFlow", ORDER_FLOW)
    assert run(sfn, machine + "#HappyPath", {"id": "o-1"})["status"] == "SUCCEEDED"
    assert fake_lambda.requests == []
    hybrid = run(sfn, machine + "#HybridPath", {"id": "o-2"})  # Charge goes to the endpoint: no ChargeCard there
    assert (hybrid["status"], hybrid["error"]) == ("FAILED", "Lambda.ResourceNotFoundException")
    assert fake_lambda.calls_to("ChargeCard") == [{"id": "o-2"}]


# -- starting the server: what it reads, and what it refuses -----------------------------------------


def start_failure(*args: str, **options: Any) -> str:
    """The output of ``aslrun serve`` that failed to start."""
    process = ServerProcess(*args, **options)
    with pytest.raises(RuntimeError, match="aslrun serve did not start") as raised:
        process.start(timeout=20)
    return str(raised.value)


def test_a_malformed_mock_configuration_stops_the_server_before_it_listens(tmp_path: Path) -> None:
    path = tmp_path / "MockConfigFile.json"
    path.write_text(json.dumps({"StateMachines": {}, "MockedResponses": {"R": {"0": {"Return": 1, "Throw": {}}}}}))
    output = start_failure("--mock-config", str(path))
    assert f'aslrun: {path}: MockedResponses.R."0": a response holds exactly one field, Return or Throw' in output
    assert "aslrun: --mock-config: cannot read" in start_failure(env={"SFN_MOCK_CONFIG": str(tmp_path / "none.json")})


@pytest.mark.parametrize("endpoint", ["localhost:3001", "ftp://127.0.0.1:3001", "http://"])
def test_a_lambda_endpoint_that_is_not_an_http_url_stops_the_server(endpoint: str) -> None:
    output = start_failure(env={"LAMBDA_ENDPOINT": endpoint})
    assert f"aslrun: --lambda-endpoint (LAMBDA_ENDPOINT) must be an http:// or https:// URL, not {endpoint!r}" in output


def test_a_mock_config_file_in_the_working_directory_is_read_as_step_functions_local_reads_it(
        start_server: Any, mock_file: Path) -> None:
    # the JAR's rule: without SFN_MOCK_CONFIG, MockConfigFile.json in the directory it was started from
    server = start_server("--virtual-time", cwd=mock_file.parent)
    assert f"aslrun serve: mock configuration {mock_file} (MockConfigFile.json in the working directory)" in server.log
    sfn = server.client()
    machine = create_machine(sfn, "OrderFlow", ORDER_FLOW)
    assert run(sfn, machine + "#HappyPath", {"id": "o-1"})["status"] == "SUCCEEDED"


# -- serve --template -----------------------------------------------------------------------------------

SAM_APP = Path(__file__).resolve().parents[1] / "fixtures" / "templates" / "sam_app"


def test_a_template_is_deployed_at_start_and_runs_with_its_functions_and_table(start_server: Any,
                                                                                tmp_path: Path) -> None:
    state = tmp_path / "state"
    server = start_server("--virtual-time", "--template", str(SAM_APP / "template.yaml"), state_dir=state)
    assert "1 state machine(s) of" in server.log
    sfn = server.client()
    machines = sfn.list_state_machines()["stateMachines"]
    assert [m["name"][:len("BillingStateMachine-")] for m in machines] == ["BillingStateMachine-"]
    arn = machines[0]["stateMachineArn"]
    described = run(sfn, arn, {"meterId": "M1", "period": "2024-05", "kwh": 12})
    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    assert (output["cents"], output["priced_by"], output["validated_by"]) == (300, "price", "validate")
    server.stop()

    # the deploy loop: the template changes, the server restarts on the same state, the machine is updated
    changed = tmp_path / "sam_app"  # the same project folder: the same stack name, the same generated names
    import shutil

    shutil.copytree(SAM_APP, changed)
    definition_file = changed / "statemachine" / "billing.asl.json"
    definition_file.write_text(definition_file.read_text().replace('"Comment": "${Comment}"',
                                                                   '"Comment": "edited ${Comment}"', 1))
    again = start_server("--virtual-time", "--template", str(changed / "template.yaml"), state_dir=state).client()
    assert [m["stateMachineArn"] for m in again.list_state_machines()["stateMachines"]] == [arn]
    updated = again.describe_state_machine(stateMachineArn=arn)
    assert json.loads(updated["definition"])["Comment"].startswith("edited billing") and updated["revisionId"]
    assert again.describe_execution(executionArn=described["executionArn"])["status"] == "SUCCEEDED"


def test_a_parameter_without_a_template_is_refused() -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "aslrun", "serve", "--port", "0", "--parameter", "A=b"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "there is no --template" in result.stderr

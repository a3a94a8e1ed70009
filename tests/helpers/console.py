"""Constants and helpers of the console tests (tests/service/console): the machines and inputs they
run, and a small HTTP client of the console's pages, JSON and actions."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "tests" / "service" / "console"
HANDLER_FILES = (str(HERE.parent / "service_handlers.py"), str(HERE / "console_handlers.py"),
                 "handlers.metering.lambdas")  # the server tests', the console tests', the billing machine's
ROLE = "arn:aws:iam::123456789012:role/aslrun-console-test"


def billing_definition() -> str:
    """machines/billing.asl.json with its ``${...}`` placeholders filled from the substitutions file."""
    text = (ROOT / "machines" / "billing.asl.json").read_text()
    for name, value in json.loads((ROOT / "machines" / "metering.substitutions.json").read_text()).items():
        text = text.replace("${" + name + "}", value)
    assert "${" not in text
    return text


def billing_sample(name: str) -> str:
    return (ROOT / "fixtures" / "metering" / "samples" / "billing" / f"{name}.json").read_text()


class Answer:
    def __init__(self, status: int, headers: Any, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class ConsoleClient:
    """The console over HTTP, as a browser reaches it (``Accept: text/html`` for pages)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._token: str | None = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Answer:
        request = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                return Answer(answer.status, answer.headers, answer.read())
        except urllib.error.HTTPError as refused:
            return Answer(refused.code, refused.headers, refused.read())

    def page(self, path: str, **query: Any) -> Answer:
        return self.request("GET", path + ("?" + urlencode(query) if query else ""), headers={"Accept": "text/html"})

    def get(self, path: str, **query: Any) -> Any:
        answer = self.request("GET", "/console/api/" + path + ("?" + urlencode(query) if query else ""),
                              headers={"Accept": "application/json"})
        assert answer.status == 200, (answer.status, answer.text)
        return answer.json

    @property
    def token(self) -> str:
        if self._token is None:
            match = re.search(r'<meta name="console-token" content="([^"]+)">', self.page("/").text)
            assert match is not None
            self._token = match.group(1)
        return self._token

    def act(self, action: str, body: dict[str, Any], *, headers: dict[str, str] | None = None) -> Answer:
        sent = {"Content-Type": "application/json", "X-Console-Token": self.token, "Origin": self.url}
        sent.update(headers or {})
        return self.request("POST", f"/console/api/actions/{action}", json.dumps(body).encode(), sent)

    def until(self, arn: str, holds: Any, what: str, timeout: float = 30.0) -> dict[str, Any]:
        """The execution's view once ``holds(view)`` (read again every 20 ms: the server is another
        process and runs on virtual time, so this waits only for its threads)."""
        deadline = time.monotonic() + timeout
        while True:
            view = self.get("execution", arn=arn)
            if holds(view):
                return view  # type: ignore[no-any-return]
            assert time.monotonic() < deadline, f"{arn} never {what}: {view['status']}"
            time.sleep(0.02)

    def closed(self, arn: str) -> dict[str, Any]:
        return self.until(arn, lambda view: view["status"] != "RUNNING", "ended")

    def waiting(self, arn: str) -> dict[str, Any]:
        return self.until(arn, lambda view: view["waiting"] or view["status"] != "RUNNING", "waited for a callback")


APPROVAL = {
    "StartAt": "AskForApproval",
    "States": {
        "AskForApproval": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": "request_approval", "Payload": {"token.$": "$$.Task.Token",
                                                                            "order.$": "$.order"}},
            "ResultPath": "$.approval", "Next": "Approved"},
        "Approved": {"Type": "Succeed"},
    },
}

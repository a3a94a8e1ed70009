"""Asynchronous invocations as Lambda makes them: retried when the function fails, their result sent to
a destination, configured per function (and version or alias) by the event invoke configuration.

What ``Invoke`` with ``InvocationType: Event`` starts, and what reaches a function from SNS, S3 or an
EventBridge rule or schedule on the server, runs on a thread of its own (:meth:`AsyncInvocations.run`):

* a function error is retried ``MaximumRetryAttempts`` times (Lambda's default 2), at once (Lambda
  waits about a minute, then two, between attempts; a local run does not), unless the event has
  grown older than ``MaximumEventAgeInSeconds`` meanwhile;
* then, with a ``DestinationConfig``, the invocation record goes to ``OnSuccess`` or ``OnFailure``: an
  SQS queue (the record as the message body), an SNS topic (as the message), an EventBridge bus
  (an event of source ``lambda``, detail-type ``Lambda Function Invocation Result - Success`` /
  ``- Failure``, the record as its detail) or another function (invoked asynchronously with it). The
  record is Lambda's: ``version``, ``timestamp``, ``requestContext`` (``requestId``,
  ``functionArn``, ``condition``: ``Success`` or ``RetriesExhausted``, ``approximateInvokeCount``),
  ``requestPayload``, ``responseContext`` (``statusCode``, ``executedVersion``, ``functionError``)
  and ``responsePayload``;
* a failure with nowhere to go is a line on the server's error output, as it was before.

The configurations (Put/Update/Get/Delete/ListFunctionEventInvokeConfigs) are rows of the server's
database, committed before the answer; a function's are deleted with it.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from ..store import Store
from .api import Answer, LambdaApi, paged
from .errors import LambdaError, whole_number

__all__ = ["AsyncInvocations", "InvokeConfigApi", "InvokeConfigs", "destination_sender", "invocation_record"]

DEFAULT_RETRIES = 2  # Lambda's MaximumRetryAttempts when nothing is configured

_SCHEMA = """
CREATE TABLE IF NOT EXISTS lambda_event_invoke_configs (
    region TEXT NOT NULL, name TEXT NOT NULL, qualifier TEXT NOT NULL, config TEXT NOT NULL,
    PRIMARY KEY (region, name, qualifier)
)
"""


class InvokeConfigs:
    """The event invoke configurations, by function and qualifier (``$LATEST``, a version, an alias)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        with store.write() as db:
            db.execute(_SCHEMA)

    def get(self, region: str, name: str, qualifier: str) -> dict[str, Any] | None:
        row = self.store.one("SELECT config FROM lambda_event_invoke_configs WHERE region = ? AND name = ? AND "
                             "qualifier = ?", (region, name, qualifier))
        return json.loads(row["config"]) if row is not None else None  # type: ignore[no-any-return]

    def of_function(self, region: str, name: str) -> list[dict[str, Any]]:
        rows = self.store.all("SELECT config FROM lambda_event_invoke_configs WHERE region = ? AND name = ? "
                              "ORDER BY qualifier", (region, name))
        return [json.loads(row["config"]) for row in rows]

    def put(self, region: str, name: str, qualifier: str, config: dict[str, Any]) -> None:
        with self.store.write() as db:
            db.execute("INSERT INTO lambda_event_invoke_configs (region, name, qualifier, config) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (region, name, qualifier) DO UPDATE SET config = excluded.config",
                       (region, name, qualifier, json.dumps(config)))

    def delete(self, region: str, name: str, qualifier: str | None = None) -> None:
        """One configuration, or (no ``qualifier``) all of a function's."""
        with self.store.write() as db:
            db.execute("DELETE FROM lambda_event_invoke_configs WHERE region = ? AND name = ?" +
                       (" AND qualifier = ?" if qualifier is not None else ""),
                       (region, name, qualifier) if qualifier is not None else (region, name))


class InvokeConfigApi:
    """Put/Update/Get/Delete/ListFunctionEventInvokeConfigs."""

    def __init__(self, configs: InvokeConfigs, functions: LambdaApi) -> None:
        self.configs = configs
        self.functions = functions

    def put_function_event_invoke_config(self, members: dict[str, Any], region: str) -> Answer:
        return Answer(self._write(members, region, merge=False))

    def update_function_event_invoke_config(self, members: dict[str, Any], region: str) -> Answer:
        return Answer(self._write(members, region, merge=True))

    def get_function_event_invoke_config(self, members: dict[str, Any], region: str) -> Answer:
        name, qualifier, arn = self._target(members, region)
        found = self.configs.get(region, name, qualifier)
        if found is None:
            raise LambdaError("ResourceNotFoundException", f"The function {arn} doesn't have an EventInvokeConfig")
        return Answer(found)

    def delete_function_event_invoke_config(self, members: dict[str, Any], region: str) -> Answer:
        name, qualifier, arn = self._target(members, region)
        if self.configs.get(region, name, qualifier) is None:
            raise LambdaError("ResourceNotFoundException", f"The function {arn} doesn't have an EventInvokeConfig")
        self.configs.delete(region, name, qualifier)
        return Answer(None, 204)

    def list_function_event_invoke_configs(self, members: dict[str, Any], region: str) -> Answer:
        name, _, _ = self._target({**members, "Qualifier": None}, region)
        found = self.configs.of_function(region, name)
        return Answer(paged("FunctionEventInvokeConfigs", found, members, most=50))

    def _target(self, members: dict[str, Any], region: str) -> tuple[str, str, str]:
        """``(name, qualifier, qualified ARN)``; the function (and version or alias) must exist."""
        name, qualifier = self.functions.name_and_qualifier(members)
        qualifier = qualifier or "$LATEST"
        self.functions.configuration(region, name, qualifier)  # (ResourceNotFoundException when it has none)
        return name, qualifier, self.functions.qualified_arn(region, name, qualifier)

    def _write(self, members: dict[str, Any], region: str, *, merge: bool) -> dict[str, Any]:
        name, qualifier, arn = self._target(members, region)
        current = self.configs.get(region, name, qualifier)
        if merge and current is None:
            raise LambdaError("ResourceNotFoundException", f"The function {arn} doesn't have an EventInvokeConfig")
        config: dict[str, Any] = dict(current or {}) if merge else {}
        config.update(FunctionArn=arn, LastModified=round(time.time(), 3))
        if members.get("MaximumRetryAttempts") is not None:
            config["MaximumRetryAttempts"] = whole_number(members["MaximumRetryAttempts"], "maximumRetryAttempts", 0,
                                                          2)
        if members.get("MaximumEventAgeInSeconds") is not None:
            config["MaximumEventAgeInSeconds"] = whole_number(members["MaximumEventAgeInSeconds"],
                                                              "maximumEventAgeInSeconds", 60, 21600)
        if members.get("DestinationConfig") is not None:
            config["DestinationConfig"] = _destinations(members["DestinationConfig"], merge and current or None)
        elif not merge:
            config["DestinationConfig"] = {"OnSuccess": {}, "OnFailure": {}}
        self.configs.put(region, name, qualifier, config)
        return config


class AsyncInvocations:
    """Runs one asynchronous invocation to its end (see the module docstring)."""

    def __init__(self, configs: InvokeConfigs, send: Callable[[str, dict[str, Any], str], None]) -> None:
        self.configs = configs
        #: ``send(destination ARN, record, condition)``: to a queue, topic, bus or function
        self.send = send

    def run(self, region: str, name: str, qualifier: str, invoked: str, event: Any,
            attempt: Callable[[], tuple[bytes, str | None, str]], *, request_id: str | None = None) -> None:
        """Call ``attempt()`` (its answer body, its function error, the version it ran) until it
        succeeds or the retries are spent; then send the record where it is configured to go."""
        config = self.configs.get(region, name, qualifier) or {}
        retries = int(config.get("MaximumRetryAttempts", DEFAULT_RETRIES))
        max_age = config.get("MaximumEventAgeInSeconds")
        began = time.monotonic()
        count = 0
        while True:
            count += 1
            body, error, version = attempt()
            if not error or count > retries or (max_age is not None and time.monotonic() - began > max_age):
                break
        condition = "Success" if not error else "RetriesExhausted"
        record = invocation_record(invoked, event, body, error, version, count, condition, request_id)
        destinations = config.get("DestinationConfig") or {}
        destination = (destinations.get("OnSuccess" if not error else "OnFailure") or {}).get("Destination")
        if destination:
            try:
                self.send(destination, record, condition)
                return
            except Exception as problem:  # a destination that cannot take it: said, as Lambda's metrics would
                print(f"aslrun serve: the {condition} record of {invoked} did not reach {destination}: "
                      f"{type(problem).__name__}: {problem}", file=sys.stderr, flush=True)
        if error:
            print(f"aslrun serve: the asynchronous invocation {record['requestContext']['requestId']} of {invoked} "
                  f"failed after {count} attempt(s): {body.decode('utf-8', 'replace')}", file=sys.stderr, flush=True)


def invocation_record(invoked: str, event: Any, body: bytes, error: str | None, version: str, count: int,
                      condition: str, request_id: str | None = None) -> dict[str, Any]:
    """The record Lambda sends a destination for an asynchronous invocation."""
    import uuid

    try:
        payload = json.loads(body) if body else None
    except ValueError:
        payload = body.decode("utf-8", "replace")
    function_arn = invoked if invoked.count(":") > 6 else f"{invoked}:$LATEST"
    response: dict[str, Any] = {"statusCode": 200, "executedVersion": version}
    if error:
        response["functionError"] = error
    now = datetime.now(timezone.utc)
    return {
        "version": "1.0",
        "timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
        "requestContext": {"requestId": request_id or str(uuid.uuid4()), "functionArn": function_arn,
                           "condition": condition, "approximateInvokeCount": count},
        "requestPayload": event,
        "responseContext": response,
        "responsePayload": payload,
    }


def _destinations(given: Any, current: dict[str, Any] | None) -> dict[str, Any]:
    out = {key: dict((current or {}).get("DestinationConfig", {}).get(key) or {}) for key in ("OnSuccess", "OnFailure")}
    if not isinstance(given, dict):
        raise LambdaError("InvalidParameterValueException", "DestinationConfig must be an object with OnSuccess and "
                                                            "OnFailure")
    for key in ("OnSuccess", "OnFailure"):
        if key in given:
            destination = (given.get(key) or {}).get("Destination")
            if destination:
                service = str(destination).split(":")[2] if str(destination).count(":") >= 5 else ""
                if service not in ("sqs", "sns", "events", "lambda"):
                    raise LambdaError("InvalidParameterValueException",
                                      f"The destination ARN {destination} is invalid: a destination is an SQS "
                                      "queue, an SNS topic, an EventBridge bus or a Lambda function")
                out[key] = {"Destination": str(destination)}
            else:
                out[key] = {}
    return out


def destination_sender(functions: LambdaApi) -> Callable[[str, dict[str, Any], str], None]:
    """``send(destination, record, condition)`` to a queue, topic or bus of the server's local AWS, or to
    a function of this server (invoked asynchronously)."""

    def send(destination: str, record: dict[str, Any], condition: str) -> None:
        service, region = destination.split(":")[2:4]
        text = json.dumps(record)
        if service == "lambda":
            functions.invoke({"FunctionName": destination, "InvocationType": "Event", "Payload": text.encode()},
                             region)
            return
        from ...localaws.emulator import current_aws
        from ...localaws.sent_to import send_text

        aws = current_aws(start=True)
        assert aws is not None
        outcome = "Success" if condition == "Success" else "Failure"
        send_text(aws, destination, text, source="lambda", detail_type=f"Lambda Function Invocation Result - {outcome}")

    return send

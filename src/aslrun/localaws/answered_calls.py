"""Calls to an AWS service answered in-process by Python code, for every boto3 client in the process.

moto emulates the data services; some calls only mean something to aslrun itself. A Lambda function
of a template that starts a state machine (``boto3.client("stepfunctions").start_execution(...)``,
as the same code does on AWS) must start one of *aslrun's* state machines, not an inert record in
moto. :func:`answer_calls` registers an answerer for a service's operations:

    def answer(operation: str, request: dict) -> dict | None:   # None: not mine, moto answers
        ...                                                    # raise AnsweredError(code, message)

    stop = answer_calls("sfn", answer)   # botocore's service id, hyphenized ("sfn", "lambda", ...)
    ...
    stop()

A botocore ``before-call`` hook (installed once, on botocore's built-in handlers so every client made
afterwards has it, on boto3's default session, and on the local AWS's own clients) asks the answerers
registered for the call's service, innermost first; the first that answers short-circuits the
request: the result (or the error) is serialized as the service's wire protocol would carry it and
parsed back by botocore's own parser, so the caller gets exactly the types (datetimes, modeled
exception classes) a real endpoint's reply gives.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

__all__ = ["AnsweredError", "RawBody", "answer_calls", "install_hook"]

Answer = Callable[[str, dict[str, Any]], "dict[str, Any] | None"]

_LOCK = threading.Lock()
_ANSWERERS: list[tuple[str, Answer]] = []  # (service id, answer), innermost last
_INSTALLED = False


class AnsweredError(Exception):
    """The service's error reply: ``code`` (the modeled exception's name) and its message."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def answer_calls(service_id: str, answer: Answer) -> Callable[[], None]:
    """Answer ``service_id``'s calls with ``answer`` from now on; returns the function that stops it."""
    install_hook()
    entry = (service_id, answer)
    with _LOCK:
        _ANSWERERS.append(entry)

    def stop() -> None:
        with _LOCK:
            if entry in _ANSWERERS:
                _ANSWERERS.remove(entry)

    return stop


def install_hook(events: Any = None) -> None:
    """Put the hook on botocore's built-in handlers and boto3's default session (once), and on
    ``events`` (a client's event system) when given."""
    global _INSTALLED
    if events is not None:
        events.register("before-call", _before_call, unique_id="aslrun-answered-calls")
    if _INSTALLED:
        return
    from botocore import handlers  # type: ignore[import-untyped]

    with _LOCK:
        if not _INSTALLED:
            handlers.BUILTIN_HANDLERS.append(("before-call", _before_call))
            import boto3  # type: ignore[import-untyped]

            if boto3.DEFAULT_SESSION is not None:
                boto3.DEFAULT_SESSION.events.register("before-call", _before_call, unique_id="aslrun-answered-calls")
            _INSTALLED = True


def _before_call(event_name: str = "", model: Any = None, params: Any = None, **_: Any) -> Any:
    if not _ANSWERERS:  # the usual case, on every AWS call of the process: nothing to look up
        return None
    parts = event_name.split(".")
    if len(parts) < 3 or model is None:
        return None
    service_id, operation = parts[1], parts[2]
    with _LOCK:
        answerers = [answer for service, answer in reversed(_ANSWERERS) if service == service_id]
    if not answerers:
        return None
    request = _request_of(params)
    for answer in answerers:
        try:
            result = answer(operation, request)
        except AnsweredError as error:
            return _reply(model, error.status, {"__type": error.code, "message": error.message})
        if result is not None:
            return _reply(model, 200, result)
    return None


def _request_of(params: Any) -> dict[str, Any]:
    body = (params or {}).get("body") or b"{}"
    try:
        request = json.loads(body)
    except (ValueError, TypeError):
        return {}
    return request if isinstance(request, dict) else {}


def _reply(model: Any, status: int, document: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """(the HTTP response, the parsed reply) as botocore's ``before-call`` short-circuit expects them."""
    from botocore import parsers
    from botocore.awsrequest import AWSResponse  # type: ignore[import-untyped]

    body = json.dumps(document, default=_json_default).encode("utf-8")
    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "aslrun-in-process"}
    protocol = model.service_model.metadata.get("protocol", "json")
    parsed = parsers.create_parser(protocol).parse({"status_code": status, "headers": headers, "body": body},
                                                   model.output_shape)
    response = AWSResponse("https://aslrun.invalid/", status, headers, RawBody(body))
    return response, parsed


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"{type(value).__name__} is not JSON")


class RawBody:
    """The body of an in-process reply, read as urllib3's response would be (``b""`` for an answer
    that comes already parsed)."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, *_: Any, **__: Any) -> Any:
        yield self._body

    def read(self, *_: Any, **__: Any) -> bytes:
        return self._body

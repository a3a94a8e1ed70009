"""``LAMBDA_ENDPOINT``: Lambda tasks that no Python handler serves are sent to a Lambda Invoke API
endpoint (``sam local start-lambda`` serves one at http://127.0.0.1:3001), as Step Functions Local does.
Used by ``aslrun serve --lambda-endpoint`` and by :mod:`aslrun.templates` (a template's functions in
runtimes other than Python).

A :class:`RemoteLambda` is a handler like any other: the engine calls it with the event and a
Lambda context naming the function; it POSTs the event to
``/2015-03-31/functions/<name>/invocations[?Qualifier=<alias or version>]`` and returns the
function's result. What can go wrong is reported as Step Functions reports it on AWS:

* a function error (the ``X-Amz-Function-Error`` header): the task fails with the error document's
  ``errorType`` (``Lambda.Unknown`` when it has none, as for a timed-out or out-of-memory function)
  and the document as the cause;
* the endpoint refusing the request (HTTP 4xx/5xx): ``Lambda.<error code>`` (e.g.
  ``Lambda.ResourceNotFoundException`` for a function it does not know) with the AWS SDK's wording
  of the cause;
* the endpoint unreachable: ``Lambda.SdkClientException``, the cause naming the endpoint.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message
from typing import Any

from .handler_call import LambdaFunctionError
from .lambda_ import lambda_sdk_cause, parse_function_name

__all__ = ["RemoteLambda"]

_TIMEOUT_SECONDS = 900  # Lambda's longest run
_UNKNOWN_FUNCTION_ERROR = "Lambda.Unknown"
_CODES_BY_STATUS = {404: "ResourceNotFoundException", 429: "TooManyRequestsException"}


class RemoteLambda:
    """A handler that invokes the function of the same name over a Lambda Invoke API endpoint.

    ``function_name`` invokes that name instead of the one the task called (``sam local`` knows a
    template's functions by logical id, while the state machine calls their deployed names)."""

    def __init__(self, endpoint: str, *, timeout: float = _TIMEOUT_SECONDS, function_name: str | None = None) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.timeout = timeout
        self.function_name = function_name

    def __call__(self, event: Any, context: Any) -> Any:
        request = urllib.request.Request(
            self.invocation_url(context), data=json.dumps(event).encode("utf-8"), method="POST",
            headers={"Content-Type": "application/json", "X-Amz-Invocation-Type": "RequestResponse"})
        status, headers, body = self._send(request, context.function_name)
        text = body.decode("utf-8", "replace")
        if status >= 400:
            raise _refusal(status, headers, text)
        if headers.get("X-Amz-Function-Error"):
            raise _function_error(text)
        return _payload(text)

    def invocation_url(self, context: Any) -> str:
        """Where Lambda's Invoke API takes this invocation (the qualifier as a query parameter)."""
        name = urllib.parse.quote(self.function_name or context.function_name, safe="")
        url = f"{self.endpoint}/2015-03-31/functions/{name}/invocations"
        qualifier = _qualifier(context)
        if qualifier:
            url += "?Qualifier=" + urllib.parse.quote(qualifier, safe="")
        return url

    def _send(self, request: urllib.request.Request, function_name: str) -> tuple[int, Message, bytes]:
        """``(status, headers, body)`` of the endpoint's answer, whatever its status."""
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            reason = getattr(error, "reason", None) or error
            raise LambdaFunctionError(
                "Lambda.SdkClientException",
                f"Unable to execute HTTP request: cannot reach the Lambda endpoint {self.endpoint} to invoke "
                f"{function_name} ({reason})") from None


def _qualifier(context: Any) -> str | None:
    """The alias or version the task named (``function:NAME:QUALIFIER``); None for ``$LATEST``."""
    parsed = parse_function_name(getattr(context, "invoked_function_arn", "") or "")
    qualifier = parsed[1] if parsed is not None else None
    return qualifier if qualifier and qualifier != "$LATEST" else None


def _function_error(text: str) -> LambdaFunctionError:
    """The function failed: its ``errorType`` names the task's error, its error document is the cause."""
    document = _json_object(text)
    if document is None:
        return LambdaFunctionError(_UNKNOWN_FUNCTION_ERROR, text)
    error_type = document.get("errorType")
    if not isinstance(error_type, str) or not error_type:
        error_type = _UNKNOWN_FUNCTION_ERROR
    return LambdaFunctionError(error_type, document)


def _refusal(status: int, headers: Message, text: str) -> LambdaFunctionError:
    """The endpoint refused the invocation, worded as the AWS SDK words a Lambda service error."""
    document = _json_object(text) or {}
    code = _error_code(status, headers, document)
    message = document.get("Message") or document.get("message") or text.strip() or f"HTTP {status}"
    request_id = headers.get("x-amzn-RequestId") or "null"
    return LambdaFunctionError(f"Lambda.{code}", lambda_sdk_cause(message, status, code, request_id))


def _error_code(status: int, headers: Message, document: dict[str, Any]) -> str:
    """Lambda's error code (``x-amzn-ErrorType``, else the body's ``__type``, else the status), with the
    SDK's ``Exception`` suffix (``sam local`` answers ``ResourceNotFound``)."""
    raw = headers.get("x-amzn-ErrorType") or str(document.get("__type") or "")
    code = raw.split(":", 1)[0].rsplit("#", 1)[-1].strip()
    if not code:
        code = _CODES_BY_STATUS.get(status, "ServiceException" if status >= 500 else "AWSLambdaException")
    return code if code.endswith("Exception") else code + "Exception"


def _payload(text: str) -> Any:
    """The function's result: its JSON value (an empty body is null; a body that is not JSON, its text)."""
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None

"""``LAMBDA_ENDPOINT``: Lambda tasks that no Python handler serves are sent to a Lambda Invoke API
endpoint (``sam local start-lambda`` serves one at http://127.0.0.1:3001), as Step Functions Local does.

A :class:`RemoteLambda` is a handler like any other: the engine calls it with the event and a
Lambda context naming the function; it POSTs the event to ``/2015-03-31/functions/<name>/invocations``
and returns the function's result. A function error (the ``X-Amz-Function-Error`` header) fails the
task with the error type and Lambda's error document as the cause, as AWS reports it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from ..integrations.handler_call import LambdaFunctionError

__all__ = ["RemoteLambda"]

_TIMEOUT_SECONDS = 900  # Lambda's longest run


class RemoteLambda:
    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint.rstrip("/")

    def __call__(self, event: Any, context: Any) -> Any:
        name = urllib.parse.quote(context.function_name, safe="")
        url = f"{self.endpoint}/2015-03-31/functions/{name}/invocations"
        qualifier = getattr(context, "function_version", None)
        if qualifier and qualifier != "$LATEST":
            url += f"?Qualifier={urllib.parse.quote(qualifier)}"
        body = json.dumps(event).encode("utf-8")
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"Content-Type": "application/json",
                                                  "X-Amz-Invocation-Type": "RequestResponse"})
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT_SECONDS) as response:
                payload = response.read()
                function_error = response.headers.get("X-Amz-Function-Error")
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")
            raise LambdaFunctionError("Lambda.ServiceException",
                                      f"{self.endpoint} answered HTTP {error.code} for {context.function_name}: "
                                      f"{detail}") from None
        except (urllib.error.URLError, OSError) as error:
            raise LambdaFunctionError("Lambda.SdkClientException",
                                      f"Unable to execute HTTP request: cannot reach the Lambda endpoint "
                                      f"{self.endpoint} ({getattr(error, 'reason', error)})") from None
        text = payload.decode("utf-8") if payload else "null"
        if function_error:
            try:
                document = json.loads(text)
            except ValueError:
                document = {"errorMessage": text}
            error_type = document.get("errorType", "Exception") if isinstance(document, dict) else "Exception"
            raise LambdaFunctionError(error_type, text)
        try:
            return json.loads(text)
        except ValueError:
            return text

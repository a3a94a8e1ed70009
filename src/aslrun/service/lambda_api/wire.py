"""Lambda's REST-JSON protocol: a request read by botocore's model of the API
(:mod:`aslrun.localaws.rest_json`: its operation, its members), Lambda's errors for what cannot be
read, and the answer written back (status, headers, JSON body or raw payload).

The table of operations is the model itself, as for Step Functions (:mod:`aslrun.service.wire`):
an operation this server does not answer is still recognised, and refused by name.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from ...localaws import rest_json
from ...localaws.rest_json import BadMember, UnreadableBody, service_model
from .errors import LambdaError

__all__ = ["answer_body", "lambda_model", "parse_members", "route_of"]


def lambda_model() -> Any:
    """botocore's model of the Lambda API (the installed botocore's)."""
    return service_model("lambda")


def route_of(method: str, path: str, query: str = "") -> tuple[str, dict[str, str]] | None:
    """``(operation, path members)`` of a request, or None when no operation has that path."""
    return rest_json.route_of("lambda", method, path, query)


def parse_members(operation: str, path_members: dict[str, str], query: str, headers: dict[str, str],
                  body: bytes) -> dict[str, Any]:
    """The request's members, as boto3 names them (``FunctionName``, ``Qualifier``, ``Payload``...)."""
    try:
        return rest_json.parse_members("lambda", operation, path_members, query, headers, body)
    except UnreadableBody as unreadable:
        raise LambdaError("InvalidRequestContentException", str(unreadable)) from None
    except BadMember as bad:
        raise LambdaError("InvalidParameterValueException", str(bad)) from None


def answer_body(answer: dict[str, Any]) -> bytes:
    """A JSON answer's body (blobs, as the model has none in JSON answers, are not expected)."""
    return json.dumps(answer, separators=(",", ":"), default=_bytes_as_base64).encode("utf-8")


def _bytes_as_base64(value: Any) -> str:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"not JSON: {type(value).__name__}")

"""Lambda's REST-JSON protocol, read from botocore's model of the API: which operation a request
is (its method and path), its members (path, query string, headers, JSON body or raw payload), and
the answer written back (status, headers, JSON body or raw payload).

The table of operations is the model itself, as for Step Functions (:mod:`aslrun.service.wire`):
an operation this server does not answer is still recognised, and refused by name.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, unquote

from .errors import LambdaError

__all__ = ["Route", "answer_body", "lambda_model", "parse_members", "route_of"]


@lru_cache(maxsize=1)
def lambda_model() -> Any:
    """botocore's model of the Lambda API (the installed botocore's)."""
    import botocore.session  # type: ignore[import-untyped]

    return botocore.session.get_session().get_service_model("lambda")


@dataclass(frozen=True)
class Route:
    operation: str
    method: str
    pattern: re.Pattern[str]
    literal_length: int  # longer literal paths are tried first (".../versions" before "...{Name}")
    query: tuple[tuple[str, str], ...]  # literal query fields the URI requires (``?find=LayerVersion``)


@lru_cache(maxsize=1)
def _routes() -> tuple[Route, ...]:
    model = lambda_model()
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        path, _, literal_query = http["requestUri"].partition("?")
        required = tuple((key, values[0]) for key, values in parse_qs(literal_query).items())
        regex, literal = "", 0
        for piece in re.split(r"(\{[A-Za-z]+\+?\})", path):
            if piece.startswith("{"):
                member = piece.strip("{}+")
                regex += f"(?P<{member}>.+)" if piece.endswith("+}") else f"(?P<{member}>[^/]+)"
            else:
                regex += re.escape(piece)
                literal += len(piece)
        routes.append(Route(name, http["method"], re.compile(f"^{regex}/?$"), literal, required))
    return tuple(sorted(routes, key=lambda route: (-len(route.query), -route.literal_length)))


def route_of(method: str, path: str, query: str = "") -> tuple[str, dict[str, str]] | None:
    """``(operation, path members)`` of a request, or None when no operation has that path."""
    fields = parse_qs(query)
    for route in _routes():
        if route.method != method or any(value not in fields.get(key, []) for key, value in route.query):
            continue
        found = route.pattern.match(path)
        if found:
            return route.operation, {key: unquote(value) for key, value in found.groupdict().items()}
    return None


def parse_members(operation: str, path_members: dict[str, str], query: str, headers: dict[str, str],
                  body: bytes) -> dict[str, Any]:
    """The request's members, as boto3 names them (``FunctionName``, ``Qualifier``, ``Payload``...)."""
    shape = lambda_model().operation_model(operation).input_shape
    if shape is None:
        return {}
    members: dict[str, Any] = {}
    fields = parse_qs(query, keep_blank_values=True)
    lowered = {key.lower(): value for key, value in headers.items()}
    payload_name = shape.serialization.get("payload")
    json_body: dict[str, Any] | None = None
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire_name = member.serialization.get("name", name)
        if location == "uri":
            if wire_name in path_members:
                members[name] = path_members[wire_name]
        elif location == "querystring":
            if wire_name in fields:
                values = fields[wire_name]
                members[name] = values if member.type_name == "list" else _scalar(member, values[-1], name)
        elif location == "header":
            if wire_name.lower() in lowered:
                members[name] = lowered[wire_name.lower()]
        elif name == payload_name and member.type_name == "blob":
            members[name] = body
        else:
            if json_body is None:
                json_body = _json_body(body)
            if name in json_body:
                members[name] = json_body[name]
    return members


def _json_body(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        document = json.loads(body)
    except ValueError:
        raise LambdaError("InvalidRequestContentException", "Could not parse request body into json") from None
    if not isinstance(document, dict):
        raise LambdaError("InvalidRequestContentException", "Could not parse request body into json")
    return document


def _scalar(member: Any, text: str, name: str) -> Any:
    if member.type_name == "integer":
        try:
            return int(text)
        except ValueError:
            raise LambdaError("InvalidParameterValueException", f"{name} must be a whole number, not {text!r}") from None
    if member.type_name == "boolean":
        return text.lower() == "true"
    return text


def answer_body(answer: dict[str, Any]) -> bytes:
    """A JSON answer's body (blobs, as the model has none in JSON answers, are not expected)."""
    return json.dumps(answer, separators=(",", ":"), default=_bytes_as_base64).encode("utf-8")


def _bytes_as_base64(value: Any) -> str:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"not JSON: {type(value).__name__}")

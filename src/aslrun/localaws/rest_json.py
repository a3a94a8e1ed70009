"""REST-JSON requests read by botocore's model of their service: which operation a request is (its
method, path and any literal query fields the operation's URI requires) and its members (path,
query string, headers, JSON body or raw payload), as boto3 names them.

``aslrun serve`` answers Lambda's API with it (:mod:`aslrun.service.lambda_api.wire`), and the
journal reads the changes clients make through the port to a REST-JSON service of the local AWS
(EventBridge Scheduler: :mod:`.raw_requests`). The table of operations is the model itself.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, unquote

__all__ = ["BadMember", "Route", "UnreadableBody", "parse_members", "route_of", "service_model"]


class UnreadableBody(ValueError):
    """The request's body is not the JSON object the operation takes."""


class BadMember(ValueError):
    """A query-string member is not of its type (a whole number, say): the text says which."""


@lru_cache(maxsize=None)
def service_model(service: str) -> Any:
    """botocore's model of the service's API (the installed botocore's)."""
    import botocore.session  # type: ignore[import-untyped]

    return botocore.session.get_session().get_service_model(service)


@dataclass(frozen=True)
class Route:
    operation: str
    method: str
    pattern: re.Pattern[str]
    literal_length: int  # longer literal paths are tried first (".../versions" before "...{Name}")
    query: tuple[tuple[str, str], ...]  # literal query fields the URI requires (``?find=LayerVersion``)


@lru_cache(maxsize=None)
def _routes(service: str) -> tuple[Route, ...]:
    model = service_model(service)
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


def route_of(service: str, method: str, path: str, query: str = "") -> tuple[str, dict[str, str]] | None:
    """``(operation, path members)`` of a request, or None when no operation has that path."""
    fields = parse_qs(query)
    for route in _routes(service):
        if route.method != method or any(value not in fields.get(key, []) for key, value in route.query):
            continue
        found = route.pattern.match(path)
        if found:
            return route.operation, {key: unquote(value) for key, value in found.groupdict().items()}
    return None


def parse_members(service: str, operation: str, path_members: dict[str, str], query: str,
                  headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """The request's members, as boto3 names them (:class:`UnreadableBody`, :class:`BadMember`)."""
    shape = service_model(service).operation_model(operation).input_shape
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
        raise UnreadableBody("Could not parse request body into json") from None
    if not isinstance(document, dict):
        raise UnreadableBody("Could not parse request body into json")
    return document


def _scalar(member: Any, text: str, name: str) -> Any:
    if member.type_name == "integer":
        try:
            return int(text)
        except ValueError:
            raise BadMember(f"{name} must be a whole number, not {text!r}") from None
    if member.type_name == "boolean":
        return text.lower() == "true"
    return text

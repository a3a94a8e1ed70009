"""The HTTP request an HTTP Task (``arn:aws:states:::http:invoke``) sends, built as AWS documents it.

Source: AWS's "Call HTTPS APIs in Step Functions workflows" (call-https-apis):

* ``ApiEndpoint`` and ``Method`` (GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD) are required; the
  connection is named by ``Authentication.ConnectionArn`` or ``InvocationConfig.ConnectionArn``.
* ``Headers``: the task's, then the connection's ``InvocationHttpParameters.HeaderParameters`` over
  them (the connection wins a clash), then the connection's authorization; AWS sets ``User-Agent:
  Amazon|StepFunctions|HttpInvoke|<region>``, ``Range: bytes=0-262144`` and ``Host``. A task may not
  set ``Authorization``, ``Host``, ``Connection``... nor ``x-forwarded-*``, ``x-amz-*``,
  ``x-amzn-*`` (:data:`FORBIDDEN_HEADERS`): ``States.Runtime``.
* ``QueryParameters`` (an object, a string or an array of objects) are URL-encoded after the
  endpoint's own query; the connection's ``QueryStringParameters`` win a clash.
* ``RequestBody``: sent as compact JSON (``Content-Type: application/json; charset=UTF-8`` unless the
  task sets one), a string as it is; the connection's ``BodyParameters`` are merged into an object
  body (the connection wins a clash), and refused with a string body (``States.Runtime``).
  ``Transform: {"RequestBodyEncoding": "URL_ENCODED"}`` sends it form-encoded instead, nested
  objects as ``a[b]=`` and arrays by ``RequestEncodingOptions.ArrayFormat``: ``INDICES`` (default,
  ``a[0]=x``), ``REPEAT`` (``a=x&a=y``), ``COMMAS`` (``a=x,y``), ``BRACKETS`` (``a[]=x``).

:func:`build_request` is pure: the connection's parts come in as data (see
:mod:`aslrun.integrations.http_task`, which finds the connection and sends the request).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from ..errors import StatesError

__all__ = ["ARRAY_FORMATS", "FORBIDDEN_HEADERS", "METHODS", "ConnectionParts", "HttpRequest", "build_request",
           "connection_arn", "form_encode"]

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD")
ARRAY_FORMATS = ("INDICES", "REPEAT", "COMMAS", "BRACKETS")
FORBIDDEN_HEADERS = frozenset({
    "a-im", "accept-charset", "accept-datetime", "accept-encoding", "authorization", "cache-control", "connection",
    "content-encoding", "content-md5", "date", "expect", "forwarded", "from", "host", "http2-settings", "if-match",
    "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "max-forwards", "origin", "pragma",
    "proxy-authorization", "referer", "server", "te", "trailer", "transfer-encoding", "upgrade", "via", "warning",
})
_FORBIDDEN_PREFIXES = ("x-forwarded-", "x-amz-", "x-amzn-")
_JSON_TYPE = "application/json; charset=UTF-8"
_FORM_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class ConnectionParts:
    """What a connection adds to a request: its authorization header and its invocation parameters."""

    authorization: tuple[str, str] | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    query: list[tuple[str, str]] = field(default_factory=list)
    body: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class HttpRequest:
    method: str
    url: str
    headers: list[tuple[str, str]]
    body: bytes | None

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()


def _runtime(cause: str) -> StatesError:
    return StatesError("States.Runtime", cause, in_state=True)


def connection_arn(parameters: Any) -> str:
    """The connection the task names (``Authentication`` or ``InvocationConfig``)."""
    if not isinstance(parameters, dict):
        raise _runtime("The parameters of an HTTP Task must be a JSON object with ApiEndpoint, Method and "
                       "Authentication.ConnectionArn")
    for holder in ("InvocationConfig", "Authentication"):
        section = parameters.get(holder)
        if isinstance(section, dict) and isinstance(section.get("ConnectionArn"), str):
            return str(section["ConnectionArn"])
    raise _runtime("An HTTP Task needs an EventBridge connection: Authentication.ConnectionArn or "
                   "InvocationConfig.ConnectionArn is missing")


def build_request(parameters: dict[str, Any], connection: ConnectionParts, *, region: str) -> HttpRequest:
    """The request the task's parameters and its connection make (``States.Runtime`` when invalid)."""
    endpoint = parameters.get("ApiEndpoint")
    if not isinstance(endpoint, str) or urlsplit(endpoint).scheme not in ("http", "https") \
            or not urlsplit(endpoint).hostname:
        raise _runtime(f"The ApiEndpoint of an HTTP Task must be an http(s) URL, got {_shown(endpoint)}")
    method = parameters.get("Method")
    if method not in METHODS:
        raise _runtime(f"The Method of an HTTP Task must be one of {', '.join(METHODS)}, got {_shown(method)}")
    headers = _merge(_task_headers(parameters.get("Headers")), connection.headers)
    query = _merge(_task_query(parameters.get("QueryParameters")), connection.query)
    encoding, array_format = _transform(parameters.get("Transform"))
    body = _body(parameters, connection.body, encoding, array_format)
    if body is not None and not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", _FORM_TYPE if encoding == "URL_ENCODED" else _JSON_TYPE))
    if connection.authorization is not None:
        headers = [(n, v) for n, v in headers if n.lower() != connection.authorization[0].lower()]
        headers.append(connection.authorization)
    headers = [(n, v) for n, v in headers if n.lower() not in ("range", "user-agent")]
    headers += [("Range", "bytes=0-262144"), ("User-Agent", f"Amazon|StepFunctions|HttpInvoke|{region}")]
    url = endpoint
    if query:
        encoded = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query)
        url += ("&" if urlsplit(endpoint).query else "?") + encoded
    return HttpRequest(method=method, url=url, headers=headers, body=body)


def form_encode(body: dict[str, Any], array_format: str = "INDICES") -> str:
    """A JSON object as ``application/x-www-form-urlencoded`` text, arrays by ``array_format``."""
    pairs: list[tuple[str, str]] = []

    def add(key: str, value: Any) -> None:
        if isinstance(value, dict):
            for name, inner in value.items():
                add(f"{key}[{name}]", inner)
        elif isinstance(value, list):
            if array_format == "COMMAS":
                pairs.append((key, ",".join(quote(_scalar(item), safe="") for item in value)))
                return
            for index, item in enumerate(value):
                add({"INDICES": f"{key}[{index}]", "BRACKETS": f"{key}[]"}.get(array_format, key), item)
        else:
            pairs.append((key, quote(_scalar(value), safe="")))

    for name, value in body.items():
        add(name, value)
    return "&".join(f"{quote(key, safe='')}={value}" for key, value in pairs)


# -- parts ------------------------------------------------------------------------------------------

def _task_headers(headers: Any) -> list[tuple[str, str]]:
    if headers is None:
        return []
    if not isinstance(headers, dict):
        raise _runtime(f"The Headers of an HTTP Task must be a JSON object, got {_shown(headers)}")
    out = []
    for name, value in headers.items():
        lower = name.lower()
        if lower in FORBIDDEN_HEADERS or lower.startswith(_FORBIDDEN_PREFIXES):
            raise _runtime(f"The header '{name}' cannot be set in an HTTP Task")
        out.append((name, ",".join(_scalar(v) for v in value) if isinstance(value, list) else _scalar(value)))
    return out


def _task_query(query: Any) -> list[tuple[str, str]]:
    if query is None:
        return []
    if isinstance(query, str):
        from urllib.parse import parse_qsl

        return parse_qsl(query.lstrip("?"), keep_blank_values=True)
    objects = query if isinstance(query, list) else [query]
    out: list[tuple[str, str]] = []
    for entry in objects:
        if not isinstance(entry, dict):
            raise _runtime(f"The QueryParameters of an HTTP Task must be a JSON object, a string or an array of "
                           f"objects, got {_shown(query)}")
        for name, value in entry.items():
            values = value if isinstance(value, list) else [value]
            out += [(name, _scalar(item)) for item in values]
    return out


def _merge(task: list[tuple[str, str]], connection: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The task's pairs, then the connection's: a connection key replaces the task's (case-insensitive)."""
    replaced = {name.lower() for name, _ in connection}
    return [(n, v) for n, v in task if n.lower() not in replaced] + list(connection)


def _transform(transform: Any) -> tuple[str, str]:
    if transform is None:
        return "NONE", "INDICES"
    if not isinstance(transform, dict):
        raise _runtime(f"The Transform of an HTTP Task must be a JSON object, got {_shown(transform)}")
    encoding = transform.get("RequestBodyEncoding", "NONE")
    if encoding not in ("NONE", "URL_ENCODED"):
        raise _runtime(f"RequestBodyEncoding must be NONE or URL_ENCODED, got {_shown(encoding)}")
    options = transform.get("RequestEncodingOptions") or {}
    array_format = options.get("ArrayFormat", "INDICES") if isinstance(options, dict) else None
    if array_format not in ARRAY_FORMATS:
        raise _runtime(f"RequestEncodingOptions.ArrayFormat must be one of {', '.join(ARRAY_FORMATS)}, "
                       f"got {_shown(array_format)}")
    return encoding, array_format


def _body(parameters: dict[str, Any], connection_body: list[tuple[str, str]], encoding: str,
          array_format: str) -> bytes | None:
    if "RequestBody" not in parameters and not connection_body:
        return None
    body = parameters.get("RequestBody")
    if connection_body:
        if isinstance(body, str):
            raise _runtime("The RequestBody is a string and the connection has body parameters: Step Functions "
                           "cannot merge them")
        body = {**(body if isinstance(body, dict) else {}), **dict(connection_body)}
    if isinstance(body, str):
        return body.encode()
    if encoding == "URL_ENCODED" and isinstance(body, dict):
        return form_encode(body, array_format).encode()
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _shown(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False) if value is not None else "nothing"

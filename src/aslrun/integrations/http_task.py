"""The HTTP Task (``arn:aws:states:::http:invoke``): calls an HTTP API with an EventBridge connection.

The request is built as AWS builds it (:mod:`aslrun.integrations.http_request`); the connection is
the local AWS's (:mod:`aslrun.localaws.connections`), found by its ARN or its name, and adds what
AWS documents: ``API_KEY`` a header ``<ApiKeyName>: <ApiKeyValue>``, ``BASIC`` an ``Authorization:
Basic`` header, ``OAUTH_CLIENT_CREDENTIALS`` an ``Authorization: Bearer`` header with a token asked
of the connection's ``AuthorizationEndpoint`` (client id and secret as Basic credentials,
``grant_type=client_credentials`` and the connection's ``OAuthHttpParameters``), and every connection
its ``InvocationHttpParameters``.

The result is AWS's: ``{"Headers": {name: [values]}, "ResponseBody": ..., "StatusCode": 200,
"StatusText": "OK"}``, the body parsed when the response says it is JSON, text otherwise. A status
outside 2xx fails the task with ``States.Http.StatusCode.<code>`` (the cause: that result as JSON
text); a response AWS cannot read (``application/octet-stream``, ``image/*``, ``video/*``,
``audio/*``, not text) with ``States.Runtime``; a missing connection with
``Events.ConnectionResource.ResourceNotFound``; a connection that cannot authorize (an OAuth token
refused) with ``Events.ConnectionResource.InvalidConnectionState``; a request that cannot be sent or
answered within AWS's 60 seconds with ``States.Http.Socket``.

Only hosts the user allows are called: loopback (``localhost``, ``127.0.0.0/8``, ``::1``) by
default; ``ASLRUN_HTTP_ALLOW_HOSTS`` adds more (comma-separated names, ``*.example.com``, or ``*``
for any). Any other host fails the task with ``States.Runtime`` before anything is sent.

With an inspector on the frame (TestState at ``TRACE``), the raw ``request`` and ``response`` are
recorded as TestState's ``inspectionData`` shows them, once with the connection's secrets and once
without (what ``revealSecrets`` chooses between).
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import time
from typing import Any
from urllib.parse import urlsplit

from ..engine.task_call import TaskCall
from ..errors import StatesError
from .http_request import ConnectionParts, HttpRequest, build_request, connection_arn, form_encode
from .aws_service import EmulatedResource

__all__ = ["ALLOW_HOSTS_VARIABLE", "HttpInvoke", "host_allowed"]

ALLOW_HOSTS_VARIABLE = "ASLRUN_HTTP_ALLOW_HOSTS"
_TIMEOUT_SECONDS = 60.0  # "HTTP task requests will timeout after 60 seconds"
_UNREADABLE_TYPES = ("application/octet-stream", "image/", "video/", "audio/")


def host_allowed(host: str, allowed: str | None = None) -> bool:
    """Whether the HTTP Task may call ``host``: loopback, or a host ``ASLRUN_HTTP_ALLOW_HOSTS`` names."""
    host = host.lower().strip("[]")
    if host == "localhost":
        return True
    try:
        if ipaddress.ip_address(host).is_loopback:
            return True
    except ValueError:
        pass
    patterns = allowed if allowed is not None else os.environ.get(ALLOW_HOSTS_VARIABLE, "")
    for pattern in (p.strip().lower() for p in patterns.split(",")):
        if pattern == "*" or pattern == host or (pattern.startswith("*.") and host.endswith(pattern[1:])):
            return True
    return False


class HttpInvoke(EmulatedResource):
    resource_type = "http"
    resource_name = "invoke"

    def __init__(self, resource: str) -> None:
        self.resource = resource

    def unbound_problem(self, bindings: Any) -> str | None:
        """Why this task cannot run (None: it can), known before the run: it reads its connection
        from the local AWS, so moto must be installed (unless a handler is bound to the resource)."""
        if bindings.service_handler(self.resource) is not None:
            return None
        from ..localaws.emulator import AWS_EXTRA_MISSING, aws_extra_installed

        if not aws_extra_installed():
            return f"resource '{self.resource}' reads its EventBridge connection from the local AWS, but " \
                   f"{AWS_EXTRA_MISSING}"
        return None

    def call_emulated(self, call: TaskCall) -> Any:
        """The request built as AWS builds it, sent; a handler bound to the resource wins (invoke)."""
        parameters = call.parameters
        arn = connection_arn(parameters)
        region = call.execution.region
        connection = _connection(arn, region)
        deadline = time.monotonic() + _TIMEOUT_SECONDS
        if call.real_deadline is not None:
            deadline = min(deadline, call.real_deadline)
        parts = _connection_parts(connection, deadline)
        request = build_request(parameters, parts, region=region)
        _check_host(request.url)
        status, reason, headers, raw = _send(request, deadline)
        result = _result(status, reason, headers, raw)
        inspector = call.frame.inspector
        if inspector is not None:
            hidden = build_request(parameters, ConnectionParts(), region=region)
            response = _trace_response(status, reason, headers, raw)
            inspector.stage(call.frame, httpRequest=_trace_request(request), httpResponse=response,
                            httpRequestHidden=_trace_request(hidden))
        if not 200 <= status < 300:
            raise StatesError(f"States.Http.StatusCode.{status}", json.dumps(result, separators=(",", ":"),
                                                                           ensure_ascii=False))
        return result


# -- the connection -----------------------------------------------------------------------------------

def _connection(arn: str, region: str) -> Any:
    from ..localaws.connections import find_connection, parse_connection_arn
    from ..localaws.emulator import AwsUnavailable, current_aws

    try:
        aws = current_aws()
    except AwsUnavailable as missing:
        raise StatesError("States.Runtime", f"an HTTP Task reads its connection from the local AWS: {missing}",
                          in_state=True) from None
    assert aws is not None
    connection = find_connection(aws, arn, region=region)
    if connection is None:
        parsed = parse_connection_arn(arn)
        name = parsed[1] if parsed else arn
        raise StatesError("Events.ConnectionResource.ResourceNotFound",
                          f"Failed to describe the connection(s). Connection '{name}' does not exist.")
    if connection.state != "AUTHORIZED":
        raise StatesError("Events.ConnectionResource.InvalidConnectionState",
                          f"Connection '{connection.name}' is in state {connection.state}, not AUTHORIZED.")
    return connection


def _pairs(parameters: Any, kind: str) -> list[tuple[str, str]]:
    """``[{"Key": k, "Value": v}, ...]`` of an ``*HttpParameters`` section as pairs."""
    entries = (parameters or {}).get(kind) or []
    return [(str(e.get("Key")), "" if e.get("Value") is None else str(e.get("Value"))) for e in entries
            if isinstance(e, dict)]


def _connection_parts(connection: Any, deadline: float) -> ConnectionParts:
    auth = connection.auth_parameters
    invocation = auth.get("InvocationHttpParameters")
    kind = connection.authorization_type
    authorization: tuple[str, str] | None = None
    if kind == "API_KEY":
        key = auth.get("ApiKeyAuthParameters") or {}
        authorization = (str(key.get("ApiKeyName")), str(key.get("ApiKeyValue")))
    elif kind == "BASIC":
        basic = auth.get("BasicAuthParameters") or {}
        authorization = ("Authorization", _basic(basic.get("Username"), basic.get("Password")))
    elif kind == "OAUTH_CLIENT_CREDENTIALS":
        authorization = ("Authorization", f"Bearer {_oauth_token(connection, deadline)}")
    return ConnectionParts(authorization=authorization, headers=_pairs(invocation, "HeaderParameters"),
                           query=_pairs(invocation, "QueryStringParameters"), body=_pairs(invocation, "BodyParameters"))


def _basic(user: Any, password: Any) -> str:
    return "Basic " + base64.b64encode(f"{user or ''}:{password or ''}".encode()).decode()


def _oauth_token(connection: Any, deadline: float) -> str:
    """An access token from the connection's authorization endpoint (client credentials grant)."""
    oauth = connection.auth_parameters.get("OAuthParameters") or {}
    client = oauth.get("ClientParameters") or {}
    extra = oauth.get("OAuthHttpParameters")
    endpoint = str(oauth.get("AuthorizationEndpoint") or "")
    query = _pairs(extra, "QueryStringParameters")
    if query:
        from urllib.parse import urlencode

        endpoint += ("&" if urlsplit(endpoint).query else "?") + urlencode(query)
    body = {"grant_type": "client_credentials", **dict(_pairs(extra, "BodyParameters"))}
    headers = [("Content-Type", "application/x-www-form-urlencoded"), *_pairs(extra, "HeaderParameters"),
               ("Authorization", _basic(client.get("ClientID"), client.get("ClientSecret")))]
    request = HttpRequest(method=str(oauth.get("HttpMethod") or "POST"), url=endpoint, headers=headers,
                          body=form_encode(body).encode())
    _check_host(request.url)
    try:
        status, _, _, raw = _send(request, deadline)
        token = json.loads(raw.decode()).get("access_token") if 200 <= status < 300 else None
    except (StatesError, ValueError, AttributeError):
        token = None
    if not isinstance(token, str) or not token:
        raise StatesError("Events.ConnectionResource.InvalidConnectionState",
                          f"Connection '{connection.name}' could not authorize: its authorization endpoint "
                          f"{oauth.get('AuthorizationEndpoint')} gave no access token.")
    return token


# -- sending --------------------------------------------------------------------------------------------

def _check_host(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if not host_allowed(host):
        raise StatesError("States.Runtime", f"aslrun calls only the hosts it is allowed to: '{host}' is not loopback "
                          f"and not in {ALLOW_HOSTS_VARIABLE} (e.g. {ALLOW_HOSTS_VARIABLE}={host})", in_state=True)


def _send(request: HttpRequest, deadline: float) -> tuple[int, str, list[tuple[str, str]], bytes]:
    """(status, reason, headers, body) of the response; ``States.Http.Socket`` when none comes."""
    import http.client

    parts = urlsplit(request.url)
    timeout = max(0.001, deadline - time.monotonic())
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    connection = connection_class(parts.hostname or "", parts.port, timeout=timeout)
    try:
        connection.putrequest(request.method, target, skip_accept_encoding=True)
        for name, value in request.headers:
            connection.putheader(name, value)
        body = request.body
        if body is not None or request.method in ("POST", "PUT", "PATCH"):
            connection.putheader("Content-Length", str(len(body or b"")))
        connection.endheaders(body)
        response = connection.getresponse()
        raw = response.read()
        return response.status, response.reason, list(response.getheaders()), raw
    except (OSError, http.client.HTTPException) as failed:
        reason = "timed out" if isinstance(failed, TimeoutError) else str(failed) or type(failed).__name__
        raise StatesError("States.Http.Socket", f"The HTTP request to {parts.hostname} failed: {reason}") from None
    finally:
        connection.close()


# -- the answer -----------------------------------------------------------------------------------------

def _media_type(headers: list[tuple[str, str]]) -> tuple[str, str]:
    """(media type, charset) of the response's Content-Type."""
    value = next((v for n, v in headers if n.lower() == "content-type"), "")
    media, _, rest = value.partition(";")
    charset = "utf-8"
    for parameter in rest.split(";"):
        name, _, given = parameter.strip().partition("=")
        if name.lower() == "charset" and given:
            charset = given.strip('"')
    return media.strip().lower(), charset


def _text(headers: list[tuple[str, str]], raw: bytes) -> str:
    media, charset = _media_type(headers)
    if media.startswith(_UNREADABLE_TYPES):
        raise StatesError("States.Runtime", f"The HTTP response has a content type Step Functions does not support: "
                          f"{media}", in_state=True)
    try:
        return raw.decode(charset)
    except (LookupError, UnicodeDecodeError):
        raise StatesError("States.Runtime", "The HTTP response body cannot be read as a valid string",
                          in_state=True) from None


def _result(status: int, reason: str, headers: list[tuple[str, str]], raw: bytes) -> dict[str, Any]:
    text = _text(headers, raw)
    media, _ = _media_type(headers)
    body: Any = text
    if media == "application/json" or media.endswith("+json"):
        try:
            body = json.loads(text)
        except ValueError:
            pass  # announced as JSON, yet not: the text as it came
    grouped: dict[str, list[str]] = {}
    for name, value in headers:
        grouped.setdefault(name, []).append(value)
    return {"Headers": grouped, "ResponseBody": body, "StatusCode": status, "StatusText": reason}


def _trace_request(request: HttpRequest) -> dict[str, str]:
    return {"protocol": "https" if request.url.startswith("https:") else "http", "method": request.method,
            "url": request.url, "headers": _header_text(request.headers),
            "body": (request.body or b"").decode("utf-8", "replace")}


def _trace_response(status: int, reason: str, headers: list[tuple[str, str]], raw: bytes) -> dict[str, str]:
    return {"protocol": "HTTP/1.1", "statusCode": str(status), "statusMessage": reason,
            "headers": _header_text(headers), "body": raw.decode("utf-8", "replace")}


def _header_text(headers: list[tuple[str, str]]) -> str:
    grouped: dict[str, list[str]] = {}
    for name, value in headers:
        grouped.setdefault(name, []).append(value)
    return json.dumps(grouped, separators=(",", ":"), ensure_ascii=False)

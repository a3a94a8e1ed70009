"""The HTTP face of the service: an ASGI app (Starlette) speaking Step Functions' JSON 1.0 protocol.

``POST /`` with ``X-Amz-Target: AWSStepFunctions.<Action>``: the request is read and checked by
:mod:`aslrun.service.wire`, answered by :class:`~aslrun.service.provider.StepFunctionsService` on a
worker thread (the store and the engine are blocking code), and the answer or error written back
as AWS writes it. Nothing a client sends can take the server down: an unexpected failure is logged
and answered with ``InternalFailure`` (HTTP 500), which SDKs retry.

A browser's ``GET /`` and the ``/console/`` paths are the web console (:mod:`aslrun.service.console`).
A request signed for another service (DynamoDB, S3 at any path, SQS...) is the local AWS's
(:mod:`aslrun.service.aws_proxy`): a suite that used one endpoint for everything keeps doing so.
"""

from __future__ import annotations

import json
import sys
import traceback
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from . import aws_proxy
from .aws_proxy import PROXIED_SERVICES, signed_for
from .console import Console
from .context import region_of
from .faults import ServiceError
from .provider import StepFunctionsService
from .wire import JSON_CONTENT_TYPE, error_body, operation, parse_request, serialise

__all__ = ["build_app"]

MAX_BODY_BYTES = 8 * 1024 * 1024  # a 1 MiB definition or 256 KiB input, JSON-escaped, fits many times over
LOCAL_AWS_MAX_BODY_BYTES = 512 * 1024 * 1024  # an S3 object (or part) sent to the local AWS, held in memory
LAMBDA_MAX_BODY_BYTES = 70 * 1024 * 1024  # a 50 MB .zip, base64 in a CreateFunction request
_WORKER_THREADS = 256  # requests answered at once (GetActivityTask long-polls hold one each)


def build_app(service: StepFunctionsService) -> Any:
    """The server's ASGI app: a request signed for a service of the local AWS goes to it
    (:mod:`.aws_proxy`), the rest to the routes (Step Functions at ``POST /``, the console)."""
    limiter = anyio.CapacityLimiter(_WORKER_THREADS)

    async def api(request: Request) -> Response:
        call = service.call(region_of(request.headers.get("authorization"), service.config.region))
        request_id = call.request_id  # every answer carries it, refusals too
        try:
            body = await _read_body(request)
            operation_model = operation(request.headers.get("x-amz-target"))
            members = parse_request(operation_model, body)
            result = await anyio.to_thread.run_sync(service.handle, operation_model.name, members, call,
                                                    limiter=limiter)
            return _json(serialise(operation_model, result), 200, call.request_id)
        except ServiceError as error:
            return _json(error_body(error), error.status, request_id)
        except Exception as exc:  # a bug: never a dropped connection or a dead server
            print("aslrun serve: unexpected failure answering a request:", file=sys.stderr)
            traceback.print_exception(exc)
            failure = ServiceError("InternalFailure", f"aslrun failed to answer: {type(exc).__name__}: {exc}",
                                   status=500)
            return _json(error_body(failure), 500, request_id)

    console = Console(service)  # a browser's GET / and /console/...: the web console (docs/console.md)

    async def local_aws(request: Request, aws_service: str, region: str) -> Response:
        """A request for a service of the local AWS (:mod:`.aws_proxy`), answered by moto."""
        if aws_service == "lambda":  # functions created and invoked here (service.lambda_api)
            return await lambda_api(request, region)
        if aws_service not in PROXIED_SERVICES:
            status, headers, content = aws_proxy.not_served(aws_service)
            return Response(content, status_code=status, headers=headers)
        try:
            body = await _read_body(request, LOCAL_AWS_MAX_BODY_BYTES)
            status, headers, content = await anyio.to_thread.run_sync(
                aws_proxy.answer, request.method, request.url.path, request.url.query, dict(request.headers), body,
                aws_service, region, limiter=limiter)
        except ServiceError as error:  # too large a body
            return PlainTextResponse(error.message or error.code, status_code=error.status)
        except Exception as exc:  # the local AWS failed (or is not installed): a 500, logged
            print("aslrun serve: the local AWS failed to answer a request:", file=sys.stderr)
            traceback.print_exception(exc)
            return PlainTextResponse(f"aslrun's local AWS failed to answer: {type(exc).__name__}: {exc}",
                                     status_code=500)
        return Response(content, status_code=status, headers=headers)

    async def lambda_api(request: Request, region: str) -> Response:
        try:
            body = await _read_body(request, LAMBDA_MAX_BODY_BYTES)
        except ServiceError as error:
            status, headers, content = 413, {"x-amzn-ErrorType": "RequestTooLargeException"}, \
                json.dumps({"Type": "User", "message": error.message}).encode()
        else:
            status, headers, content = await anyio.to_thread.run_sync(
                service.lambda_functions.answer, request.method, request.url.path, request.url.query,
                dict(request.headers), body, region, limiter=limiter)
        return Response(content, status_code=status, headers=headers)

    async def index(request: Request) -> Response:
        if console.wanted(request):
            return await console.home(request)
        actions = ", ".join(service.actions)
        return PlainTextResponse(
            "aslrun serve: the AWS Step Functions API.\n"
            "Point an SDK or the AWS CLI here (endpoint_url / --endpoint-url) and POST requests with "
            "X-Amz-Target: AWSStepFunctions.<Action>.\n"
            f"Actions: {actions}\n")

    async def local_aws_first(scope: Any, receive: Any, send: Any) -> None:
        """Every request signed for a service of the local AWS goes there, whatever its path (an S3
        bucket may be named like a console page); the rest to the routes."""
        if scope["type"] == "http":
            request = Request(scope, receive)
            signed = signed_for(request.headers, request.url.query, service.config.region)
            if signed is not None and signed[0] != "states" and \
                    not request.headers.get("x-amz-target", "").startswith("AWSStepFunctions."):
                response = await local_aws(request, *signed)
                await response(scope, receive, send)
                return
        await routes(scope, receive, send)

    routes = Starlette(routes=[Route("/", api, methods=["POST"]), Route("/", index, methods=["GET"]), *console.routes])
    return local_aws_first


async def _read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ServiceError("ValidationException", f"The request is larger than {limit} bytes", status=413)
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ServiceError("ValidationException", f"The request is larger than {limit} bytes", status=413)
        chunks.append(chunk)
    return b"".join(chunks)


def _json(body: dict[str, Any], status: int, request_id: str) -> Response:
    try:
        content = json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
    except (UnicodeError, ValueError):  # text that is not Unicode (a lone surrogate): escaped, never a failure
        content = json.dumps(body, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    return Response(content, status_code=status, headers={"x-amzn-RequestId": request_id},
                    media_type=JSON_CONTENT_TYPE)

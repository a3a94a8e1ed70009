"""A handler's AWS calls made in a worker process, answered by its caller's local AWS.

With ``handler_processes`` a handler runs in a worker process (:mod:`.handler_worker`), while the
run's local AWS (moto) lives in the caller's memory. Every botocore client made in a worker carries
two hooks. The first (``provide-client-params``) keeps the call's parameters as the handler gave
them; the second (``before-call``: the request is built, not yet signed or sent) hands the call to
the caller over the worker's pipe, as ``(AWS_CALL, service, region, operation, parameters)``, while
the caller runs a local AWS and the request is bound for AWS itself (a handler's own
``endpoint_url`` is left alone, as it is in the caller). The caller makes the same call with its
local AWS's client, in the thread waiting for the worker (:func:`answer_in_caller`), so the call is
journaled and answered exactly as the same handler's call on a thread of the caller would be, and
sends back the parsed answer, the service's error document, or the exception raised. The worker
hands that to botocore as the response, so the handler gets what it would get in the caller: the
modeled exception classes, datetimes, a readable ``StreamingBody``. A file-like parameter (an
upload's ``Body``) is read into bytes to cross; a streaming body comes back as bytes.

A request bound for AWS that was not handed over (nothing kept of its parameters) is refused before
it is sent (:class:`LocalAwsOutOfReach`, naming it): from a worker it could only reach real AWS. So
is a call made by a thread the handler left behind once it returned: its caller reads the pipe only
while the handler runs (on Lambda, too, nothing runs between invocations).
"""

from __future__ import annotations

import io
import threading
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from .worker_messages import read_message, sendable, write_message

__all__ = ["AWS_CALL", "PIPE_LOCK", "LocalAwsOutOfReach", "answer_in_caller", "call_ended", "install_in_worker",
           "set_caller_has_local_aws"]

AWS_CALL = "aws-call"
_PARAMS = "aslrun.worker-call-params"  # the key of the call's context under which its parameters are kept
_AWS_HOSTS = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws")

#: held by whoever writes to the caller from a worker, until the answer it waits for (if any) is read:
#: a handler's own threads (an S3 transfer's) and the worker's answer share the pipe
PIPE_LOCK = threading.Lock()


class LocalAwsOutOfReach(RuntimeError):
    """A handler in a worker process called AWS in a way its caller's local AWS cannot answer."""


class _Body:
    """A streaming body's bytes, on their way back to the worker."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


# -- in the worker --------------------------------------------------------------------------------------

class _Channel:
    answers: BinaryIO | None = None  # to the caller
    requests: BinaryIO | None = None  # from the caller
    caller_has_local_aws = False  # set with each handler call
    in_call = False  # a handler call is running (its caller reads the pipe until it answers)


def install_in_worker(answers: BinaryIO, requests: BinaryIO) -> None:
    """Put the two hooks on every botocore client this worker makes from now on."""
    _Channel.answers, _Channel.requests = answers, requests
    try:
        import botocore.handlers  # type: ignore[import-untyped]
    except ImportError:  # no botocore: nothing here can call AWS
        return
    botocore.handlers.BUILTIN_HANDLERS.extend([("provide-client-params", _keep_params),
                                               ("before-call", _hand_to_caller),
                                               ("before-send", _refuse_what_was_not_handed_over)])


def set_caller_has_local_aws(value: bool) -> None:
    """A handler call begins; its caller runs a local AWS or not."""
    _Channel.caller_has_local_aws = value
    _Channel.in_call = True


def call_ended() -> None:
    """The handler returned: a call its threads make from now on has no caller to take it."""
    _Channel.in_call = False


def _bound_for_aws(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host.endswith(_AWS_HOSTS)


def _keep_params(params: Any = None, context: Any = None, **_: Any) -> None:
    if _Channel.caller_has_local_aws and isinstance(context, dict) and isinstance(params, dict):
        context[_PARAMS] = dict(params)


def _hand_to_caller(model: Any = None, params: Any = None, context: Any = None, **_: Any) -> Any:
    if not _Channel.caller_has_local_aws or not isinstance(context, dict) or _PARAMS not in context:
        return None
    url = (params or {}).get("url", "")
    if not _bound_for_aws(url):
        return None
    if not _Channel.in_call:  # (a thread the handler left behind: its caller no longer reads the pipe)
        raise LocalAwsOutOfReach(f"handler_processes: an AWS call ({model.name}) was made from a worker process "
                                 "after its handler had returned; the run's local AWS is not reachable then")
    given = context.pop(_PARAMS)
    assert _Channel.answers is not None and _Channel.requests is not None
    with PIPE_LOCK:  # (a file-like read only now: an S3 transfer's ten threads would each hold a part of it)
        api_params = {name: value.read() if hasattr(value, "read") else value for name, value in given.items()}
        call = (AWS_CALL, model.service_model.service_name, context.get("client_region"), model.name, api_params)
        write_message(_Channel.answers, call)
        del api_params, call  # (the part's bytes, sent)
        kind, payload = read_message(_Channel.requests)
    if kind == "raise":
        raise payload
    return _response(url, kind, payload)


def _response(url: str, kind: str, parsed: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """(the HTTP response, the parsed answer), as botocore takes a ``before-call`` hook's answer."""
    from botocore.awsrequest import AWSResponse  # type: ignore[import-untyped]
    from botocore.response import StreamingBody  # type: ignore[import-untyped]

    from ..localaws.answered_calls import RawBody

    for name, value in list(parsed.items()):
        if isinstance(value, _Body):
            parsed[name] = StreamingBody(io.BytesIO(value.data), len(value.data))
    metadata = parsed.get("ResponseMetadata") or {}
    status = metadata.get("HTTPStatusCode") or (200 if kind == "ok" else 400)
    return AWSResponse(url, status, dict(metadata.get("HTTPHeaders") or {}), RawBody(b"")), parsed


def _refuse_what_was_not_handed_over(request: Any = None, **_: Any) -> None:
    url = getattr(request, "url", "") or ""
    if _Channel.caller_has_local_aws and _bound_for_aws(url):
        raise LocalAwsOutOfReach(
            f"handler_processes: the handler's AWS call ({getattr(request, 'method', '')} {url}) could not be "
            "handed to the run's local AWS, which lives in the calling process; it is refused rather than "
            "sent to AWS")


# -- in the caller --------------------------------------------------------------------------------------

def answer_in_caller(service: str, region: str | None, operation: str, params: dict[str, Any]) -> tuple[str, Any]:
    """Make a worker's call with the active local AWS's client: ``("ok", parsed answer)``,
    ``("error", the service's error document)`` or ``("raise", the exception)``."""
    from ..localaws.emulator import current_aws

    aws = current_aws(start=False)
    if aws is None:
        return "raise", LocalAwsOutOfReach(f"handler_processes: the handler called AWS ({service} {operation}) "
                                           "from a worker process after the run's local AWS stopped")
    try:
        from botocore.exceptions import ClientError  # type: ignore[import-untyped]
        from botocore.response import StreamingBody  # type: ignore[import-untyped]

        client = aws.client(service, region)
        parsed = getattr(client, _method_name(client, operation))(**params)
    except ClientError as error:
        return "error", error.response
    except Exception as exc:  # refused parameters, an API the local AWS does not emulate...
        return "raise", sendable(exc)
    return "ok", {name: _Body(value.read()) if isinstance(value, StreamingBody) else value
                  for name, value in parsed.items()}


_METHOD_NAMES: dict[tuple[str, str], str] = {}  # (service, operation) -> the client's method


def _method_name(client: Any, operation: str) -> str:
    key = (client.meta.service_model.service_name, operation)
    name = _METHOD_NAMES.get(key)
    if name is None:
        for name, api in client.meta.method_to_api_mapping.items():
            _METHOD_NAMES[(key[0], api)] = name
        name = _METHOD_NAMES[key]
    return name

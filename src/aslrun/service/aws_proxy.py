"""The local AWS on the server's own port: requests for services other than Step Functions.

A team leaving LocalStack points every client at one URL: its tests seed a table, run a state
machine whose Tasks write to it, and read the table back, all through that endpoint. ``aslrun
serve`` answers the services its local AWS emulates (moto, in the server's memory: the same one
the executions' service-integration Tasks reach) on the port it answers Step Functions on.

Which service a request is for, and in which region, is read from its SigV4 credential scope
(``Credential=KEY/DATE/REGION/SERVICE/aws4_request`` in the ``Authorization`` header, or
``X-Amz-Credential`` in a presigned URL's query): every SDK signs what it sends, even to a local
endpoint. The request is then given to moto's dispatcher as if sent to the service's AWS endpoint
(``https://dynamodb.REGION.amazonaws.com/...``; S3 path-style, as SDKs address a custom endpoint),
and moto's answer goes back as it is. The signature itself is not checked (nor is it on AWS's
local tools).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from .context import credential_scope

__all__ = ["PROXIED_SERVICES", "answer", "not_served", "signed_for"]

#: the SigV4 signing names of the services the local AWS emulates -> their AWS endpoint's host
PROXIED_SERVICES = {
    "dynamodb": "dynamodb.{region}.amazonaws.com",
    "s3": "s3.{region}.amazonaws.com",
    "sqs": "sqs.{region}.amazonaws.com",
    "sns": "sns.{region}.amazonaws.com",
    "events": "events.{region}.amazonaws.com",
    "ssm": "ssm.{region}.amazonaws.com",
    "secretsmanager": "secretsmanager.{region}.amazonaws.com",
    "iam": "iam.amazonaws.com",  # roles a Terraform configuration creates for its machines and functions
    "sts": "sts.{region}.amazonaws.com",
    "logs": "logs.{region}.amazonaws.com",
    "scheduler": "scheduler.{region}.amazonaws.com",
    "kms": "kms.{region}.amazonaws.com",
    "monitoring": "monitoring.{region}.amazonaws.com",
}

_QUERY_SCOPE = re.compile(r"^[^/]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request$")
# hop-by-hop and length headers: the server writes its own for what it sends
_NOT_FORWARDED = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})
_WRITTEN_BY_SERVER = frozenset({"date", "server"})  # the HTTP server writes its own: not twice


def signed_for(headers: Mapping[str, str], query: str, default_region: str = "us-east-1") -> tuple[str, str] | None:
    """``(service, region)`` of the request's SigV4 credential scope; None when it is not signed.
    A SigV2 signature (``Authorization: AWS key:signature``, or a presigned URL's ``AWSAccessKeyId``),
    which only S3 still takes, is S3's in ``default_region``."""
    authorization = headers.get("authorization", "")
    scope = credential_scope(authorization)
    if scope is not None and scope[1] is not None:
        return scope[1], scope[0]
    fields = parse_qs(query)
    for credential in fields.get("X-Amz-Credential", []):
        found = _QUERY_SCOPE.match(credential)
        if found:
            return found.group(2), found.group(1)
    if authorization.startswith("AWS ") or "AWSAccessKeyId" in fields:
        return "s3", default_region
    return None


def not_served(service: str) -> tuple[int, dict[str, str], bytes]:
    """The answer to a request signed for a service the local AWS does not emulate (Kinesis...):
    501, with a message an SDK shows."""
    message = (f"aslrun serve answers Step Functions, Lambda and, from its local AWS, "
               f"{', '.join(sorted(PROXIED_SERVICES))}; not {service}")
    body = json.dumps({"__type": "NotImplementedException", "message": message, "Message": message}).encode()
    return 501, {"x-amzn-ErrorType": "NotImplementedException", "content-type": "application/json"}, body


def answer(method: str, path: str, query: str, headers: Mapping[str, str], body: bytes, service: str,
           region: str) -> tuple[int, dict[str, str], bytes]:
    """The local AWS's answer to a request signed for ``service`` (one of :data:`PROXIED_SERVICES`):
    status, headers and body as moto gives them."""
    from botocore.awsrequest import AWSPreparedRequest, HeadersDict

    aws = _local_aws()
    if service == "iam":  # roles attach AWS's own policies: moto makes them when asked (iam_policies)
        from ..localaws.iam_policies import ensure_aws_managed_policies

        ensure_aws_managed_policies(aws)
    host = PROXIED_SERVICES[service].format(region=region)
    url = f"https://{host}{path}" + (f"?{query}" if query else "")
    forwarded = HeadersDict({name: value for name, value in headers.items() if name.lower() not in _NOT_FORWARDED})
    forwarded["host"] = host
    if body:
        forwarded["content-length"] = str(len(body))
    request = AWSPreparedRequest(method, url, forwarded, body, stream_output=False)  # (headers: any case, as moto reads them)
    answered = aws.answer_request(request, service=service, region=region)
    if answered is None:
        return 404, {}, b"the local AWS has no answer to this request"
    status, response_headers, content = answered
    if isinstance(content, str):
        content = content.encode("utf-8")
    keep_length = method == "HEAD"  # no body: the length moto gives is the object's, to be kept
    kept = {str(name): str(value) for name, value in (response_headers or {}).items()
            if str(name).lower() not in _NOT_FORWARDED | _WRITTEN_BY_SERVER
            or (keep_length and str(name).lower() == "content-length")}
    return int(status), kept, bytes(content or b"")


def _local_aws() -> Any:
    """The server's local AWS (started on first use, as a Task's first AWS call starts it; one
    start even when requests come at once: current_aws holds the local AWS's lock)."""
    from ..localaws.emulator import current_aws

    return current_aws(start=True)

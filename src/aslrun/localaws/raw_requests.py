"""What a raw request asks of the local AWS, for the journal: its operation and parameters as
botocore names them, and its answer parsed as botocore parses it.

``aslrun serve`` passes on to moto the requests any SDK sends it for DynamoDB, S3, SQS, SNS,
EventBridge... (:mod:`aslrun.service.aws_proxy`). Those never went through a boto3 client of the
local AWS, so the journal's botocore hooks did not see them; :meth:`LocalAws.answer_request` reads
the request here instead, only when its operation is one the journal records, and hands the call to
the same recorders (:mod:`aslrun.localaws.journal.capture`). The recorders need only names and keys
(a table and an item's key, a queue's URL, a bucket and an object's key, a topic's ARN) and, for
a few operations, the answer (the ids of the messages sent, a subscription's ARN).

The wire formats, by how the request says what it is:

* ``X-Amz-Target: Service.Operation`` with a JSON body (DynamoDB, SQS, EventBridge, SSM...): the
  body read against the operation's input shape by botocore's own JSON parser (a binary value
  comes out as bytes, as a boto3 caller gives it).
* ``Action=Operation`` form fields (SNS; SQS's older query protocol): the fields gathered into the
  input shape's structures, lists (``Name.member.N``) and maps (``Name.entry.N.key``) by their
  serialized names. SQS's model no longer has its query names, so its few recorded operations
  are read by name (``Attribute.N.Name``, ``SendMessageBatchRequestEntry.N.Id``...).
* S3's REST paths (path-style, as an SDK addresses a custom endpoint): the operation from the method,
  the path and the sub-resource in the query (``?delete``, ``?uploadId=``, ``x-amz-copy-source``).
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

from .moto_calls import MOTO_LOCK, may_wait

if TYPE_CHECKING:
    from .emulator import LocalAws

__all__ = ["RawCall", "UnreadableRequest", "answer_journaled", "answer_parsed", "read_call"]


class UnreadableRequest(ValueError):
    """A request for an operation the journal records whose parameters could not be read."""


class RawCall(NamedTuple):
    """A raw request read as a call: botocore's service and operation names, its parameters."""

    service: str
    operation: str
    params: dict[str, Any]
    protocol: str  # how the answer is written: json, rest-json, query, rest-xml, or sqs-query (SQS's older one)


def answer_journaled(aws: LocalAws, request: Any, service: str, region: str | None,
                     answer: Callable[[Any], Any]) -> Any:
    """``answer(request)`` (moto's answer: status, headers, body, or None), with the change it made
    journaled like a client's call when ``aws`` keeps a state directory. A change the journal would
    keep but cannot read is refused once made (an error: it is not kept); a change in another region
    than the one ``aws`` keeps is said, once per region, to live in memory only."""
    if not aws.journaling:  # in memory: nothing to keep, nothing to read
        return answer(request)
    if service in NOT_KEPT:
        _say_service_not_kept(aws, service)
        return answer(request)
    from .journal import is_recorded

    call, unreadable = None, None
    try:
        call = read_call(service, request, is_recorded)
    except UnreadableRequest as exc:
        unreadable = exc  # moto may refuse it too; if it makes the change, it cannot be kept
    if call is None or may_wait(request):
        return _answered_and_recorded(aws, request, service, region, answer, call, unreadable)
    # A change and its journal entry at once: no other call (another client reading through the
    # port) sees the change before it is kept, to lose it to a crash right after (the one call
    # lock: moto's answer takes it again in this thread). An SQS ReceiveMessage, which may wait for
    # a message, is never held under it (see moto_calls).
    with MOTO_LOCK:
        return _answered_and_recorded(aws, request, service, region, answer, call, unreadable)


def _answered_and_recorded(aws: LocalAws, request: Any, service: str, region: str | None,
                           answer: Callable[[Any], Any], call: RawCall | None,
                           unreadable: UnreadableRequest | None) -> Any:
    from .journal import note_call, record_call

    noted = note_call(service, call.operation, call.params, region) if call is not None else None
    answered = answer(request)
    if answered is None or int(answered[0]) >= 300:
        return answered
    if unreadable is not None:
        raise RuntimeError(f"the local AWS made a change it cannot journal: {unreadable}")
    if noted is not None and call is not None:
        status, headers, content = answered
        body = content.encode("utf-8") if isinstance(content, str) else content or b""
        record_call(noted, answer_parsed(call, int(status), headers or {}, body))
    elif call is not None and region not in (None, aws.region) and service != "s3":
        _say_region_not_kept(aws, str(region), service)
    return answered


#: services the local AWS answers but whose state a state directory does not keep
NOT_KEPT = frozenset({"kms", "monitoring"})


def _say_service_not_kept(aws: LocalAws, service: str) -> None:
    if service in aws.not_kept_told:
        return
    aws.not_kept_told.add(service)
    print(f"aslrun: the local AWS in {aws.state_dir} answers {service} in memory only: what is made there is "
          "gone at the next start", file=sys.stderr, flush=True)


def _say_region_not_kept(aws: LocalAws, region: str, service: str) -> None:
    if not aws.journaling or region in aws.not_kept_told:
        return
    aws.not_kept_told.add(region)
    print(f"aslrun: the local AWS in {aws.state_dir} keeps region {aws.region} (and S3): the {service} change "
          f"just made in {region}, and any later one there, lives in memory only and is gone at the next "
          f"start (start with --region {region} to keep that region)", file=sys.stderr, flush=True)


def read_call(service: str, request: Any, is_recorded: Any) -> RawCall | None:
    """The call ``request`` (a botocore ``AWSPreparedRequest``) makes of ``service``, when
    ``is_recorded(service, operation)``; None for anything else (a read, an operation the journal
    does not keep, a request whose operation cannot be told). Raises :class:`UnreadableRequest` when
    the operation is recorded but its parameters cannot be read."""
    headers = {str(name).lower(): str(value) for name, value in request.headers.items()}
    split = urlsplit(request.url)
    if service == "s3":  # (its body, an object's bytes maybe, is read only for DeleteObjects)
        found = _s3_operation(request.method, split.path, split.query, headers)
        if found is None or not is_recorded(service, found[0]):
            return None
        operation, params = found
        if operation == "DeleteObjects":
            params["Delete"] = {"Objects": [{"Key": key} for key in _deleted_keys(_bytes(request.body))]}
        return RawCall(service, operation, params, "rest-xml")
    body = _bytes(request.body)
    if service in REST_JSON:
        return _rest_json_call(service, request.method, split.path, split.query, headers, body, is_recorded)
    target = headers.get("x-amz-target")
    if target:
        operation = target.rsplit(".", 1)[-1]
        if not is_recorded(service, operation):
            return None
        return RawCall(service, operation, _json_params(service, operation, body), "json")
    fields = _form_fields(split.query, body, headers)
    operation = (fields.get("Action") or [""])[0]
    if not operation or not is_recorded(service, operation):
        return None
    if service == "sqs":
        return RawCall(service, operation, _sqs_query_params(fields), "sqs-query")
    return RawCall(service, operation, _query_params(service, operation, fields), "query")


def answer_parsed(call: RawCall, status: int, headers: Mapping[str, Any], body: bytes) -> dict[str, Any]:
    """The answer to ``call`` as botocore would parse it for a boto3 caller (the recorders read a
    message id or a subscription's ARN from it); ``{}`` for S3, whose recorders read none."""
    if call.protocol == "rest-xml":
        return {}
    if call.protocol == "sqs-query":  # the ids of the messages sent: all the recorder reads
        ids = [found.decode("utf-8") for found in re.findall(rb"<MessageId>([^<]*)</MessageId>", body)]
        return {"Successful": [{"MessageId": one} for one in ids]}
    from botocore.parsers import create_parser  # type: ignore[import-untyped]

    shape = _operation_model(call.service, call.operation).output_shape
    if shape is None:
        return {}
    answer = {"body": body, "headers": {str(k): str(v) for k, v in headers.items()}, "status_code": status}
    return create_parser(call.protocol).parse(answer, shape)  # type: ignore[no-any-return]


# -- REST-JSON: the operation in the method and path ----------------------------------------------------------

#: services the journal keeps whose protocol is REST-JSON
REST_JSON = frozenset({"scheduler"})


def _rest_json_call(service: str, method: str, path: str, query: str, headers: dict[str, str], body: bytes,
                    is_recorded: Any) -> RawCall | None:
    from .rest_json import BadMember, UnreadableBody, parse_members, route_of

    routed = route_of(service, method, path, query)  # (its members unquoted one by one)
    if routed is None or not is_recorded(service, routed[0]):
        return None
    operation, path_members = routed
    try:
        params = parse_members(service, operation, path_members, query, headers, body)
    except (UnreadableBody, BadMember) as exc:
        raise UnreadableRequest(f"{service} {operation}: {exc}") from None
    return RawCall(service, operation, params, "rest-json")


# -- JSON: X-Amz-Target and a JSON body ---------------------------------------------------------------------

def _json_params(service: str, operation: str, body: bytes) -> dict[str, Any]:
    import json

    from botocore.parsers import create_parser

    try:
        document = json.loads(body or b"{}")
    except ValueError as exc:
        raise UnreadableRequest(f"{service} {operation}: the body is not JSON ({exc})") from None
    if not isinstance(document, dict):
        raise UnreadableRequest(f"{service} {operation}: the body is not a JSON object")
    shape = _operation_model(service, operation).input_shape
    parsed = create_parser("json").parse({"body": body or b"{}", "headers": {}, "status_code": 200}, shape)
    parsed.pop("ResponseMetadata", None)
    return parsed  # type: ignore[no-any-return]


# -- the query protocol: Action=... form fields -------------------------------------------------------------

def _form_fields(query: str, body: bytes, headers: Mapping[str, str]) -> dict[str, list[str]]:
    fields = parse_qs(query, keep_blank_values=True)
    if body and "x-www-form-urlencoded" in headers.get("content-type", "x-www-form-urlencoded"):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return fields
        for name, values in parse_qs(text, keep_blank_values=True).items():
            fields.setdefault(name, []).extend(values)
    return fields


def _query_params(service: str, operation: str, fields: dict[str, list[str]]) -> dict[str, Any]:
    flat = {name: values[-1] for name, values in fields.items()}
    shape = _operation_model(service, operation).input_shape
    if shape is None:
        return {}
    return _gathered(shape, "", flat) or {}


def _gathered(shape: Any, prefix: str, flat: dict[str, str]) -> Any:
    """The value of ``shape`` serialized under ``prefix`` in the flat query fields (None: absent)."""
    kind = shape.type_name
    if kind == "structure":
        found = {}
        for name, member in shape.members.items():
            key = member.serialization.get("name", name)
            value = _gathered(member, f"{prefix}.{key}" if prefix else key, flat)
            if value is not None:
                found[name] = value
        return found or None
    if kind == "list":
        member = shape.member
        item_name = member.serialization.get("name", "member")
        base = prefix if shape.serialization.get("flattened") else f"{prefix}.{item_name}"
        items = []
        for index in _indexes(base, flat):
            value = _gathered(member, f"{base}.{index}", flat)
            if value is not None:
                items.append(value)
        return items if items or prefix in flat else None
    if kind == "map":
        base = prefix if shape.serialization.get("flattened") else f"{prefix}.entry"
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        entries = {}
        for index in _indexes(base, flat):
            key = flat.get(f"{base}.{index}.{key_name}")
            if key is not None:
                entries[key] = _gathered(shape.value, f"{base}.{index}.{value_name}", flat)
        return entries or None
    value = flat.get(prefix)
    if value is None:
        return None
    if kind in ("integer", "long"):
        return int(value) if re.fullmatch(r"-?\d+", value) else value
    if kind == "boolean":
        return value.lower() == "true"
    return value


def _indexes(base: str, flat: dict[str, str]) -> list[int]:
    pattern = re.compile(re.escape(base) + r"\.(\d+)(?:\.|$)")
    return sorted({int(found.group(1)) for name in flat if (found := pattern.match(name))})


def _sqs_query_params(fields: dict[str, list[str]]) -> dict[str, Any]:
    """SQS's older query protocol, for the operations the journal records: the queue, the
    attributes (``Attribute.N.Name`` / ``.Value``), a receipt handle, batch entries (``...Entry.N.Field``)."""
    flat = {name: values[-1] for name, values in fields.items()}
    params: dict[str, Any] = {name: flat[name] for name in ("QueueUrl", "QueueName", "ReceiptHandle", "MessageBody")
                              if name in flat}
    attributes = {flat[f"Attribute.{i}.Name"]: flat.get(f"Attribute.{i}.Value", "")
                  for i in _indexes("Attribute", flat) if f"Attribute.{i}.Name" in flat}
    if attributes:
        params["Attributes"] = attributes
    entries: dict[int, dict[str, str]] = {}
    for name, value in flat.items():
        found = re.fullmatch(r"\w+BatchRequestEntry\.(\d+)\.(\w+)", name)
        if found:
            entries.setdefault(int(found.group(1)), {})[found.group(2)] = value
    if entries:
        params["Entries"] = [entries[index] for index in sorted(entries)]
    return params


# -- S3: the REST paths ---------------------------------------------------------------------------------

_SIGNING_FIELDS = re.compile(r"^(x-amz-|x-id$)", re.IGNORECASE)  # a presigned URL's, and newer SDKs' x-id


def _s3_operation(method: str, path: str, query: str, headers: Mapping[str, str]) -> tuple[str, dict[str, Any]] | None:
    """The S3 operation a path-style request makes, among those that change buckets and objects."""
    bucket, _, key = path.lstrip("/").partition("/")
    bucket, key = unquote(bucket), unquote(key)
    if not bucket:
        return None
    sub = {name for name in parse_qs(query, keep_blank_values=True) if not _SIGNING_FIELDS.match(name)}
    method = method.upper()
    if not key:  # the bucket itself (``/bucket`` or ``/bucket/``)
        if sub == set() and method == "PUT":
            return "CreateBucket", {"Bucket": bucket}
        if sub == set() and method == "DELETE":
            return "DeleteBucket", {"Bucket": bucket}
        if sub == {"delete"} and method == "POST":
            return "DeleteObjects", {"Bucket": bucket}
        if sub == {"tagging"} and method in ("PUT", "DELETE"):
            return ("PutBucketTagging" if method == "PUT" else "DeleteBucketTagging"), {"Bucket": bucket}
        if sub == {"notification"} and method == "PUT":
            return "PutBucketNotificationConfiguration", {"Bucket": bucket}
        if sub == {"versioning"} and method == "PUT":
            return "PutBucketVersioning", {"Bucket": bucket}
        return None
    params = {"Bucket": bucket, "Key": key}
    if method == "PUT" and not sub:
        return ("CopyObject" if "x-amz-copy-source" in headers else "PutObject"), params
    if method == "POST" and sub == {"uploadId"}:
        return "CompleteMultipartUpload", params
    if method == "DELETE" and sub <= {"versionId"}:
        return "DeleteObject", params
    return None


def _deleted_keys(body: bytes) -> list[str]:
    """The keys a DeleteObjects body names (``<Delete><Object><Key>...``)."""
    import xml.etree.ElementTree as ElementTree

    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise UnreadableRequest(f"s3 DeleteObjects: the body is not XML ({exc})") from None
    return [element.text or "" for element in root.iter() if element.tag.rsplit("}", 1)[-1] == "Key"]


# -- shared ---------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _service_model(service: str) -> Any:
    """botocore's model of ``service``, loaded once for the process."""
    import botocore.session  # type: ignore[import-untyped]

    return botocore.session.get_session().get_service_model(service)


def _operation_model(service: str, operation: str) -> Any:
    try:
        return _service_model(service).operation_model(operation)
    except Exception:  # botocore's OperationNotFoundError
        raise UnreadableRequest(f"{service} has no operation {operation}") from None


def _bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    read = getattr(body, "read", None)
    if read is not None:  # a stream: read, then put back for moto
        data = read()
        body.seek(0)
        return data if isinstance(data, bytes) else str(data).encode("utf-8")
    return b""

"""Between Step Functions' JSON and boto3's Python calls, guided by the API's shapes.

Step Functions passes a Task's parameters to an AWS API in the API's own member names written in
PascalCase (``StateMachineArn`` where the API says ``stateMachineArn``), turns a JSON object given
for a string member into JSON text (an SQS ``MessageBody``, an EventBridge ``Detail``), and a string
given for a blob into its UTF-8 bytes. Results come back with PascalCase keys, timestamps as ISO-8601
text, streaming bodies (S3 ``getObject``'s ``Body``) as text and other blobs as base64.
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
from typing import Any

__all__ = ["from_boto_response", "iso_instant", "to_boto_request"]


def to_boto_request(parameters: Any, shape: Any) -> Any:
    """``parameters`` (Step Functions' JSON) as the keyword arguments boto3 takes for ``shape``."""
    if shape is None:
        return parameters
    kind = shape.type_name
    if kind == "structure" and isinstance(parameters, dict):
        members = shape.members
        by_lower = {name.lower(): name for name in members}
        out = {}
        for key, value in parameters.items():
            name = key if key in members else by_lower.get(key.lower(), key)
            out[name] = to_boto_request(value, members.get(name))
        return out
    if kind == "list" and isinstance(parameters, list):
        return [to_boto_request(value, shape.member) for value in parameters]
    if kind == "map" and isinstance(parameters, dict):
        return {key: to_boto_request(value, shape.value) for key, value in parameters.items()}
    if kind == "string" and parameters is not None and not isinstance(parameters, str):
        return json.dumps(parameters, separators=(",", ":"), ensure_ascii=False)
    if kind == "blob" and parameters is not None and not isinstance(parameters, (bytes, bytearray)):
        text = parameters if isinstance(parameters, str) else json.dumps(parameters, separators=(",", ":"))
        return text.encode("utf-8")
    return parameters


def from_boto_response(value: Any, *, pascal: bool = True) -> Any:
    """A boto3 response as Step Functions' JSON (``ResponseMetadata`` dropped)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "ResponseMetadata":
                continue
            name = key[:1].upper() + key[1:] if pascal and isinstance(key, str) else key
            out[name] = from_boto_response(item, pascal=pascal)
        return out
    if isinstance(value, list):
        return [from_boto_response(item, pascal=pascal) for item in value]
    if isinstance(value, _dt.datetime):
        return iso_instant(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if hasattr(value, "read") and callable(value.read):  # botocore StreamingBody
        data = value.read()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(data).decode()
    if value.__class__.__name__ == "Decimal":
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def iso_instant(moment: _dt.datetime) -> str:
    """A timestamp as Java's ``Instant.toString()`` writes it (``2024-01-01T00:00:00Z``, millis if any)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(_dt.timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond // 1000:03d}"
    return text + "Z"

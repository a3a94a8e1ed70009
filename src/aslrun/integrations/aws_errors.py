"""AWS service errors as Step Functions reports them, so Retry/Catch match them as on AWS.

Step Functions names a failed service call after the AWS SDK it used:

* optimized integrations (``arn:aws:states:::dynamodb:putItem``...) run on the Java SDK v1: the error
  is ``<Prefix>.<ModeledException>`` (``DynamoDB.ConditionalCheckFailedException``,
  ``SNS.NotFoundException``), or the service's generic exception when the error is not one the
  API models (``DynamoDB.AmazonDynamoDBException``, ``SQS.AmazonSQSException``); the cause is
  ``<message> (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: <code>; Request ID: <id>;
  Proxy: null)``;
* AWS SDK integrations (``arn:aws:states:::aws-sdk:s3:getObject``) run on the Java SDK v2: the error
  is ``<Client>.<ModeledException>`` (``S3.NoSuchKeyException``, ``DynamoDb.ResourceNotFoundException``)
  or ``<Client>.<Client>Exception`` (``DynamoDb.DynamoDbException``); the cause is ``<message>
  (Service: <Client>, Status Code: 404, Request ID: <id>[, Extended Request ID: <id2>])``.

Whether an error is modeled is read from botocore's service model (the same API models the Java SDKs
are generated from).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ..errors import StatesError

__all__ = ["optimized_error", "sdk_client_name", "sdk_error"]

#: Java SDK v1 names of the optimized integrations: error prefix, generic exception, service name in causes
_OPTIMIZED = {
    "dynamodb": ("DynamoDB", "AmazonDynamoDBException", "AmazonDynamoDBv2"),
    "sqs": ("SQS", "AmazonSQSException", "AmazonSQS"),
    "sns": ("SNS", "AmazonSNSException", "AmazonSNS"),
    "events": ("EventBridge", "AmazonEventBridgeException", "AmazonEventBridge"),
}

_ALWAYS_GENERIC = {"sqs"}  # AWS-recorded: SQS errors surface as SQS.AmazonSQSException whatever the code


def optimized_error(service: str, boto_service: str, client_error: Any) -> StatesError:
    """The StatesError of a failed optimized-integration call (``client_error``: botocore's)."""
    prefix, generic, cause_service = _OPTIMIZED[service]
    code, message, status, request_id, _ = _parts(client_error)
    modeled = None if service in _ALWAYS_GENERIC else _modeled_exception(boto_service, code)
    name = f"{prefix}.{modeled or generic}"
    cause = (f"{message} (Service: {cause_service}; Status Code: {status}; Error Code: {code}; "
             f"Request ID: {request_id}; Proxy: null)")
    return StatesError(name, cause)


def sdk_error(sdk_service: str, boto_service: str, client_error: Any) -> StatesError:
    """The StatesError of a failed ``aws-sdk:SERVICE:ACTION`` call."""
    client = sdk_client_name(boto_service)
    code, message, status, request_id, host_id = _parts(client_error)
    modeled = _modeled_exception(boto_service, code)
    name = f"{client}.{modeled or client + 'Exception'}"
    details = [f"Service: {client}", f"Status Code: {status}", f"Request ID: {request_id}"]
    if host_id:
        details.append(f"Extended Request ID: {host_id}")
    return StatesError(name, f"{message} ({', '.join(details)})")


def _parts(client_error: Any) -> tuple[str, str, int, str, str | None]:
    response = getattr(client_error, "response", {}) or {}
    error = response.get("Error", {})
    metadata = response.get("ResponseMetadata", {})
    code = str(error.get("Code", "Unknown"))
    message = error.get("Message") or _default_message(code)
    return code, message, metadata.get("HTTPStatusCode", 400), metadata.get("RequestId", ""), metadata.get("HostId")


def _default_message(code: str) -> str:
    """S3 answers some errors (HEAD requests) without a message body: the SDK's wording."""
    return {"NoSuchKey": "The specified key does not exist.", "NoSuchBucket": "The specified bucket does not exist",
            "404": "Not Found"}.get(code, code)


@lru_cache(maxsize=64)
def _exception_names(boto_service: str) -> dict[str, str]:
    """Error code -> modeled exception name (SDK style: ends with "Exception") for one service."""
    model = _session().get_service_model(boto_service)
    names: dict[str, str] = {}
    for shape in model.error_shapes:
        exception = shape.name if shape.name.endswith("Exception") else shape.name + "Exception"
        names[shape.name] = exception
        for alias in ("error", "awsQueryError"):
            code = shape.metadata.get(alias, {}).get("code")
            if code:
                names[code] = exception
    return names


def _modeled_exception(boto_service: str, code: str) -> str | None:
    names = _exception_names(boto_service)
    return names.get(code) or names.get(code.rsplit("#", 1)[-1]) or names.get(code.rsplit(".", 1)[-1])


@lru_cache(maxsize=1)
def _session() -> Any:
    import botocore.session  # type: ignore[import-untyped]

    return botocore.session.get_session()


@lru_cache(maxsize=64)
def sdk_client_name(boto_service: str) -> str:
    """The Java SDK v2 client name of a service (``DynamoDb``, ``S3``, ``Sqs``, ``SecretsManager``),
    from its service id: each word capitalised, acronyms lowered after their first letter."""
    service_id = _session().get_service_model(boto_service).service_id
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+[A-Za-z]*", str(service_id).replace("-", " "))
    return "".join(word[0].upper() + word[1:].lower() for word in words)

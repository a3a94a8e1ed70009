"""An event source mapping's configuration as Lambda answers it (``EventSourceMappingConfiguration``),
made from what CreateEventSourceMapping / UpdateEventSourceMapping were given, each value checked as
Lambda checks it for an SQS queue or a DynamoDB stream (a stream's mapping has a ``StartingPosition``,
retry, age, bisect and on-failure settings; a queue's refuses them).

What is kept is the settled configuration (``State`` ``Enabled`` or ``Disabled``); the answers to a
create, update or delete show the passing state AWS shows then (``Creating``, ``Updating``,
``Enabling``, ``Disabling``, ``Deleting``), which this server leaves at once: the next
GetEventSourceMapping reads the settled one, as a waiter (Terraform's, the SDKs') expects.

SQS queues and DynamoDB streams are polled: a Kinesis stream, a broker or a Kafka topic is refused by
name.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, NamedTuple

from ...integrations.lambda_ import function_arn, parse_function_name
from .configuration import invalid_name
from .errors import LambdaError, whole_number

__all__ = ["Source", "mapping_arn", "new_mapping", "queue_of", "shown_as", "source_of", "updated_mapping"]

_SQS_DEFAULT_BATCH = 10
_STREAM_DEFAULT_BATCH = 100
_MAX_FILTERS = 5  # Lambda's default quota of filters per mapping
#: parameters of stream and broker sources, which a queue's mapping refuses
_STREAM_ONLY = ("ParallelizationFactor", "MaximumRecordAgeInSeconds", "BisectBatchOnFunctionError",
                "MaximumRetryAttempts", "TumblingWindowInSeconds", "DestinationConfig", "Topics", "Queues",
                "SourceAccessConfigurations", "SelfManagedEventSource", "AmazonManagedKafkaEventSourceConfig",
                "SelfManagedKafkaEventSourceConfig", "DocumentDBEventSourceConfig", "StartingPositionTimestamp")
#: parameters of brokers and Kafka, which a stream's mapping refuses
_BROKER_ONLY = ("Topics", "Queues", "SourceAccessConfigurations", "SelfManagedEventSource",
                "AmazonManagedKafkaEventSourceConfig", "SelfManagedKafkaEventSourceConfig", "DocumentDBEventSourceConfig",
                "StartingPositionTimestamp")
#: kept as given and answered back
_KEPT_AS_GIVEN = ("KMSKeyArn", "MetricsConfig", "LoggingConfig", "ProvisionedPollerConfig")
_SOURCE_KINDS = {"kinesis": "Kinesis streams", "dynamodb": "DynamoDB streams", "kafka": "Kafka topics",
                 "mq": "Amazon MQ brokers", "rds": "DocumentDB change streams", "docdb": "DocumentDB change streams"}


def mapping_arn(region: str, account: str, mapping_id: str) -> str:
    return f"arn:aws:lambda:{region}:{account}:event-source-mapping:{mapping_id}"


class Source(NamedTuple):
    """What a mapping reads: ``kind`` ``sqs`` (``name``: the queue) or ``dynamodb`` (``name``: the
    table whose stream it is)."""

    kind: str
    region: str
    account: str
    name: str


def source_of(source_arn: Any) -> Source:
    """The source an EventSourceArn names, or the error Lambda answers for one this server does not
    poll."""
    if not isinstance(source_arn, str) or not source_arn:
        raise LambdaError("InvalidParameterValueException",
                          "aslrun serve polls SQS queues and DynamoDB streams: give one's ARN as EventSourceArn "
                          "(Kinesis, brokers and self-managed Kafka are not supported)")
    parts = source_arn.split(":")
    if len(parts) < 6 or parts[0] != "arn":
        raise LambdaError("ValidationException",
                          f"1 validation error detected: Value '{source_arn}' at 'eventSourceArn' failed to satisfy "
                          "constraint: Member must satisfy regular expression pattern: "
                          "arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}(-gov)?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)")
    service, resource = parts[2], ":".join(parts[5:])
    if service == "sqs":
        return Source("sqs", parts[3], parts[4], resource)
    if service == "dynamodb" and resource.startswith("table/") and "/stream/" in resource:
        return Source("dynamodb", parts[3], parts[4], resource.split("/")[1])
    kind = _SOURCE_KINDS.get(service, f"{service} resources")
    raise LambdaError("InvalidParameterValueException",
                      f"aslrun serve polls SQS queues and DynamoDB streams only: event source mappings of {kind} are "
                      f"not supported ({source_arn})")


def queue_of(source_arn: Any) -> tuple[str, str, str]:
    """``(region, account, queue name)`` of an SQS queue's ARN."""
    source = source_of(source_arn)
    return source.region, source.account, source.name


def new_mapping(request: dict[str, Any], *, region: str, account: str, kind: str, fifo: bool = False) -> dict[str, Any]:
    """The settled configuration of a mapping CreateEventSourceMapping makes (its source and function
    found already by the caller)."""
    _refuse_parameters(request, kind)
    mapping_id = str(uuid.uuid4())
    config: dict[str, Any] = {
        "UUID": mapping_id,
        "BatchSize": _SQS_DEFAULT_BATCH if kind == "sqs" else _STREAM_DEFAULT_BATCH,
        "MaximumBatchingWindowInSeconds": 0,
        "EventSourceArn": request["EventSourceArn"],
        "FunctionArn": resolved_function_arn(request.get("FunctionName"), region, account),
        "LastModified": _now(),
        "State": "Enabled" if request.get("Enabled", True) is not False else "Disabled",
        "StateTransitionReason": "USER_INITIATED" if kind == "sqs" else "User action",
        "FunctionResponseTypes": [],
        "EventSourceMappingArn": mapping_arn(region, account, mapping_id),
    }
    if kind == "sqs":
        if request.get("StartingPosition") is not None:
            raise LambdaError("InvalidParameterValueException", "StartingPosition is not valid for SQS event sources.")
    else:
        position = request.get("StartingPosition")
        if position not in ("TRIM_HORIZON", "LATEST"):
            raise LambdaError("InvalidParameterValueException",
                              f"StartingPosition {position!r} is not valid for a DynamoDB stream: TRIM_HORIZON or LATEST"
                              if position is not None else "StartingPosition is required for DynamoDB stream event "
                                                           "sources (TRIM_HORIZON or LATEST)")
        config.update(StartingPosition=position, ParallelizationFactor=1, MaximumRetryAttempts=-1,
                      MaximumRecordAgeInSeconds=-1, BisectBatchOnFunctionError=False, TumblingWindowInSeconds=0,
                      DestinationConfig={"OnFailure": {}}, LastProcessingResult="No records processed")
    return _apply(config, request, kind, fifo)


def updated_mapping(current: dict[str, Any], request: dict[str, Any], *, region: str, account: str, kind: str,
                    fifo: bool = False) -> dict[str, Any]:
    """The settled configuration after UpdateEventSourceMapping (what it does not name is kept)."""
    _refuse_parameters(request, kind)
    config = {**current, "LastModified": _now()}
    if request.get("FunctionName") is not None:
        config["FunctionArn"] = resolved_function_arn(request["FunctionName"], region, account)
    if request.get("Enabled") is not None:
        config["State"] = "Enabled" if request["Enabled"] else "Disabled"
    return _apply(config, request, kind, fifo)


def shown_as(config: dict[str, Any], passing: str) -> dict[str, Any]:
    """The configuration as an answer shows it while it changes (``passing``: ``Creating``...)."""
    return {**config, "State": passing}


def resolved_function_arn(reference: Any, region: str, account: str) -> str:
    """The function's ARN (its version or alias kept) from a name, ARN or partial ARN."""
    parsed = parse_function_name(reference) if isinstance(reference, str) else None
    if parsed is None:
        raise invalid_name(reference)
    name, qualifier = parsed
    return function_arn(name, qualifier, region, account)


def _apply(config: dict[str, Any], request: dict[str, Any], kind: str, fifo: bool) -> dict[str, Any]:
    if request.get("BatchSize") is not None:
        config["BatchSize"] = whole_number(request["BatchSize"], "batchSize", 1, 10000)
    if request.get("MaximumBatchingWindowInSeconds") is not None:
        config["MaximumBatchingWindowInSeconds"] = whole_number(request["MaximumBatchingWindowInSeconds"],
                                                                "maximumBatchingWindowInSeconds", 0, 300)
    if request.get("FunctionResponseTypes") is not None:
        config["FunctionResponseTypes"] = _response_types(request["FunctionResponseTypes"])
    if request.get("FilterCriteria") is not None:
        filters = _filters(request["FilterCriteria"])
        if filters:
            config["FilterCriteria"] = {"Filters": filters}
        else:
            config.pop("FilterCriteria", None)
    if request.get("ScalingConfig") is not None:
        scaling = request["ScalingConfig"] or {}
        if scaling.get("MaximumConcurrency") is not None:
            whole_number(scaling["MaximumConcurrency"], "scalingConfig.maximumConcurrency", 2, 1000)
        config["ScalingConfig"] = dict(scaling)
    for name in _KEPT_AS_GIVEN:
        if request.get(name) is not None:
            config[name] = request[name]
    if kind == "dynamodb":
        return _apply_stream(config, request)
    if config["BatchSize"] > 10 and not config["MaximumBatchingWindowInSeconds"]:
        raise LambdaError("InvalidParameterValueException",
                          "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater "
                          "than 10")
    if fifo and config["BatchSize"] > 10:
        raise LambdaError("InvalidParameterValueException", "Batch size must not exceed 10 for FIFO queues")
    if fifo and config["MaximumBatchingWindowInSeconds"]:
        raise LambdaError("InvalidParameterValueException", "Batching window is not supported for FIFO queues")
    return config


def _apply_stream(config: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB stream's own settings."""
    if request.get("ParallelizationFactor") is not None:
        config["ParallelizationFactor"] = whole_number(request["ParallelizationFactor"], "parallelizationFactor", 1, 10)
    if request.get("MaximumRetryAttempts") is not None:
        config["MaximumRetryAttempts"] = whole_number(request["MaximumRetryAttempts"], "maximumRetryAttempts", -1,
                                                      10000)
    if request.get("MaximumRecordAgeInSeconds") is not None:
        age = whole_number(request["MaximumRecordAgeInSeconds"], "maximumRecordAgeInSeconds", -1, 604800)
        if 0 <= age < 60:
            whole_number(age, "maximumRecordAgeInSeconds", 60, 604800)
        config["MaximumRecordAgeInSeconds"] = age
    if request.get("BisectBatchOnFunctionError") is not None:
        config["BisectBatchOnFunctionError"] = bool(request["BisectBatchOnFunctionError"])
    if request.get("TumblingWindowInSeconds") is not None:
        config["TumblingWindowInSeconds"] = whole_number(request["TumblingWindowInSeconds"], "tumblingWindowInSeconds",
                                                         0, 900)
    if request.get("DestinationConfig") is not None:
        destination = ((request["DestinationConfig"] or {}).get("OnFailure") or {}).get("Destination")
        if destination and str(destination).split(":")[2:3] not in (["sqs"], ["sns"]):
            raise LambdaError("InvalidParameterValueException",
                              f"The destination ARN {destination} is invalid: a stream's OnFailure destination is an "
                              "SQS queue or an SNS topic")
        config["DestinationConfig"] = {"OnFailure": {"Destination": str(destination)} if destination else {}}
    return config


def _refuse_parameters(request: dict[str, Any], kind: str) -> None:
    """The parameters of other kinds of sources (streams' for a queue; brokers' for a stream)."""
    refused = _STREAM_ONLY if kind == "sqs" else _BROKER_ONLY
    for name in refused:
        if request.get(name) is not None:
            raise LambdaError("InvalidParameterValueException",
                              f"Unsupported {name} parameter for given event source mapping type.")


def _response_types(types: Any) -> list[str]:
    if not isinstance(types, list) or any(kind != "ReportBatchItemFailures" for kind in types):
        raise LambdaError("ValidationException",
                          f"1 validation error detected: Value '{types}' at 'functionResponseTypes' failed to satisfy "
                          "constraint: Member must satisfy constraint: [Member must satisfy enum value set: "
                          "[ReportBatchItemFailures]]")
    return list(dict.fromkeys(types))


def _filters(criteria: Any) -> list[dict[str, str]]:
    """The filters of ``FilterCriteria``, each pattern a JSON object (an event pattern)."""
    filters = criteria.get("Filters") if isinstance(criteria, dict) else None
    if filters is None:
        return []
    if not isinstance(filters, list) or len(filters) > _MAX_FILTERS:
        raise LambdaError("InvalidParameterValueException",
                          f"Invalid filter criteria: at most {_MAX_FILTERS} filters, each {{\"Pattern\": \"...\"}}")
    kept = []
    for item in filters:
        pattern = item.get("Pattern") if isinstance(item, dict) else None
        try:
            parsed = json.loads(pattern) if isinstance(pattern, str) else None
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise LambdaError("InvalidParameterValueException", f"Invalid filter pattern definition: {pattern!r} "
                                                                "(a pattern is the JSON text of an object)")
        kept.append({"Pattern": str(pattern)})
    return kept


def _now() -> float:
    return round(time.time(), 3)

"""Lambda's event source mapping actions: an SQS queue or a DynamoDB stream of the server's local AWS
polled for a function.

CreateEventSourceMapping, GetEventSourceMapping, ListEventSourceMappings, UpdateEventSourceMapping
and DeleteEventSourceMapping, as Lambda answers them for a queue (:mod:`.mapping_config` checks the
values, :mod:`.mappings` keeps them, :mod:`.pollers` polls). The function must exist (created
through this API, or bound by ``--handlers`` / ``--template``) and so must the queue or the stream; one
mapping per source and function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .api import Answer, LambdaApi, paged
from .errors import LambdaError
from .mapping_config import Source, new_mapping, resolved_function_arn, shown_as, source_of, updated_mapping
from .mappings import MappingRegistry
from .pollers import MappingPollers

__all__ = ["MappingApi"]

_PAGE = 100


class MappingApi:
    def __init__(self, registry: MappingRegistry, functions: LambdaApi, pollers: MappingPollers, *,
                 account: str, client_for: Callable[[str, str], Any]) -> None:
        self.registry = registry
        self.functions = functions
        self.pollers = pollers
        self.account = account
        self.client_for = client_for  # (service, region) -> a boto3 client of the server's local AWS

    def create_event_source_mapping(self, members: dict[str, Any], region: str) -> Answer:
        source = source_of(members.get("EventSourceArn"))
        fifo = self._source_checked(source, str(members["EventSourceArn"]), region)
        config = new_mapping(members, region=region, account=self.account, kind=source.kind, fifo=fifo)
        self._function_checked(config["FunctionArn"])
        existing = self.registry.create(region, config, members.get("Tags") or {})
        if existing is not None:
            raise _conflict(config, existing)
        self.pollers.created_here.add(config["UUID"])
        self.pollers.sync()
        return Answer(shown_as(config, "Creating"), 202)

    def get_event_source_mapping(self, members: dict[str, Any], region: str) -> Answer:
        return Answer(self._mapping(members.get("UUID")))

    def list_event_source_mappings(self, members: dict[str, Any], region: str) -> Answer:
        mappings = self.registry.all(region)
        if members.get("EventSourceArn"):
            mappings = [m for m in mappings if m["EventSourceArn"] == members["EventSourceArn"]]
        if members.get("FunctionName"):
            wanted = resolved_function_arn(members["FunctionName"], region, self.account)
            qualified = wanted.count(":") > 6
            mappings = [m for m in mappings
                        if m["FunctionArn"] == wanted or (not qualified and m["FunctionArn"].startswith(wanted + ":"))]
        return Answer(paged("EventSourceMappings", mappings, members, size=_PAGE))

    def update_event_source_mapping(self, members: dict[str, Any], region: str) -> Answer:
        current = self._mapping(members.get("UUID"))
        source = source_of(current["EventSourceArn"])
        config = updated_mapping(current, members, region=region, account=self.account, kind=source.kind,
                                 fifo=current["EventSourceArn"].endswith(".fifo"))
        if config["FunctionArn"] != current["FunctionArn"]:
            self._function_checked(config["FunctionArn"])
        existing = self.registry.replace(config)
        if existing is not None:
            raise _conflict(config, existing)
        self.pollers.sync()
        passing = "Updating" if config["State"] == current["State"] else \
            "Enabling" if config["State"] == "Enabled" else "Disabling"
        return Answer(shown_as(config, passing), 202)

    def delete_event_source_mapping(self, members: dict[str, Any], region: str) -> Answer:
        config = self._mapping(members.get("UUID"))
        self.registry.delete(config)
        return Answer(shown_as(config, "Deleting"), 202)

    # -- checks -------------------------------------------------------------------------------------

    def _mapping(self, mapping_id: Any) -> dict[str, Any]:
        config = self.registry.get(str(mapping_id)) if mapping_id else None
        if config is None:
            raise LambdaError("ResourceNotFoundException", "The resource you requested does not exist.")
        return config

    def _source_checked(self, source: Source, arn: str, region: str) -> bool:
        """Whether the queue is FIFO; the error Lambda answers when it cannot read the source."""
        from botocore.exceptions import ClientError  # type: ignore[import-untyped]

        if source.account != self.account:
            action = "ReceiveMessage on SQS" if source.kind == "sqs" else "DescribeStream on the stream"
            raise LambdaError("InvalidParameterValueException",
                              f"The provided execution role does not have permissions to call {action}")
        try:
            if source.region != region:
                raise LookupError
            if source.kind == "sqs":
                self.client_for("sqs", region).get_queue_url(QueueName=source.name)
            else:
                self.client_for("dynamodbstreams", region).describe_stream(StreamArn=arn)
        except (ClientError, LookupError):
            if source.kind == "dynamodb":
                raise LambdaError("InvalidParameterValueException", f"Stream not found: {arn}") from None
            raise LambdaError("InvalidParameterValueException",
                              "Error occurred while ReceiveMessage. SQS Error Code: "
                              "AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does "
                              "not exist.") from None
        return source.name.endswith(".fifo")

    def _function_checked(self, function_arn: str) -> None:
        if not self.functions.can_invoke(function_arn):
            raise LambdaError("ResourceNotFoundException", "Function does not exist")


def _conflict(config: dict[str, Any], existing: str) -> LambdaError:
    function = config["FunctionArn"].split(":function:", 1)[-1]
    source = config["EventSourceArn"]
    if ":sqs:" in source:
        return LambdaError("ResourceConflictException",
                           f"An event source mapping with SQS arn (\" {source} \") and function (\" {function} \") "
                           f"already exists. Please update or delete the existing mapping with UUID {existing}")
    return LambdaError("ResourceConflictException",
                       f"The event source arn (\" {source} \") and function (\" {function} \") provided mapping "
                       f"already exists. Please update or delete the existing mapping with UUID {existing}")

"""Lambda's event source mapping actions: an SQS queue of the server's local AWS polled for a function.

CreateEventSourceMapping, GetEventSourceMapping, ListEventSourceMappings, UpdateEventSourceMapping
and DeleteEventSourceMapping, as Lambda answers them for a queue (:mod:`.mapping_config` checks the
values, :mod:`.mappings` keeps them, :mod:`.queue_poller` polls). The function must exist (created
through this API, or bound by ``--handlers`` / ``--template``) and so must the queue; one mapping per
queue and function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .api import Answer, LambdaApi
from .errors import LambdaError
from .mapping_config import new_mapping, queue_of, resolved_function_arn, shown_as, updated_mapping
from .mappings import MappingRegistry
from .queue_poller import QueuePollers

__all__ = ["MappingApi"]

_PAGE = 100


class MappingApi:
    def __init__(self, registry: MappingRegistry, functions: LambdaApi, pollers: QueuePollers, *,
                 account: str, sqs_for: Callable[[str], Any]) -> None:
        self.registry = registry
        self.functions = functions
        self.pollers = pollers
        self.account = account
        self.sqs_for = sqs_for  # region -> a boto3 SQS client of the server's local AWS

    def create_event_source_mapping(self, members: dict[str, Any], region: str) -> Answer:
        fifo = self._queue_checked(members.get("EventSourceArn"), region)
        config = new_mapping(members, region=region, account=self.account, fifo=fifo)
        self._function_checked(config["FunctionArn"])
        existing = self.registry.create(region, config, members.get("Tags") or {})
        if existing is not None:
            raise _conflict(config, existing)
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
        start = int(members["Marker"]) if str(members.get("Marker") or "").isdigit() else 0
        size = members.get("MaxItems") or _PAGE
        end = start + max(1, min(int(size), 10000))
        answer: dict[str, Any] = {"EventSourceMappings": mappings[start:end]}
        if end < len(mappings):
            answer["NextMarker"] = str(end)
        return Answer(answer)

    def update_event_source_mapping(self, members: dict[str, Any], region: str) -> Answer:
        current = self._mapping(members.get("UUID"))
        fifo = current["EventSourceArn"].endswith(".fifo")
        config = updated_mapping(current, members, region=region, account=self.account, fifo=fifo)
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

    def _queue_checked(self, source_arn: Any, region: str) -> bool:
        """Whether the queue is FIFO; the error Lambda answers when it cannot read the queue."""
        from botocore.exceptions import ClientError  # type: ignore[import-untyped]

        queue_region, account, name = queue_of(source_arn)
        if account != self.account:
            raise LambdaError("InvalidParameterValueException",
                              "The provided execution role does not have permissions to call ReceiveMessage on SQS")
        try:
            if queue_region != region:
                raise LookupError
            self.sqs_for(queue_region).get_queue_url(QueueName=name)
        except (ClientError, LookupError):
            raise LambdaError("InvalidParameterValueException",
                              "Error occurred while ReceiveMessage. SQS Error Code: "
                              "AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does "
                              "not exist.") from None
        return name.endswith(".fifo")

    def _function_checked(self, function_arn: str) -> None:
        if not self.functions.can_invoke(function_arn):
            raise LambdaError("ResourceNotFoundException", "Function does not exist")


def _conflict(config: dict[str, Any], existing: str) -> LambdaError:
    function = config["FunctionArn"].split(":function:", 1)[-1]
    return LambdaError("ResourceConflictException",
                       f"An event source mapping with SQS arn (\" {config['EventSourceArn']} \") and function "
                       f"(\" {function} \") already exists. Please update or delete the existing mapping with "
                       f"UUID {existing}")

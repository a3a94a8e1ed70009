"""AWS service integrations run against the local AWS (moto, see :mod:`aslrun.localaws`).

* Optimized integrations - ``arn:aws:states:::dynamodb:getItem|putItem|updateItem|deleteItem``,
  ``sqs:sendMessage``, ``sns:publish``, ``events:putEvents``: the parameters are the API request,
  the result is the API response as Step Functions returns it (with ``SdkHttpMetadata`` /
  ``SdkResponseMetadata`` for DynamoDB, SQS and SNS), errors are named as the Java SDK v1 names them.
* AWS SDK integrations - ``arn:aws:states:::aws-sdk:SERVICE:ACTION`` for the services in
  :data:`SDK_SERVICES`: PascalCase parameters, PascalCase results, errors named as the Java SDK v2
  names them (see :mod:`aslrun.integrations.aws_errors`).

A handler bound to the exact resource ARN takes precedence (a mock). Whatever is not emulated is
reported before the run (:meth:`AwsService.unbound_problem`), never sent anywhere.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from ..engine.task_call import TaskCall
from ..errors import StatesError
from .aws_errors import optimized_error, sdk_client_name, sdk_error
from .aws_shapes import from_boto_response, to_boto_request
from .service import BoundService

__all__ = ["OPTIMIZED_ACTIONS", "SDK_SERVICES", "AwsSdkService", "AwsService", "EmulatedResource"]

#: optimized integrations emulated: service -> actions
OPTIMIZED_ACTIONS = {
    "dynamodb": ("getItem", "putItem", "updateItem", "deleteItem"),
    "sqs": ("sendMessage",),
    "sns": ("publish",),
    "events": ("putEvents",),
}

#: AWS SDK integrations emulated: the service name in the ARN -> boto3's name for it
SDK_SERVICES = {
    "dynamodb": "dynamodb",
    "s3": "s3",
    "sqs": "sqs",
    "sns": "sns",
    "eventbridge": "events",
    "secretsmanager": "secretsmanager",
    "ssm": "ssm",
    "sfn": "stepfunctions",
}

_BOTO_NAMES = {"events": "events"}  # optimized service -> boto3 service (the same for the others)


class EmulatedResource:
    """What the resources the local AWS serves share (optimized and SDK integrations, the HTTP Task):
    binding check, events, the bound-handler override."""

    history = "Task"
    blocking = False
    calls_handler = False  # the local AWS answers on the scheduler's thread
    envelope_bytes = 0
    resource: str
    resource_type: str
    resource_name: str

    def static_function_names(self, parameters: Any) -> list[str]:
        return []

    def limit_name(self, call: TaskCall) -> str:
        return self.resource_type

    def scheduled_details(self, call: TaskCall) -> dict[str, Any]:
        return call.scheduled_details(self.resource_type, self.resource_name)

    def unbound_problem(self, bindings: Any) -> str | None:
        """Why this resource cannot run (None: it can), known before the run."""
        if bindings.service_handler(self.resource) is not None:
            return None
        from ..localaws.emulator import AWS_EXTRA_MISSING, aws_extra_installed

        if not aws_extra_installed():
            return f"resource '{self.resource}' is emulated locally, but {AWS_EXTRA_MISSING}"
        return self.emulation_problem()

    def emulation_problem(self) -> str | None:
        return None

    def invoke(self, call: TaskCall) -> Any:
        """A handler bound to the exact resource ARN wins (a mock); else the local emulation."""
        if call.bindings.service_handler(self.resource) is not None:
            return self._bound(call)
        problem = self.emulation_problem()
        if problem is not None:
            raise StatesError("States.Runtime", problem, in_state=True)
        return self.call_emulated(call)

    def call_emulated(self, call: TaskCall) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def _bound(self, call: TaskCall) -> Any:
        """The result of a handler bound to this resource, or None when none is."""
        if call.bindings.service_handler(self.resource) is None:
            return None
        return BoundService(self.resource, self.resource_type, self.resource_name).invoke(call)

    def _client(self, call: TaskCall, boto_service: str) -> Any:
        from ..localaws.emulator import AwsUnavailable, current_aws

        try:
            aws = current_aws()
        except AwsUnavailable as missing:
            raise StatesError("States.Runtime", f"'{self.resource}' cannot run: {missing}", in_state=True) from None
        assert aws is not None
        return aws.client(boto_service, region=call.execution.region)


class AwsService(EmulatedResource):
    """An optimized integration: ``arn:aws:states:::SERVICE:ACTION``."""

    def __init__(self, resource: str, service: str, action: str) -> None:
        self.resource = resource
        self.resource_type = service
        self.resource_name = action
        self.boto_service = _BOTO_NAMES.get(service, service)

    def emulation_problem(self) -> str | None:
        if self.resource_name not in OPTIMIZED_ACTIONS.get(self.resource_type, ()):
            supported = ", ".join(OPTIMIZED_ACTIONS.get(self.resource_type, ())) or "none"
            return (f"'{self.resource}' is not emulated locally (emulated {self.resource_type} actions: {supported}); "
                    "bind a handler to it")
        return None

    def call_emulated(self, call: TaskCall) -> Any:
        request = call.parameters
        if not isinstance(request, dict):
            raise StatesError("States.Runtime", f"the parameters of '{self.resource}' must be a JSON object",
                              in_state=True)
        request = self._request(dict(request), call)
        client = self._client(call, self.boto_service)
        from botocore.exceptions import ClientError, ParamValidationError  # type: ignore[import-untyped]

        method = getattr(client, _snake(self.resource_name))
        try:
            response = method(**request)
        except ClientError as failed:
            raise optimized_error(self.resource_type, self.boto_service, failed) from None
        except ParamValidationError as invalid:
            raise _validation_error(self.resource_type, self.boto_service, invalid, call, sdk=False) from None
        return self._result(response, call)

    def _request(self, request: dict[str, Any], call: TaskCall) -> dict[str, Any]:
        """Step Functions' conveniences: JSON values sent as text where the API wants text."""
        if self.resource_type == "sqs" and "MessageBody" in request and not isinstance(request["MessageBody"], str) \
                and request["MessageBody"] is not None:
            request["MessageBody"] = _json_text(request["MessageBody"])
        elif self.resource_type == "sns" and "Message" in request and not isinstance(request["Message"], str) \
                and request["Message"] is not None:
            request["Message"] = _json_text(request["Message"])
        elif self.resource_type == "events" and isinstance(request.get("Entries"), list):
            execution = call.execution
            entries = []
            for entry in request["Entries"]:
                if isinstance(entry, dict):
                    entry = dict(entry)
                    if isinstance(entry.get("Detail"), (dict, list)):
                        entry["Detail"] = _json_text(entry["Detail"])
                    resources = list(entry.get("Resources") or [])
                    entry["Resources"] = resources + [execution.state_machine_arn, execution.arn]
                entries.append(entry)
            request["Entries"] = entries
        return request

    def _result(self, response: dict[str, Any], call: TaskCall) -> Any:
        service = self.resource_type
        body = from_boto_response(response, pascal=False)
        if service == "events":
            if body.get("FailedEntryCount", 0) > 0:
                raise StatesError("EventBridge.FailedEntry", json.dumps(body, separators=(",", ":")))
            return body
        if service == "sqs":
            for old, new in (("Md5OfMessageBody", "MD5OfMessageBody"), ("Md5OfMessageAttributes",
                                                                          "MD5OfMessageAttributes")):
                if old in body:
                    body[new] = body.pop(old)
        wire = json.dumps(body, separators=(",", ":"))
        body.update(_sdk_metadata(service, call, wire))
        return dict(sorted(body.items()))


class AwsSdkService(EmulatedResource):
    """An AWS SDK integration: ``arn:aws:states:::aws-sdk:SERVICE:ACTION``."""

    def __init__(self, resource: str, service_action: str) -> None:
        self.resource = resource
        self.sdk_service, _, self.action = service_action.partition(":")
        self.resource_type = f"aws-sdk:{self.sdk_service}"
        self.resource_name = self.action
        self.boto_service = SDK_SERVICES.get(self.sdk_service.lower())

    def emulation_problem(self) -> str | None:
        if self.boto_service is None:
            return (f"'{self.resource}' is not emulated locally (emulated aws-sdk services: "
                    f"{', '.join(sorted(SDK_SERVICES))}); bind a handler to it")
        if self._operation() is None:
            return f"'{self.resource}': {self.sdk_service} has no API action '{self.action}'"
        return None

    def _operation(self) -> str | None:
        """The API's operation name for the action (``getObject`` -> ``GetObject``), if it exists."""
        from .aws_errors import _session

        assert self.boto_service is not None
        names = {name.lower(): name for name in _session().get_service_model(self.boto_service).operation_names}
        return names.get(self.action.lower())

    def call_emulated(self, call: TaskCall) -> Any:
        assert self.boto_service is not None
        parameters = call.parameters if call.parameters is not None else {}
        if not isinstance(parameters, dict):
            raise StatesError("States.Runtime", f"the parameters of '{self.resource}' must be a JSON object",
                              in_state=True)
        client = self._client(call, self.boto_service)
        if self.boto_service == "stepfunctions":  # the engine's own executions are known to the engine, not moto
            from .step_functions_answers import answering_step_functions_calls

            with answering_step_functions_calls(client):
                return self._call(client, parameters, call)
        return self._call(client, parameters, call)

    def _call(self, client: Any, parameters: dict[str, Any], call: TaskCall) -> Any:
        assert self.boto_service is not None
        operation = self._operation()
        assert operation is not None
        shape = client.meta.service_model.operation_model(operation).input_shape
        request = to_boto_request(parameters, shape)
        from botocore import xform_name  # type: ignore[import-untyped]
        from botocore.exceptions import ClientError, ParamValidationError  # type: ignore[import-untyped]

        try:
            response = getattr(client, xform_name(operation))(**request)
        except ClientError as failed:
            raise sdk_error(self.sdk_service, self.boto_service, failed) from None
        except ParamValidationError as invalid:
            raise _validation_error(self.sdk_service, self.boto_service, invalid, call, sdk=True) from None
        return from_boto_response(response)


# -- helpers ---------------------------------------------------------------------------------------------

def _snake(action: str) -> str:
    from botocore import xform_name  # type: ignore[import-untyped]

    return xform_name(action[:1].upper() + action[1:])


def _json_text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _validation_error(service: str, boto_service: str, invalid: Any, call: TaskCall, *, sdk: bool) -> StatesError:
    """A request the API would reject as malformed (boto3 checks it before sending)."""
    report = str(invalid).replace("Parameter validation failed:\n", "").replace("\n", "; ")
    if sdk:
        client = sdk_client_name(boto_service)
        return StatesError(f"{client}.{client}Exception",
                           f"1 validation error detected: {report} (Service: {client}, Status Code: 400, "
                           f"Request ID: {call.request_id})")
    from .aws_errors import _OPTIMIZED

    prefix, generic, cause_service = _OPTIMIZED[service]
    return StatesError(f"{prefix}.{generic}",
                       f"1 validation error detected: {report} (Service: {cause_service}; Status Code: 400; "
                       f"Error Code: ValidationException; Request ID: {call.request_id}; Proxy: null)")


def _sdk_metadata(service: str, call: TaskCall, wire: str) -> dict[str, Any]:
    """``SdkHttpMetadata`` and ``SdkResponseMetadata`` as the Java SDK v1 reports them (AWS-recorded
    header sets: DynamoDB with Server and x-amz-crc32, SQS with a lower-case connection, SNS as XML)."""
    request_id = call.request_id
    date = call.http_date
    if service == "dynamodb":
        headers = [("Server", "Server"), ("Connection", "keep-alive"), ("x-amzn-RequestId", request_id),
                   ("x-amz-crc32", str(zlib.crc32(wire.encode()))), ("Content-Length", str(len(wire.encode()))),
                   ("Date", date), ("Content-Type", "application/x-amz-json-1.0")]
    elif service == "sqs":
        headers = [("x-amzn-RequestId", request_id), ("connection", "keep-alive"),
                   ("Content-Length", str(len(wire.encode()))), ("Date", date),
                   ("Content-Type", "application/x-amz-json-1.0")]
    else:  # sns: a query API answering in XML
        headers = [("x-amzn-RequestId", request_id), ("Content-Length", "294"), ("Date", date),
                   ("Content-Type", "text/xml")]
    return {
        "SdkHttpMetadata": {
            "AllHttpHeaders": {name: [value] for name, value in headers},
            "HttpHeaders": dict(sorted(headers, key=lambda h: h[0].lower())),
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": {"RequestId": request_id},
    }

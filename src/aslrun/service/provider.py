"""The Step Functions service: one object that owns the store and the running executions and
answers every API action by name.

Each action is a method ``snake_case_name(request, call) -> answer`` of one of the API classes
(state machines, versions and aliases, executions, callbacks, activities, TestState); the action
``StartExecution`` is ``start_execution``, found by botocore's own name translation, so the table
of actions is botocore's model itself. This layer calls the engine (``StateMachine``,
``Execution``); nothing in the engine knows it exists.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..bindings import Bindings
from .activities import POLL_SECONDS, ActivityApi
from .catalog import Catalog
from .context import Call
from .deploy import deploy_template, map_template_streams
from .executions import ExecutionApi
from .faults import ServiceError
from .lambda_api import LambdaEndpoint
from .lambda_api.errors import LambdaError
from .local_aws import ServerAws
from .machines import MachineApi
from .map_runs import MapRunApi
from .runner import Runner
from .scratch_dirs import new_scratch_directory
from .store import Store
from .tasks import TaskApi
from .test_state import TestStateApi
from .versions import VersionApi

__all__ = ["ServiceConfig", "StepFunctionsService"]

DATABASE_NAME = "aslrun-serve.sqlite3"


@dataclass
class ServiceConfig:
    """How a server runs: where it keeps its state, what handlers serve its Tasks, its identity."""

    state_dir: Path | None = None  # None: a temporary directory, removed when the server stops
    bindings: Bindings = field(default_factory=Bindings)
    region: str = "us-east-1"
    account: str = "123456789012"
    virtual_time: bool = False
    #: handler calls that may run at once across executions (1: one at a time, as Lambda handlers
    #: written for an environment of their own expect; more only for thread-safe handlers)
    handler_concurrency: int = 1
    #: inside each execution, up to N handler calls at once on threads / in worker processes (None: one)
    handler_threads: int | None = None
    handler_processes: int | None = None
    mock_config: Any = None  # a testing.mock_config.MockConfig (SFN_MOCK_CONFIG)
    lambda_endpoint: str | None = None  # LAMBDA_ENDPOINT: Lambda tasks no handler serves go there
    aws_seed: tuple[Path, dict[str, Any]] | None = None  # (file, document): a new local AWS's contents
    template: Any = None  # a templates.TemplateApp deployed at start (serve --template)
    #: how long GetActivityTask waits for work (AWS: 60 s; $ASLRUN_ACTIVITY_POLL_SECONDS for tests)
    activity_poll_seconds: float = field(default_factory=lambda: float(
        os.environ.get("ASLRUN_ACTIVITY_POLL_SECONDS") or POLL_SECONDS))


class StepFunctionsService:
    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        self._temporary: str | None = None
        state_dir = config.state_dir
        if state_dir is None:  # (a scratch directory: removed when it stops, or by the next server after a kill)
            state_dir = new_scratch_directory()
            self._temporary = str(state_dir)
        self.state_dir = state_dir
        try:
            self.store = Store(state_dir / DATABASE_NAME)
        except BaseException:  # (a scratch directory without its lock would never be seen as abandoned)
            if self._temporary is not None:
                shutil.rmtree(self._temporary, ignore_errors=True)
            raise
        self.interrupted = self.store.close_interrupted_executions(round(time.time(), 3))
        # the local AWS its Tasks and the port reach: kept in DIR/aws with --state-dir, else in memory
        self.server_aws = ServerAws(config, config.state_dir)
        self.local_aws = self.server_aws.open()  # None: it starts on first use
        self.catalog = Catalog(self.store)
        explicit = config.bindings
        if config.template is not None:  # its functions, unless --handlers binds the same names
            explicit = config.template.bindings.without_state_machines().merged(explicit)
        handler_gate = threading.BoundedSemaphore(max(1, config.handler_concurrency))
        # functions created through Lambda's API on this port (service.lambda_api), for Invoke and for Tasks
        self.lambda_functions = LambdaEndpoint(self.store, state_dir, account=config.account,
                                               remote_endpoint=config.lambda_endpoint, gate=handler_gate,
                                               read_object=_object_of_local_s3, bound=explicit.lambda_handler)
        bindings = explicit.merged(Bindings(
            machine_resolver=self.catalog.resolve_for_nested,
            lambda_fallback=self.lambda_functions.task_fallback(then=_lambda_fallback(config))))
        self.activities = ActivityApi(self.store, poll_seconds=config.activity_poll_seconds)
        bindings.activities = self.activities.broker
        bindings.handler_gate = handler_gate
        self.runner = Runner(self.store, self.catalog, bindings, virtual_time=config.virtual_time,
                             handler_threads=config.handler_threads, handler_processes=config.handler_processes,
                             interceptor_for=self._interceptor_for, on_end=self._execution_ended)
        self.versions = VersionApi(self.store, self.catalog)
        self.machines = MachineApi(self.store, self.catalog, self.versions)
        self.machines.terminate_executions = self.runner.terminate_executions_of
        self.executions = ExecutionApi(self.store, self.catalog, self.runner)
        self.tasks = TaskApi()
        self.map_runs = MapRunApi(self.store, self.runner)
        self.test_states = TestStateApi(self)
        self._handlers = self._action_table()
        self.deployed = deploy_template(self, config.template) if config.template is not None else []
        if config.template is not None:  # its DynamoDB stream mappings, which Lambda's API polls
            map_template_streams(self, config.template)
        from ..localaws.event_targets import deliver_to

        deliver_to("states", self._start_from_event)  # EventBridge rules' state machine and function targets
        deliver_to("lambda", self._invoke_from_event)
        self.lambda_functions.start_polling()  # event source mappings made through Lambda's API
        from ..localaws.emulator import current_aws
        from .schedules import ScheduleClock

        self.schedules = ScheduleClock(lambda: current_aws(start=False), start_execution=self._start_from_event,
                                       invoke_function=self._invoke_from_event).start()
        self.events = None  # the template's event sources, delivered on a thread (service.events)
        if config.template is not None and config.template.event_sources and self.local_aws is not None:
            from .events import EventPump

            self.events = EventPump(self, config.template, self.local_aws)

    def _action_table(self) -> dict[str, Any]:
        from botocore import xform_name  # type: ignore[import-untyped]

        from .wire import service_model

        table = {}
        apis = (self.machines, self.versions, self.executions, self.map_runs, self.tasks, self.activities,
                self.test_states)
        for operation in service_model().operation_names:
            method_name = xform_name(operation)
            for api in apis:
                method = getattr(api, method_name, None)
                if method is not None:
                    table[operation] = method
                    break
        return table

    @property
    def actions(self) -> list[str]:
        """The API actions this server answers."""
        return sorted(self._handlers)

    def handle(self, operation: str, request: dict[str, Any], call: Call) -> dict[str, Any]:
        handler = self._handlers.get(operation)
        if handler is None:
            raise ServiceError("UnknownOperationException", f"aslrun serve does not answer {operation} yet")
        return handler(request, call)  # type: ignore[no-any-return]

    def call(self, region: str | None = None) -> Call:
        return Call(region=region or self.config.region, account=self.config.account)

    # -- life cycle -------------------------------------------------------------------------------------

    def _execution_ended(self, execution: Any) -> None:
        machine_arn = getattr(execution, "state_machine_arn", None)
        if machine_arn is not None:
            self.machines.finish_deleting_later(machine_arn)
        events = getattr(self, "events", None)
        if events is not None:  # what the execution sent may be waiting for a function
            events.poke()

    def _start_from_event(self, machine_arn: str, payload: Any) -> None:
        """An EventBridge rule's state machine target: an execution with the event as its input (a
        machine that cannot start is logged, as EventBridge counts a failed invocation: the
        PutEvents that matched is not refused)."""
        try:
            self.executions.start_execution({"stateMachineArn": machine_arn, "input": json.dumps(payload)},
                                            self.call(_region_in(machine_arn)))
        except ServiceError as failed:
            print(f"aslrun serve: an EventBridge rule's target {machine_arn} did not start: {failed.code}: "
                  f"{failed.message}", file=sys.stderr, flush=True)

    def _invoke_from_event(self, function_arn: str, payload: Any) -> None:
        """An EventBridge rule's Lambda function target: an asynchronous invocation (``Event``), as
        EventBridge makes it; one that cannot be made is logged."""
        try:
            self.lambda_functions.api.invoke({"FunctionName": function_arn, "InvocationType": "Event",
                                              "Payload": json.dumps(payload).encode()},
                                             _region_in(function_arn) or self.config.region)
        except LambdaError as failed:
            print(f"aslrun serve: an EventBridge rule's target {function_arn} was not invoked: {failed}",
                  file=sys.stderr, flush=True)

    def _interceptor_for(self, target: Any, test_case: str | None) -> Any:
        mock_config = self.config.mock_config
        if test_case is None:
            return None
        if mock_config is None:
            raise ServiceError("ValidationException",
                               f"Test case '{test_case}' was asked for, but no mock configuration is loaded "
                               "(start the server with SFN_MOCK_CONFIG or --mock-config)")
        machine = self.catalog.compiled(target.revision, target.name)
        from ..errors import InputError

        try:
            return mock_config.test_case(machine, test_case)
        except InputError as error:
            raise ServiceError("ValidationException", str(error)) from None

    def close(self, *, wait: float = 0.0) -> None:
        """Stop: running executions are given ``wait`` seconds, then recorded as interrupted."""
        if self.events is not None:
            self.events.stop()
        self.lambda_functions.stop()
        self.schedules.stop()
        from ..localaws.event_targets import deliver_to

        deliver_to("states", None)
        deliver_to("lambda", None)
        if wait:
            self.runner.wait_all(wait)
        self.store.flush()
        self.store.close_interrupted_executions(round(time.time(), 3))
        self.store.close()
        self.server_aws.stop()
        if self._temporary is not None:
            shutil.rmtree(self._temporary, ignore_errors=True)


def _region_in(arn: str) -> str | None:
    """The region an ARN names (None when it names none)."""
    parts = arn.split(":")
    return (parts[3] or None) if len(parts) > 3 else None


def _object_of_local_s3(bucket: str, key: str, version: str | None) -> bytes:
    """An object's bytes from the server's local S3 (a function's code given as S3Bucket/S3Key)."""
    from botocore.exceptions import ClientError  # type: ignore[import-untyped]

    from ..localaws.emulator import current_aws

    s3 = current_aws(start=True).client("s3")  # type: ignore[union-attr]
    try:
        found = s3.get_object(Bucket=bucket, Key=key, **({"VersionId": version} if version else {}))
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", "")
        raise LambdaError("InvalidParameterValueException", f"Error occurred while GetObject. S3 Error Code: "
                                                            f"{code}. S3 Error Message: {message}") from None
    return found["Body"].read()  # type: ignore[no-any-return]


def _lambda_fallback(config: ServiceConfig) -> Any:
    if not config.lambda_endpoint:
        return None
    from .remote_lambda import RemoteLambda

    return RemoteLambda(config.lambda_endpoint)

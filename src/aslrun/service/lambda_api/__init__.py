"""Lambda's API on the server's port: functions created, invoked and run by ``aslrun serve``.

A team whose Terraform (or SAM deploy, CDK, boto3 set-up code) creates its functions and then the
state machine that calls them points every client at one URL: a request signed for ``lambda``
comes here (:mod:`aslrun.service.aws_proxy` routes by the SigV4 scope). A function is a .zip with a
Python handler, created from the archive's bytes (``ZipFile``) or from the local S3
(``S3Bucket``/``S3Key``); Invoke runs it as Lambda's Python runtime would, and so does a state
machine's Task that names it (``arn:aws:states:::lambda:invoke`` or the function's ARN) when no
``--handlers`` or template function has that name.

    wire          the REST-JSON protocol, read from botocore's model (routes, members)
    errors        Lambda's errors, named, worded and given their status as AWS does
    configuration FunctionConfiguration: defaults, checks, updates
    code_store    the .zip archives, kept durably by digest, unpacked once
    registry      functions, versions, aliases in the server's database
    runtime       running a configuration (Python in process; other runtimes at --lambda-endpoint)
    api           the actions
    layers        layer versions published, read, deleted, and given to the functions that name them
    async_invocations
                  asynchronous invocations retried and their results sent to destinations (event
                  invoke configurations)
    mapping_config / mappings / pollers / queue_reader / stream_reader / mapping_api
                  event source mappings: an SQS queue or a DynamoDB stream of the local AWS polled for
                  a function
"""

from __future__ import annotations

import sys
import traceback
import uuid
from pathlib import Path
from typing import Any

from botocore import xform_name  # type: ignore[import-untyped]

from ...integrations.handler_call import LambdaFunctionError
from ...integrations.lambda_ import lambda_sdk_cause, parse_function_name
from ..store import Store
from .api import Answer, LambdaApi
from .code_store import CodeStore
from .async_invocations import AsyncInvocations, InvokeConfigApi, InvokeConfigs, destination_sender
from .errors import LambdaError
from .layers import LayerApi, LayerRegistry
from .mapping_api import MappingApi
from .mappings import MappingRegistry
from .pollers import MappingPollers
from .registry import Registry
from .runtime import Runtimes
from .wire import answer_body, parse_members, route_of

__all__ = ["LambdaEndpoint"]


class LambdaEndpoint:
    """The server's Lambda: answers the API's requests and runs the functions for Tasks."""

    def __init__(self, store: Store, state_dir: Path, *, account: str, remote_endpoint: str | None,
                 gate: Any = None, read_object: Any = None, bound: Any = None) -> None:
        codes = CodeStore(state_dir / "lambda")
        self.registry = Registry(store)
        layers = LayerRegistry(store, codes)
        self.api = LambdaApi(self.registry, codes, Runtimes(codes, remote_endpoint=remote_endpoint,
                                                            layer_content=layers.content),
                             account=account, gate=gate, read_object=read_object, bound=bound, layers=layers)
        self.layers = LayerApi(layers, account=account, code=self.api)
        invoke_configs = InvokeConfigs(store)
        self.invoke_configs = InvokeConfigApi(invoke_configs, self.api)
        self.api.async_runs = AsyncInvocations(invoke_configs, destination_sender(self.api))
        self.api.on_deleted = lambda region, name: invoke_configs.delete(region, name)
        self.remote_endpoint = remote_endpoint
        codes.forget_unused(self.api.digests_in_use())  # what a crash left between archive and row
        mappings = MappingRegistry(store)
        self.pollers = MappingPollers(mappings, self.api.invoke_for_event_source, _local_client,
                                      send=destination_sender(self.api))
        self.mappings = MappingApi(mappings, self.api, self.pollers, account=account, client_for=_local_client)
        self.api.other_taggable = mappings.exists_arn

    def start_polling(self) -> None:
        """Poll the queues of the enabled event source mappings kept (a restarted server goes on)."""
        self.pollers.sync()

    def stop(self) -> None:
        """Stop polling (a batch in hand is finished first)."""
        self.pollers.stop()

    def answer(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes,
               region: str) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body of the answer to one request signed for ``lambda`` (each with its
        request id, as Lambda's are)."""
        status, answer_headers, content = self._answer(method, path, query, headers, body, region)
        answer_headers.setdefault("x-amzn-RequestId", str(uuid.uuid4()))
        return status, answer_headers, content

    def _answer(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes,
                region: str) -> tuple[int, dict[str, str], bytes]:
        try:
            routed = route_of(method, path, query)
            if routed is None:
                raise LambdaError("ResourceNotFoundException", f"no Lambda API operation is {method} {path}", status=404)
            operation, path_members = routed
            method = xform_name(operation)
            action = next((found for api in (self.api, self.mappings, self.layers, self.invoke_configs)
                           if (found := getattr(api, method, None)) is not None), None)
            if action is None:
                raise LambdaError("NotImplementedException", f"aslrun serve does not answer Lambda's {operation} yet")
            answer: Answer = action(parse_members(operation, path_members, query, headers, body), region)
        except LambdaError as error:
            document = {"Type": "User", "message": error.message}
            return error.status, {"x-amzn-ErrorType": error.code, "content-type": "application/json"}, \
                answer_body(document)
        except Exception as exc:  # a bug: answered, logged, never a dropped connection
            print("aslrun serve: unexpected failure answering a Lambda request:", file=sys.stderr)
            traceback.print_exception(exc)
            document = {"Type": "Service", "message": f"aslrun failed to answer: {type(exc).__name__}: {exc}"}
            return 500, {"x-amzn-ErrorType": "ServiceException", "content-type": "application/json"}, \
                answer_body(document)
        given = answer.body
        content = given if isinstance(given, bytes) else b"" if given is None else answer_body(given)
        return answer.status, {"content-type": "application/json", **answer.headers}, content

    def task_fallback(self, then: Any) -> Any:
        """The handler for Lambda Tasks no binding serves: a function created through this API, else
        ``then`` (the --lambda-endpoint handler, or None)."""
        return _CreatedFunctions(self, then)


class _CreatedFunctions:
    """A Task's call of a function by name: the one created through the API, if any."""

    def __init__(self, endpoint: LambdaEndpoint, then: Any) -> None:
        self.endpoint = endpoint
        self.then = then

    def __reduce__(self) -> Any:
        """Not sent to --handler-processes workers (the functions are found in this server's store):
        the warning that says so names the reason."""
        raise TypeError("a function created through the server's Lambda API runs in the server's process")

    def handler_for(self, reference: str) -> Any:
        """This handler for a name a function created here has (in any region: the call finds it in
        the execution's), else ``then``; None when nothing serves it (the Task fails as on AWS)."""
        parsed = parse_function_name(reference)
        if parsed is not None and self.endpoint.registry.named(parsed[0]):
            return self
        return self.then

    def __call__(self, event: Any, context: Any) -> Any:
        arn = context.invoked_function_arn
        parsed = parse_function_name(arn)
        region = arn.split(":")[3] if arn.startswith("arn:") else None
        latest = self.endpoint.registry.function(region, parsed[0]) if parsed and region else None
        if latest is not None:
            try:
                return self.endpoint.api.run_for_task(region, latest, parsed[1], event, context)  # type: ignore[arg-type, index]
            except LambdaError as error:  # (a version or alias it does not have)
                raise LambdaFunctionError(f"Lambda.{error.code}", lambda_sdk_cause(
                    error.message, error.status, error.code, context.aws_request_id)) from None
        if self.then is not None:
            return self.then(event, context)
        missing = arn if parsed is None or parsed[1] is not None else f"{arn}:$LATEST"
        raise LambdaFunctionError("Lambda.ResourceNotFoundException", lambda_sdk_cause(
            f"Function not found: {missing}", 404, "ResourceNotFoundException", context.aws_request_id))


def _local_client(service: str, region: str) -> Any:
    """A boto3 client of the server's local AWS (started now if it has not been)."""
    from ...localaws.emulator import current_aws

    return current_aws(start=True).client(service, region)  # type: ignore[union-attr]

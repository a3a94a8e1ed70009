"""The Lambda API actions ``aslrun serve`` answers: functions (.zip, Python), their versions,
aliases, tags, permissions and reserved concurrency, and Invoke.

Each action is a method ``snake_case_name(members, region) -> Answer`` found by botocore's name
translation of the operation, as for Step Functions. Every change is committed before the answer
(:mod:`.registry`, :mod:`.code_store`).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import sys
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...integrations.handler_call import HandlerFailed, call_with_own_event
from ...integrations.lambda_ import function_arn, log_tail, parse_function_name, unreadable_payload
from .code_store import CodeStore, StoredCode
from .configuration import check_name, invalid_name, last_modified, new_configuration, updated_configuration
from .errors import LambdaError, function_not_found
from .registry import FunctionRow, Registry
from .runtime import PrintedOutput, Runtimes, context_for

__all__ = ["Answer", "LambdaApi"]

MAX_PAYLOAD_BYTES = 6 * 1024 * 1024  # a synchronous invocation's request and response
MAX_EVENT_PAYLOAD_BYTES = 1024 * 1024  # an asynchronous one's
_PAGE = 50


@dataclass
class Answer:
    """What goes back: a JSON document (or raw bytes), the status and headers."""

    body: dict[str, Any] | bytes | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


class LambdaApi:
    def __init__(self, registry: Registry, codes: CodeStore, runtimes: Runtimes, *, account: str,
                 gate: Any = None, read_object: Any = None, bound: Any = None, layers: Any = None) -> None:
        self.registry = registry
        self.layers = layers  # the layer versions published here (a layers.LayerRegistry), or None
        #: runs asynchronous invocations (retries, destinations: async_invocations.AsyncInvocations), or None
        self.async_runs: Any = None
        #: called with (region, name) when a function is deleted (its event invoke configurations go too)
        self.on_deleted: Any = lambda region, name: None
        self.codes = codes
        self.runtimes = runtimes
        self.account = account
        self.gate = gate  # the server's bound on handlers running at once (the environment is process-wide)
        self.read_object = read_object  # (bucket, key, version) -> bytes, from the local AWS's S3
        #: FunctionName -> the handler --handlers or --template binds to it (or None): Invoke runs those too
        self.bound = bound or (lambda reference: None)
        self._changes = threading.Lock()  # read-check-write changes of $LATEST, and code kept or forgotten
        #: arn -> whether it names another taggable resource of this API (an event source mapping)
        self.other_taggable: Any = lambda arn: False

    # -- functions --------------------------------------------------------------------------------

    def create_function(self, members: dict[str, Any], region: str) -> Answer:
        name = check_name(self._plain_name(members.get("FunctionName")))  # (at most 64 characters)
        config = new_configuration(members, name=name, region=region, account=self.account,
                                   runs=self.runtimes.check_runnable)
        self._check_layers(config)
        tags = members.get("Tags") or {}
        with self._changes:  # (an archive kept is named by a row before unused ones are looked for)
            code = self._code(members.get("Code") or {})
            config.update(CodeSha256=code.sha256_base64, CodeSize=code.size)
            if not self.registry.create(region, name, FunctionRow(config, code.digest), tags, config["FunctionArn"]):
                raise LambdaError("ResourceConflictException", f"Function already exist: {name}")
        if members.get("Publish"):
            self._publish(region, name, config["RevisionId"], None)
        return Answer(config, 201)

    def get_function(self, members: dict[str, Any], region: str) -> Answer:
        name, qualifier = self._name_and_qualifier(members)
        row = self._row(region, name, qualifier)
        latest = self._latest(region, name)
        answer: dict[str, Any] = {
            "Configuration": row.config,
            "Code": {"RepositoryType": "S3", "Location": Path(self.codes.folder, "code", f"{row.digest}.zip").as_uri()},
        }
        tags = self.registry.tags(self._arn(region, name))
        if tags:
            answer["Tags"] = tags
        if latest.concurrency is not None:
            answer["Concurrency"] = {"ReservedConcurrentExecutions": latest.concurrency}
        return Answer(answer)

    def get_function_configuration(self, members: dict[str, Any], region: str) -> Answer:
        name, qualifier = self._name_and_qualifier(members)
        return Answer(self._row(region, name, qualifier).config)

    def list_functions(self, members: dict[str, Any], region: str) -> Answer:
        configs = []
        for row in self.registry.functions(region):
            configs.append(row.config)
            if members.get("FunctionVersion") == "ALL":
                configs.extend(version.config for version in self.registry.versions(region, row.config["FunctionName"]))
        return Answer(paged("Functions", configs, members))

    def update_function_code(self, members: dict[str, Any], region: str) -> Answer:
        name = self._plain_name(members.get("FunctionName"))
        if members.get("ImageUri"):
            raise LambdaError("InvalidParameterValueException", "aslrun serve runs .zip functions; container images "
                                                                "(ImageUri) are not supported")
        with self._changes:
            code = self._code(members)
            latest = self._latest(region, name)
            _check_revision(members, latest.config)
            if members.get("DryRun"):
                return Answer({**latest.config, "CodeSha256": code.sha256_base64, "CodeSize": code.size})
            config = {**latest.config, "CodeSha256": code.sha256_base64, "CodeSize": code.size,
                      "LastModified": last_modified(), "RevisionId": str(uuid.uuid4())}
            self._replace(region, name, latest, config, code.digest)
        if members.get("Publish"):
            self._publish(region, name, config["RevisionId"], None)
        self._forget_unused_code()
        return Answer(config)

    def update_function_configuration(self, members: dict[str, Any], region: str) -> Answer:
        name = self._plain_name(members.get("FunctionName"))
        with self._changes:
            latest = self._latest(region, name)
            _check_revision(members, latest.config)
            config = updated_configuration(latest.config, members, self.runtimes.check_runnable)
            self._check_layers(config)
            self._replace(region, name, latest, config, latest.digest)
        return Answer(config)

    def delete_function(self, members: dict[str, Any], region: str) -> Answer:
        name, qualifier = self._name_and_qualifier(members)
        self._latest(region, name)
        if qualifier is None:
            self.registry.delete_function(region, name, self._arn(region, name))
            self.on_deleted(region, name)
        elif qualifier == "$LATEST" or not qualifier.isdigit():
            raise LambdaError("InvalidParameterValueException",
                              "$LATEST version cannot be deleted without deleting the function." if qualifier ==
                              "$LATEST" else f"Deletion of aliases is not supported with DeleteFunction: {qualifier}")
        else:
            self._row(region, name, qualifier)
            used_by = [a["Name"] for a in self.registry.aliases(region, name) if a["FunctionVersion"] == qualifier]
            if used_by:
                raise LambdaError("ResourceConflictException",
                                  f"Unable to delete version because the following aliases reference it: {used_by}")
            self.registry.delete_version(region, name, int(qualifier))
        self._forget_unused_code()
        return Answer(None, 204)

    # -- versions and aliases ---------------------------------------------------------------------

    def publish_version(self, members: dict[str, Any], region: str) -> Answer:
        name = self._plain_name(members.get("FunctionName"))
        latest = self._latest(region, name)
        _check_revision(members, latest.config)
        if members.get("CodeSha256") and members["CodeSha256"] != latest.config["CodeSha256"]:
            raise LambdaError("InvalidParameterValueException",
                              f"CodeSHA256 ({members['CodeSha256']}) is different from current CodeSHA256 in $LATEST "
                              f"({latest.config['CodeSha256']}). Please try again with the CodeSHA256 in $LATEST.")
        return Answer(self._publish(region, name, latest.config["RevisionId"], members.get("Description")), 201)

    def list_versions_by_function(self, members: dict[str, Any], region: str) -> Answer:
        name = self._plain_name(members.get("FunctionName"))
        configs = [self._latest(region, name).config, *(v.config for v in self.registry.versions(region, name))]
        return Answer(paged("Versions", configs, members))

    def create_alias(self, members: dict[str, Any], region: str) -> Answer:
        name = self._plain_name(members.get("FunctionName"))
        alias = _alias_name(members.get("Name"))
        self._latest(region, name)
        config = self._alias_config(region, name, alias, members, {})
        if not self.registry.put_alias(region, name, alias, config, new=True):
            raise LambdaError("ResourceConflictException", f"Alias already exists: {config['AliasArn']}")
        return Answer(config, 201)

    def get_alias(self, members: dict[str, Any], region: str) -> Answer:
        name = self._plain_name(members.get("FunctionName"))
        return Answer(self._alias(region, name, members.get("Name")))

    def update_alias(self, members: dict[str, Any], region: str) -> Answer:
        name = self._plain_name(members.get("FunctionName"))
        current = self._alias(region, name, members.get("Name"))
        if members.get("RevisionId") and members["RevisionId"] != current["RevisionId"]:
            raise LambdaError("PreconditionFailedException",
                              "The Revision Id provided does not match the latest Revision Id. Call the GetAlias API "
                              "to retrieve the latest Revision Id")
        config = self._alias_config(region, name, current["Name"], members, current)
        if not self.registry.put_alias(region, name, current["Name"], config, new=False):
            raise LambdaError("ResourceNotFoundException", f"Alias not found: {current['AliasArn']}")
        return Answer(config)

    def delete_alias(self, members: dict[str, Any], region: str) -> Answer:
        name = self._plain_name(members.get("FunctionName"))
        self._latest(region, name)
        self.registry.delete_alias(region, name, str(members.get("Name")))
        return Answer(None, 204)

    def list_aliases(self, members: dict[str, Any], region: str) -> Answer:
        name = self._plain_name(members.get("FunctionName"))
        self._latest(region, name)
        aliases = [a for a in self.registry.aliases(region, name)
                   if members.get("FunctionVersion") in (None, a["FunctionVersion"])]
        return Answer(paged("Aliases", aliases, members))

    # -- tags, permissions, concurrency, settings -------------------------------------------------

    def tag_resource(self, members: dict[str, Any], region: str) -> Answer:
        self.registry.tag(self._taggable(members.get("Resource"), region), members.get("Tags") or {})
        return Answer(None, 204)

    def untag_resource(self, members: dict[str, Any], region: str) -> Answer:
        self.registry.untag(self._taggable(members.get("Resource"), region), list(members.get("TagKeys") or []))
        return Answer(None, 204)

    def list_tags(self, members: dict[str, Any], region: str) -> Answer:
        return Answer({"Tags": self.registry.tags(self._taggable(members.get("Resource"), region))})

    def add_permission(self, members: dict[str, Any], region: str) -> Answer:
        name, qualifier = self._name_and_qualifier(members)
        statement_id = str(members.get("StatementId") or "")
        with self._changes:
            latest = self._latest(region, name)
            policy = latest.policy or {"Version": "2012-10-17", "Id": "default", "Statement": []}
            if any(s["Sid"] == statement_id for s in policy["Statement"]):
                raise LambdaError("ResourceConflictException",
                                  f"The statement id ({statement_id}) provided already exists. Please provide a new "
                                  "statement id, or remove the existing statement.")
            statement = _statement(members, statement_id, self._arn(region, name, qualifier))
            policy = {**policy, "Statement": [*policy["Statement"], statement]}
            self._replace(region, name, latest, latest.config, latest.digest, policy=policy)
        return Answer({"Statement": json.dumps(statement)}, 201)

    def remove_permission(self, members: dict[str, Any], region: str) -> Answer:
        name, _ = self._name_and_qualifier(members)
        statement_id = str(members.get("StatementId"))
        with self._changes:
            latest = self._latest(region, name)
            statements = (latest.policy or {}).get("Statement", [])
            if not any(s["Sid"] == statement_id for s in statements):
                raise LambdaError("ResourceNotFoundException",
                                  f"Statement {statement_id} is not found in resource policy.")
            kept = [s for s in statements if s["Sid"] != statement_id]
            policy = {**latest.policy, "Statement": kept} if kept else None  # type: ignore[dict-item]
            self._replace(region, name, latest, latest.config, latest.digest, policy=policy)
        return Answer(None, 204)

    def get_policy(self, members: dict[str, Any], region: str) -> Answer:
        name, _ = self._name_and_qualifier(members)
        latest = self._latest(region, name)
        if not latest.policy:
            raise LambdaError("ResourceNotFoundException", "The resource you requested does not exist.")
        return Answer({"Policy": json.dumps(latest.policy), "RevisionId": latest.config["RevisionId"]})

    def put_function_concurrency(self, members: dict[str, Any], region: str) -> Answer:
        name = self._plain_name(members.get("FunctionName"))
        value = members.get("ReservedConcurrentExecutions")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise LambdaError("InvalidParameterValueException", "ReservedConcurrentExecutions must be 0 or more")
        with self._changes:
            latest = self._latest(region, name)
            self._replace(region, name, latest, latest.config, latest.digest, concurrency=value)
        return Answer({"ReservedConcurrentExecutions": value})

    def get_function_concurrency(self, members: dict[str, Any], region: str) -> Answer:
        latest = self._latest(region, self._plain_name(members.get("FunctionName")))
        return Answer({} if latest.concurrency is None else {"ReservedConcurrentExecutions": latest.concurrency})

    def delete_function_concurrency(self, members: dict[str, Any], region: str) -> Answer:
        name = self._plain_name(members.get("FunctionName"))
        with self._changes:
            latest = self._latest(region, name)
            self._replace(region, name, latest, latest.config, latest.digest, concurrency=None)
        return Answer(None, 204)

    def get_function_code_signing_config(self, members: dict[str, Any], region: str) -> Answer:
        name = self._plain_name(members.get("FunctionName"))
        self._latest(region, name)
        return Answer({"FunctionName": name, "CodeSigningConfigArn": ""})

    def get_runtime_management_config(self, members: dict[str, Any], region: str) -> Answer:
        name, qualifier = self._name_and_qualifier(members)
        config = self._row(region, name, qualifier).config
        return Answer({"UpdateRuntimeOn": "Auto", "FunctionArn": config["FunctionArn"]})

    def get_function_recursion_config(self, members: dict[str, Any], region: str) -> Answer:
        self._latest(region, self._plain_name(members.get("FunctionName")))
        return Answer({"RecursiveLoop": "Terminate"})

    def get_account_settings(self, members: dict[str, Any], region: str) -> Answer:
        count = len(self.registry.functions(region))
        return Answer({
            "AccountLimit": {"TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000, "CodeSizeZipped": 52428800,
                             "ConcurrentExecutions": 1000, "UnreservedConcurrentExecutions": 1000},
            "AccountUsage": {"TotalCodeSize": 0, "FunctionCount": count},
        })

    # -- invoking ---------------------------------------------------------------------------------

    def invoke(self, members: dict[str, Any], region: str) -> Answer:
        name, qualifier = self._name_and_qualifier(members)
        payload = members.get("Payload") or b""
        invocation_type = members.get("InvocationType") or "RequestResponse"
        limit = MAX_EVENT_PAYLOAD_BYTES if invocation_type == "Event" else MAX_PAYLOAD_BYTES
        if len(payload) > limit:
            raise LambdaError("RequestTooLargeException",
                              f"Request must be smaller than {limit} bytes for the InvokeFunction operation")
        event = _event(payload)
        invoked = self._arn(region, name, qualifier)
        row = self._invocable(region, name, qualifier, bound_arn=invoked)
        headers = {"X-Amz-Executed-Version": row.config["Version"]}
        if invocation_type == "DryRun":
            return Answer(b"", 204, headers)
        client_context = _client_context(members.get("ClientContext"))
        request_id = str(uuid.uuid4())
        if invocation_type == "Event":
            threading.Thread(target=self._run_quietly, args=(row, event, invoked, request_id, client_context,
                                                             region, name, qualifier or "$LATEST"),
                             name=f"aslrun-lambda-{name}", daemon=True).start()
            return Answer(b"", 202, {"x-amzn-RequestId": request_id})
        status, body, function_error, printed = self._run(row, event, invoked, request_id, client_context)
        if function_error:
            headers["X-Amz-Function-Error"] = function_error
        if members.get("LogType") == "Tail":
            headers["X-Amz-Log-Result"] = log_tail(request_id, row.config["Version"], memory_mb=row.config["MemorySize"],
                                                   printed=printed)
        headers["x-amzn-RequestId"] = request_id
        return Answer(body, status, headers)

    def run_for_task(self, region: str, latest: FunctionRow, qualifier: str | None, event: Any, context: Any) -> Any:
        """A Task's call of a function created through this API, its ``$LATEST`` read already (the
        engine holds the handler gate): its result, or :class:`LambdaFunctionError` as the function
        failed; :class:`LambdaError` when it has no such version or alias."""
        row = self._row(region, latest.config["FunctionName"], qualifier, latest)
        function = self.runtimes.function(row.config, row.digest)
        return function(event, context)

    def can_invoke(self, function_arn: str) -> bool:
        """Whether the function (a version or alias when the ARN names one) exists here or is bound."""
        try:
            self._invocable_arn(function_arn)
        except LambdaError:
            return False
        return True

    def invoke_for_event_source(self, function_arn: str, event: Any) -> tuple[Any, str | None]:
        """An event source mapping's synchronous invocation: ``(reply, None)``, or ``(None,
        "ErrorType: message")`` when the function failed or is gone."""
        try:
            row = self._invocable_arn(function_arn)
        except LambdaError as error:
            return None, f"{error.code}: {error.message}"
        _, body, function_error, _ = self._run(row, event, function_arn, str(uuid.uuid4()), None)
        document = json.loads(body) if body else None
        if function_error:
            if isinstance(document, dict):
                return None, f"{document.get('errorType', 'Unhandled')}: {document.get('errorMessage', '')}"
            return None, f"Unhandled: {document}"
        return document, None

    def _invocable_arn(self, function_arn: str) -> FunctionRow:
        parsed = parse_function_name(function_arn)
        if parsed is None:
            raise invalid_name(function_arn)
        region = function_arn.split(":")[3]
        return self._invocable(region, parsed[0], parsed[1], bound_arn=function_arn)

    def _run(self, row: FunctionRow, event: Any, invoked: str, request_id: str,
             client_context: Any) -> tuple[int, bytes, str | None, str]:
        function = row.handler if isinstance(row, _BoundFunction) else self.runtimes.function(row.config, row.digest)
        context = context_for(row.config, invoked, request_id, client_context)
        printed = PrintedOutput()
        gate = self.gate
        if gate is not None:
            gate.acquire()
        try:  # the engine's boundary of a handler call: its failures, exits and unserialisable results
            with contextlib.redirect_stdout(printed):
                result, _ = call_with_own_event(function, event, context)
        except HandlerFailed as failed:
            document = failed.document if isinstance(failed.document, dict) else {"errorMessage": failed.document,
                                                                                  "errorType": failed.error}
            return 200, json.dumps(document).encode(), "Unhandled", printed.kept.getvalue()
        finally:
            if gate is not None:
                gate.release()
        body = json.dumps(result).encode()
        if len(body) > MAX_PAYLOAD_BYTES:
            document = {"errorMessage": f"Response payload size ({len(body)} bytes) exceeded maximum allowed payload "
                                        f"size ({MAX_PAYLOAD_BYTES} bytes).", "errorType": "Function.ResponseSizeTooLarge"}
            return 200, json.dumps(document).encode(), "Unhandled", printed.kept.getvalue()
        return 200, body, None, printed.kept.getvalue()

    def _run_quietly(self, row: FunctionRow, event: Any, invoked: str, request_id: str, client_context: Any,
                     region: str, name: str, qualifier: str) -> None:
        def attempt() -> tuple[bytes, str | None, str]:
            _, body, error, _ = self._run(row, event, invoked, request_id, client_context)
            return body, error, str(row.config.get("Version", "$LATEST"))

        try:
            if self.async_runs is not None:  # retried, its record sent to a destination
                self.async_runs.run(region, name, qualifier, invoked, event, attempt, request_id=request_id)
                return
            body, error, _ = attempt()
        except Exception as exc:  # an asynchronous invocation has no one to answer: the server's log says it
            print(f"aslrun serve: the asynchronous invocation {request_id} of {invoked} failed: {exc}", file=sys.stderr)
            return
        if error:
            print(f"aslrun serve: the asynchronous invocation {request_id} of {invoked} failed: {body.decode()}",
                  file=sys.stderr)

    # -- for the other APIs of the same port ------------------------------------------------------

    def name_and_qualifier(self, members: dict[str, Any]) -> tuple[str, str | None]:
        return self._name_and_qualifier(members)

    def configuration(self, region: str, name: str, qualifier: str | None) -> FunctionRow:
        """The configuration a qualifier names (ResourceNotFoundException when there is none)."""
        return self._row(region, name, qualifier)

    def qualified_arn(self, region: str, name: str, qualifier: str | None) -> str:
        return self._arn(region, name, qualifier)

    # -- lookups ----------------------------------------------------------------------------------

    def _plain_name(self, reference: Any) -> str:
        name, qualifier = self._parse(reference)
        if qualifier is not None:
            raise LambdaError("InvalidParameterValueException", f"Unsupported qualifier in function name: {reference}")
        return name

    def _name_and_qualifier(self, members: dict[str, Any]) -> tuple[str, str | None]:
        name, in_name = self._parse(members.get("FunctionName"))
        qualifier = members.get("Qualifier")
        if in_name is not None and qualifier is not None and in_name != qualifier:
            raise LambdaError("InvalidParameterValueException",
                              "The derived qualifier from the function name does not match the specified qualifier.")
        return name, qualifier if qualifier is not None else in_name

    def _parse(self, reference: Any) -> tuple[str, str | None]:
        parsed = parse_function_name(reference) if isinstance(reference, str) else None
        if parsed is None:
            raise invalid_name(reference)
        return parsed

    def _arn(self, region: str, name: str, qualifier: str | None = None) -> str:
        return function_arn(name, qualifier, region, self.account)

    def _latest(self, region: str, name: str) -> FunctionRow:
        row = self.registry.function(region, name)
        if row is None:
            raise function_not_found(self._arn(region, name))
        return row

    def _row(self, region: str, name: str, qualifier: str | None, latest: FunctionRow | None = None) -> FunctionRow:
        """The configuration a qualifier names: ``$LATEST``, a version number or an alias (``latest``:
        the function's ``$LATEST``, when the caller has read it already)."""
        latest = latest if latest is not None else self._latest(region, name)
        if qualifier in (None, "$LATEST"):
            return latest
        if qualifier.isdigit():
            row = self.registry.version(region, name, int(qualifier))
            if row is None:
                raise function_not_found(self._arn(region, name, qualifier))
            return row
        alias = self.registry.alias(region, name, qualifier)
        if alias is None:
            raise function_not_found(self._arn(region, name, qualifier))
        return self._row(region, name, alias["FunctionVersion"], latest)

    def _invocable(self, region: str, name: str, qualifier: str | None, *, bound_arn: str) -> FunctionRow:
        """The function Invoke runs: one created here, else the handler --handlers or --template binds
        to ``bound_arn`` (as ``sam local start-lambda`` invokes a template's functions)."""
        latest = self.registry.function(region, name)
        if latest is None:
            handler = self.bound(bound_arn) if qualifier in (None, "$LATEST") else None
            if handler is not None:
                return _BoundFunction(name, bound_arn, handler)
            raise function_not_found(self._arn(region, name, qualifier or "$LATEST"))  # naming the version looked for
        return self._row(region, name, qualifier, latest)

    def _alias(self, region: str, name: str, alias: Any) -> dict[str, Any]:
        self._latest(region, name)
        found = self.registry.alias(region, name, str(alias))
        if found is None:
            raise LambdaError("ResourceNotFoundException", f"Alias not found: {self._arn(region, name, str(alias))}")
        return found

    def _alias_config(self, region: str, name: str, alias: str, members: dict[str, Any],
                      current: dict[str, Any]) -> dict[str, Any]:
        version = members.get("FunctionVersion", current.get("FunctionVersion"))
        if not isinstance(version, str) or (version != "$LATEST" and not version.isdigit()):
            raise LambdaError("InvalidParameterValueException", f"Invalid FunctionVersion: {version}")
        self._row(region, name, version)
        config = {"AliasArn": self._arn(region, name, alias), "Name": alias,
                  "FunctionVersion": version,
                  "Description": str(members.get("Description", current.get("Description", "")) or ""),
                  "RevisionId": str(uuid.uuid4())}
        routing = members.get("RoutingConfig", current.get("RoutingConfig"))
        if routing:
            config["RoutingConfig"] = routing
        return config

    def _taggable(self, arn: Any, region: str) -> str:
        if isinstance(arn, str) and self.other_taggable(arn):
            return arn
        parsed = parse_function_name(arn) if isinstance(arn, str) and arn.startswith("arn:") else None
        if parsed is None or parsed[1] is not None:
            raise LambdaError("InvalidParameterValueException", f"Invalid resource ARN for tagging: {arn}")
        self._latest(region, parsed[0])
        return self._arn(region, parsed[0])

    # -- changes ----------------------------------------------------------------------------------

    def _code(self, code: dict[str, Any]) -> StoredCode:
        if code.get("ZipFile") is not None:
            try:
                archive = base64.b64decode(code["ZipFile"], validate=True)
            except (binascii.Error, TypeError, ValueError):
                raise LambdaError("InvalidParameterValueException", "ZipFile must be the base64 of a .zip archive") \
                    from None
            return self.codes.keep(archive)
        if code.get("S3Bucket") and code.get("S3Key"):
            if self.read_object is None:
                raise LambdaError("InvalidParameterValueException", "this server has no local S3 to read code from")
            archive = self.read_object(code["S3Bucket"], code["S3Key"], code.get("S3ObjectVersion"))
            return self.codes.keep(archive)
        raise LambdaError("InvalidParameterValueException",
                          "Please provide a source for function code (ZipFile, or S3Bucket and S3Key).")

    def _replace(self, region: str, name: str, latest: FunctionRow, config: dict[str, Any], digest: str, *,
                 policy: Any = ..., concurrency: Any = ...) -> None:
        row = FunctionRow(config, digest, latest.next_version,
                          latest.concurrency if concurrency is ... else concurrency,
                          latest.policy if policy is ... else policy)
        if not self.registry.replace(region, name, row, latest.config["RevisionId"]):
            raise LambdaError("ResourceConflictException",
                              f"The operation cannot be performed at this time. An update is in progress for resource: "
                              f"{latest.config['FunctionArn']}")

    def _publish(self, region: str, name: str, revision: str, description: str | None) -> dict[str, Any]:
        versions = self.registry.versions(region, name)
        if versions:  # nothing changed since the last version: that version
            last, latest = versions[-1], self._latest(region, name)
            if last.digest == latest.digest and _same_settings(last.config, latest.config):
                return last.config

        def make(latest: dict[str, Any], number: int) -> dict[str, Any]:
            return {**latest, "Version": str(number), "FunctionArn": f"{latest['FunctionArn']}:{number}",
                    "Description": description if description is not None else latest["Description"],
                    "RevisionId": str(uuid.uuid4()), "LastModified": last_modified()}

        published = self.registry.publish(region, name, revision, make)
        if published is None:
            raise _revision_mismatch()
        return published

    def _forget_unused_code(self) -> None:
        with self._changes:  # never between an archive kept and the row that names it
            self.codes.forget_unused(self.digests_in_use())

    @contextlib.contextmanager
    def keeping_code(self) -> Any:
        """``keep(content)``, within the lock that keeps a new archive from being forgotten before the
        row naming it is written (layers publish their archives this way)."""
        with self._changes:
            yield self._code

    forget_unused_code = _forget_unused_code

    def digests_in_use(self) -> set[str]:
        """The archives some function, version or layer version names."""
        return self.registry.digests_in_use() | (self.layers.digests() if self.layers is not None else set())

    def _check_layers(self, config: dict[str, Any]) -> None:
        """A function's layers: one of this account must have been published here (as Lambda refuses
        a version that does not exist); their sizes are read from there. A layer of another account (a
        published one, AWS's own) cannot be looked at: taken as given."""
        layers = []
        for layer in config.get("Layers") or []:
            arn = layer["Arn"]
            if self.layers is not None and f":{self.account}:layer:" in arn:
                if self.layers.by_arn(arn) is None:
                    raise LambdaError("InvalidParameterValueException", f"Layer version {arn} does not exist.")
                layer = {"Arn": arn, "CodeSize": self.layers.code_size(arn)}
            layers.append(layer)
        config["Layers"] = layers


class _BoundFunction(FunctionRow):
    """A handler bound by --handlers or --template, invoked through the API: a configuration of its
    own for the context (name, ``$LATEST``, 128 MB) and no code of this store."""

    def __init__(self, name: str, arn: str, handler: Any) -> None:
        super().__init__({"FunctionName": name, "FunctionArn": arn, "Version": "$LATEST", "MemorySize": 128}, "")
        self.handler = handler


def _same_settings(version: dict[str, Any], latest: dict[str, Any]) -> bool:
    ignored = ("Version", "FunctionArn", "RevisionId", "LastModified", "Description")
    return {k: v for k, v in version.items() if k not in ignored} == {k: v for k, v in latest.items() if k not in ignored}


def _check_revision(members: dict[str, Any], config: dict[str, Any]) -> None:
    if members.get("RevisionId") and members["RevisionId"] != config["RevisionId"]:
        raise _revision_mismatch()


def _revision_mismatch() -> LambdaError:
    return LambdaError("PreconditionFailedException", "The Revision Id provided does not match the latest Revision "
                                                      "Id. Call the GetFunction/GetAlias API to retrieve the latest "
                                                      "Revision Id")


def _alias_name(name: Any) -> str:
    if not isinstance(name, str) or not name or name.isdigit() or name == "$LATEST" or len(name) > 128:
        raise LambdaError("ValidationException",
                          f"1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: "
                          "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)")
    return name


def _statement(members: dict[str, Any], statement_id: str, resource: str) -> dict[str, Any]:
    principal = str(members.get("Principal") or "")
    statement: dict[str, Any] = {
        "Sid": statement_id, "Effect": "Allow",
        "Principal": {"Service": principal} if principal.endswith(".amazonaws.com") else {"AWS": principal},
        "Action": str(members.get("Action") or ""), "Resource": resource,
    }
    conditions: dict[str, Any] = {}
    if members.get("SourceArn"):
        conditions["ArnLike"] = {"AWS:SourceArn": members["SourceArn"]}
    if members.get("SourceAccount"):
        conditions["StringEquals"] = {"AWS:SourceAccount": members["SourceAccount"]}
    if conditions:
        statement["Condition"] = conditions
    return statement


def _event(payload: bytes) -> Any:
    if not payload.strip():
        return {}
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as bad:
        raise LambdaError("InvalidRequestContentException", "Could not parse request body into json: Could not parse "
                          f"payload into json: Invalid UTF-8 start byte 0x{payload[bad.start]:02x}") from None
    try:
        return json.loads(text)
    except ValueError as error:
        raise LambdaError("InvalidRequestContentException", unreadable_payload(text, error)) from None


def _client_context(encoded: Any) -> Any:
    if not encoded:
        return None
    try:
        return json.loads(base64.b64decode(encoded))
    except (binascii.Error, ValueError):
        raise LambdaError("InvalidRequestContentException", "Client context must be the base64 of a JSON object") \
            from None


def paged(key: str, items: list[dict[str, Any]], members: dict[str, Any], *, size: int = _PAGE,
          most: int = 10000) -> dict[str, Any]:
    """A list answer: ``key``'s page of ``items`` from the request's ``Marker``, ``MaxItems`` long (else
    ``size``, at most ``most``), and the ``NextMarker`` when there are more."""
    start = int(members["Marker"]) if str(members.get("Marker") or "").isdigit() else 0
    end = start + max(1, min(int(members.get("MaxItems") or size), most))
    return {key: items[start:end], **({"NextMarker": str(end)} if end < len(items) else {})}


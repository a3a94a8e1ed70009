"""TemplateApp: a template's state machines, functions and resources, ready to run.

:func:`load_template` reads the template (:mod:`.decode`), applies its transform (:mod:`.transform`),
and with one intrinsic-function evaluator for the deployment (:mod:`.intrinsics`, :mod:`.names`)
builds what CloudFormation would deploy:

* every ``AWS::StepFunctions::StateMachine`` (SAM's ``AWS::Serverless::StateMachine`` after the
  transform) with its definition resolved (:mod:`.machines`), compiled as a
  :class:`~aslrun.machine.StateMachine` named with its physical name;
* every ``AWS::Lambda::Function``: Python functions become handlers importing their own code
  (:mod:`.functions`, :mod:`.lambda_runtime`); other runtimes are sent to ``lambda_endpoint``
  (a Lambda Invoke API such as ``sam local start-lambda``, by logical id) when one is given, and
  otherwise refused if a state machine of the template calls them;
* :attr:`TemplateApp.bindings`: the functions bound by physical name (which serves every ARN form
  of it), the state machines bound by ARN (a ``states:startExecution`` from one to another finds
  it), and ``lambda_fallback`` to the endpoint when given;
* :attr:`TemplateApp.seed`: tables, queues, topics, buckets and buses for the local AWS
  (:mod:`.resources`);
* nested stacks (``AWS::CloudFormation::Stack``) loaded first, with the parameters the template
  gives them, their state machines, functions, resources and event sources taken in, their outputs
  read by ``Fn::GetAtt`` (:mod:`.nested_stacks`).

**The stack name** (``AWS::StackName``, and the prefix of generated names) is ``stack_name=`` when
given; else, for a CDK assembly, the ``stackName`` its ``manifest.json`` records for the template;
else the template file's name without its extensions (``Billing.template.json`` -> ``Billing``),
except that SAM's conventional ``template.yaml`` takes the name of its project directory (and
``.aws-sam/build/template.yaml`` that of the project around it). Characters a stack name cannot
hold become ``-``.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..bindings import Bindings
from ..errors import DefinitionError
from ..integrations.lambda_ import parse_function_name
from ..machine import StateMachine
from .decode import decode_template
from .errors import TemplateError, did_you_mean
from .event_sources import EventSources, read_event_sources
from .functions import FunctionSpec, is_python, read_function
from .intrinsics import Intrinsics
from .lambda_runtime import ImportFailed, PythonFunction
from .machines import definition_of
from .names import Deployment, ResourceNames
from .nested_stacks import load_nested_stacks
from .resources import seed_document
from .sniff import looks_like_template
from .transform import apply_transforms

__all__ = ["TemplateApp", "TemplateError", "TemplateFunction", "TemplateStateMachine", "load_template",
           "looks_like_template"]

_STATE_MACHINE = "AWS::StepFunctions::StateMachine"
_FUNCTION = "AWS::Lambda::Function"


@dataclass
class TemplateStateMachine:
    logical_id: str
    name: str  # the physical name CloudFormation gives it (StateMachineName, else <logical id>-<suffix>)
    arn: str
    definition: dict[str, Any]  # intrinsics and DefinitionSubstitutions resolved
    type: str = "STANDARD"
    role_arn: str = ""
    machine: StateMachine | None = None  # the definition, validated and compiled


@dataclass
class TemplateFunction:
    logical_id: str
    name: str  # FunctionName, else CloudFormation's generated name
    arn: str
    runtime: str
    handler: Any = None  # the callable (event, context): Python code, or the Lambda endpoint (None: neither)
    environment: dict[str, str] = field(default_factory=dict)
    timeout: int = 3
    handler_string: str = ""  # the Handler property ("app.handler")
    code_dir: Path | None = None  # where a Python function's code is
    memory: int = 128


@dataclass
class TemplateApp:
    path: Path
    region: str
    account: str
    state_machines: dict[str, TemplateStateMachine]
    functions: dict[str, TemplateFunction]
    bindings: Bindings
    seed: dict[str, Any]
    stack_name: str = ""
    template: dict[str, Any] = field(default_factory=dict, repr=False)  # as CloudFormation deploys it (transformed)
    scratch: Any = field(default=None, repr=False)  # the directory holding inline and unzipped code
    event_sources: EventSources = field(default_factory=EventSources)  # queues, topics, rules, schedules
    names: ResourceNames | None = field(default=None, repr=False)  # physical names and ARNs of every resource
    intrinsics: Intrinsics | None = field(default=None, repr=False)  # the evaluator (a nested stack's outputs)
    nested_stacks: list[Any] = field(default_factory=list, repr=False)  # NestedStack each (see .nested_stacks)

    def deploy(self, aws: Any) -> Any:
        """Create the template's resources in the local AWS ``aws`` (those missing) and attach its event
        sources (:class:`~aslrun.templates.event_delivery.EventRuntime`, returned: its ``deliver()``
        runs what they set off; ``detach()`` when done)."""
        from .event_delivery import EventRuntime

        if self.seed:
            aws.seed(self.seed)
        return EventRuntime(self, aws).attach()

    def state_machine(self, logical_id: str | None = None) -> StateMachine:
        """The compiled state machine ``logical_id`` (its physical name or ARN also do); with no
        id, the template's only one."""
        return self._machine(logical_id).machine  # type: ignore[return-value]

    def execute(self, logical_id: str | None = None, input: Any = None, **options: Any) -> Any:
        """Run a state machine with the template's bindings, region and account (``options`` are
        :meth:`StateMachine.start`'s; ``handlers`` replaces the bindings)."""
        options.setdefault("handlers", self.bindings)
        options.setdefault("region", self.region)
        options.setdefault("account", self.account)
        return self.state_machine(logical_id).execute(input, **options)

    def _machine(self, logical_id: str | None) -> TemplateStateMachine:
        if logical_id is None:
            if len(self.state_machines) == 1:
                return next(iter(self.state_machines.values()))
            if not self.state_machines:
                raise TemplateError(f"{self.path}: the template defines no state machine")
            raise TemplateError(f"{self.path}: the template defines {len(self.state_machines)} state machines: "
                                f"name one of {', '.join(self.state_machines)} (the command line's "
                                "--state-machine LOGICAL_ID)")
        found = self.state_machines.get(logical_id)
        if found is None:
            found = next((m for m in self.state_machines.values() if logical_id in (m.name, m.arn)), None)
        if found is None:
            raise TemplateError(f"{self.path}: no state machine '{logical_id}'"
                                f"{did_you_mean(logical_id, self.state_machines)}; the template defines "
                                f"{', '.join(self.state_machines) or 'none'}")
        return found


def load_template(path: str | os.PathLike[str], *, parameters: Mapping[str, str] | None = None,
                  region: str = "us-east-1", account: str = "123456789012",
                  lambda_endpoint: str | None = None, stack_name: str | None = None) -> TemplateApp:
    """Read a SAM / CloudFormation / CDK template and make its state machines runnable here.

    ``parameters`` override the template's parameter defaults; ``region``, ``account`` and
    ``stack_name`` say where it is "deployed" (pseudo parameters, ARNs, generated names; the stack
    name is chosen as the module docstring says when not given); ``lambda_endpoint`` serves
    functions that are not Python. Any problem is a :class:`TemplateError` naming the place."""
    path = Path(path)
    source = decode_template(path)
    if "StartAt" in source or "States" in source:
        raise TemplateError(f"{path}: this is a state machine definition, not a template (StateMachine.from_file "
                            "runs it)")
    if not isinstance(source.get("Resources"), dict) or not source["Resources"]:
        raise TemplateError(f"{path}: a template has a Resources section naming at least one resource")
    _check_resource_shapes(source["Resources"])
    deployment = Deployment(region, account, stack_name or default_stack_name(path))
    given = dict(parameters or {})
    base = path.resolve().parent
    template = apply_transforms(source, base=base, deployment=deployment, parameters=given)
    intrinsics = Intrinsics(template, deployment, given)
    nested = load_nested_stacks(intrinsics, path, deployment.stack_name, lambda child, values, name: load_template(
        child, parameters=values, region=region, account=account, lambda_endpoint=lambda_endpoint, stack_name=name))
    scratch = _Scratch()
    bindings = Bindings(lambda_fallback=_remote(lambda_endpoint) if lambda_endpoint else None)

    functions = {}
    for logical_id in _created(intrinsics, _FUNCTION):
        spec = read_function(logical_id, intrinsics.resources[logical_id], intrinsics, base, scratch.folder)
        functions[logical_id] = _function(spec, region, lambda_endpoint)
        if functions[logical_id].handler is not None:
            bindings.bind(spec.name, functions[logical_id].handler)

    machines = {}
    for logical_id in _created(intrinsics, _STATE_MACHINE):
        machines[logical_id] = _state_machine(logical_id, intrinsics, base, path)
        bindings.bind(machines[logical_id].arn, machines[logical_id].machine)
    _bind_machine_versions(intrinsics, machines, bindings)
    _prepare_called_functions(machines, functions, lambda_endpoint)
    seed = seed_document(intrinsics)
    event_sources = read_event_sources(intrinsics, functions, machines)
    for child in nested:  # the nested stacks' machines, functions, resources and event sources are the app's too
        _take_in(child.app, path, machines, functions, seed, event_sources)
        bindings = bindings.merged(child.app.bindings)  # their functions, machines, versions and aliases
    for machine in machines.values():  # run as deployed: with the template's functions, region and account
        assert machine.machine is not None
        machine.machine.deployment = {"handlers": bindings, "region": region, "account": account}
    return TemplateApp(path=path, region=region, account=account, state_machines=machines, functions=functions,
                       bindings=bindings, seed=seed, stack_name=deployment.stack_name,
                       template=template, scratch=scratch, event_sources=event_sources, names=intrinsics.names,
                       intrinsics=intrinsics, nested_stacks=nested)


def _take_in(child: TemplateApp, path: Path, machines: dict[str, TemplateStateMachine],
             functions: dict[str, TemplateFunction], seed: dict[str, Any], event_sources: EventSources) -> None:
    """A nested stack's state machines, functions, resources and event sources taken into its
    parent's app (its logical ids are the parent's to use; its scratch directory stays with it)."""
    kinds: tuple[tuple[str, dict[str, Any], dict[str, Any]], ...] = (
        ("state machine", child.state_machines, machines), ("function", child.functions, functions))
    for kind, theirs, ours in kinds:
        for logical_id, item in theirs.items():
            if logical_id in ours:
                raise TemplateError(f"{path}: the {kind} {logical_id} of the nested stack {child.stack_name} has the "
                                    "logical id of one of the template's own: aslrun knows both by it")
            ours[logical_id] = item
    for service, resources in child.seed.items():
        seed.setdefault(service, {}).update(resources)
    event_sources.queues += child.event_sources.queues
    event_sources.topics += child.event_sources.topics
    event_sources.rules += child.event_sources.rules


def _check_resource_shapes(resources: dict[str, Any]) -> None:
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            raise TemplateError(f"Resources.{logical_id}: a resource is a mapping with a Type")
        if not isinstance(resource.get("Properties", {}), dict):
            raise TemplateError(f"Resources.{logical_id}.Properties: must be a mapping")


def default_stack_name(path: Path) -> str:
    """The stack name when none is given (see the module docstring)."""
    recorded = _cdk_stack_name(path)
    if recorded:
        return _valid_stack_name(recorded)
    name = path.name
    for suffix in (".template.json", ".template.yaml", ".template.yml", ".json", ".yaml", ".yml", ".template"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    if name in ("template", "packaged", "packaged-template"):
        folder = path.resolve().parent
        if folder.name == "build" and folder.parent.name == ".aws-sam":
            folder = folder.parent.parent
        name = folder.name or name
    return _valid_stack_name(name)


def _valid_stack_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9-]", "-", name).strip("-") or "stack"
    return (cleaned if cleaned[0].isalpha() else f"stack-{cleaned}")[:128]


def _cdk_stack_name(path: Path) -> str | None:
    manifest = path.parent / "manifest.json"
    try:
        artifacts = json.loads(manifest.read_text(encoding="utf-8")).get("artifacts") or {}
    except (OSError, ValueError, AttributeError):
        return None
    for artifact_id, artifact in artifacts.items():
        properties = artifact.get("properties") or {} if isinstance(artifact, dict) else {}
        if properties.get("templateFile") == path.name:
            return str(properties.get("stackName") or artifact_id)
    return None


def _created(intrinsics: Intrinsics, type_name: str) -> list[str]:
    return [logical_id for logical_id, resource in intrinsics.resources.items()
            if isinstance(resource, dict) and resource.get("Type") == type_name and intrinsics.created(logical_id)]


class _Scratch:
    """The app's temporary directory for inline and unzipped code, made when a function first needs
    a folder in it (most templates' code is a folder beside them: nothing is made, nothing can be
    left behind by a server that is killed) and removed with the app."""

    def __init__(self) -> None:
        self._directory: tempfile.TemporaryDirectory[str] | None = None

    def folder(self, name: str) -> Path:
        """The folder for ``name`` in the directory (made empty when first asked for)."""
        if self._directory is None:
            self._directory = tempfile.TemporaryDirectory(prefix="aslrun-template-")
        folder = Path(self._directory.name) / re.sub(r"[^A-Za-z0-9_.-]", "_", name)
        folder.mkdir(parents=True, exist_ok=True)
        return folder


def _remote(endpoint: str, function_name: str | None = None) -> Any:
    from ..integrations.remote_lambda import RemoteLambda

    return RemoteLambda(endpoint, function_name=function_name)


def _function(spec: FunctionSpec, region: str, endpoint: str | None) -> TemplateFunction:
    handler: Any = None
    if is_python(spec.runtime) and spec.code_dir is not None:
        handler = PythonFunction(logical_id=spec.logical_id, name=spec.name, code_dir=spec.code_dir,
                                 handler=spec.handler, runtime=spec.runtime, environment=spec.environment,
                                 timeout=spec.timeout, memory=spec.memory, region=region, layers=spec.layers,
                                 libraries=spec.libraries)
    elif endpoint:
        handler = _remote(endpoint, function_name=spec.logical_id)  # sam local knows functions by logical id
    return TemplateFunction(logical_id=spec.logical_id, name=spec.name, arn=spec.arn, runtime=spec.runtime,
                            handler=handler, environment=spec.environment, timeout=spec.timeout,
                            handler_string=spec.handler, code_dir=spec.code_dir, memory=spec.memory)


def _state_machine(logical_id: str, intrinsics: Intrinsics, base: Path, path: Path) -> TemplateStateMachine:
    properties = intrinsics.resources[logical_id].get("Properties") or {}
    where = f"Resources.{logical_id}.Properties"
    definition = definition_of(logical_id, properties, intrinsics, base)
    name = intrinsics.names.physical_name(logical_id)
    kind = intrinsics.resolve(properties.get("StateMachineType", "STANDARD"), f"{where}.StateMachineType")
    role = intrinsics.resolve(properties.get("RoleArn", ""), f"{where}.RoleArn")
    try:
        machine = StateMachine(definition, name=name, source=f"{path}#{logical_id}")
    except DefinitionError as exc:
        problems = "\n  ".join(str(problem) for problem in exc.problems)
        raise TemplateError(f"Resources.{logical_id}: the state machine's definition is not valid:\n  {problems}") \
            from None
    return TemplateStateMachine(logical_id=logical_id, name=name, arn=intrinsics.names.arn(logical_id),
                                definition=definition, type=str(kind), role_arn=str(role), machine=machine)


def _bind_machine_versions(intrinsics: Intrinsics, machines: dict[str, TemplateStateMachine],
                           bindings: Bindings) -> None:
    """Versions and aliases of the template's state machines (SAM's AutoPublishAlias) run the same machine."""
    by_arn = {m.arn: m.machine for m in machines.values()}
    for kind in ("AWS::StepFunctions::StateMachineVersion", "AWS::StepFunctions::StateMachineAlias"):
        for logical_id in _created(intrinsics, kind):
            arn = str(intrinsics.names.ref(logical_id))
            machine = by_arn.get(":".join(arn.split(":")[:7]))
            if machine is not None:
                bindings.bind(arn, machine)


def _prepare_called_functions(machines: dict[str, TemplateStateMachine], functions: dict[str, TemplateFunction],
                              endpoint: str | None) -> None:
    """Import now the Python functions a state machine calls (a broken handler is refused at load),
    and refuse a called function that nothing can run."""
    by_name = {function.name: function for function in functions.values()}
    for machine in machines.values():
        for state, reference in _called_functions(machine):
            parsed = parse_function_name(reference)
            function = by_name.get(parsed[0]) if parsed else None
            if function is None:
                continue  # not the template's: the caller binds it, or the run reports it
            if isinstance(function.handler, PythonFunction):
                try:
                    function.handler.load()
                except ImportFailed as failed:
                    raise TemplateError(
                        f"Resources.{function.logical_id}.Properties.Handler: cannot load handler "
                        f"'{function.handler_string}' from {function.code_dir}: {failed.error_type}: "
                        f"{failed.message}") from None
            elif function.handler is None:
                raise TemplateError(
                    f"Resources.{function.logical_id}: the function {function.name} runs on {function.runtime}, "
                    f"which aslrun cannot run in-process, and state '{state}' of {machine.logical_id} calls it: "
                    "give a Lambda endpoint for it (lambda_endpoint=, e.g. `sam local start-lambda`'s "
                    "http://127.0.0.1:3001) or bind a handler to it yourself")


def _called_functions(machine: TemplateStateMachine) -> list[tuple[str, str]]:
    """``(state name, function reference)`` for every Lambda function the machine names statically."""
    found: list[tuple[str, str]] = []
    program = machine.machine.program if machine.machine is not None else None
    for state in program.walk() if program is not None else []:
        names = getattr(state, "static_function_names", None)
        if names is not None:
            found.extend((state.name, reference) for reference in names())
    return found

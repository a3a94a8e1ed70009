"""TestState over the API: run one state of a definition with a given input, as AWS's TestState does.

Like AWS, it needs no state machine to have been created and answers synchronously. The request:

* ``definition``: a single state (``{"Type": "Pass", ...}``), or a whole state machine together
  with ``stateName`` (which must then name one of its states, nested ones too); either is checked
  as CreateStateMachine checks a definition (``InvalidDefinition``, worded as AWS words it). A
  single state is run as the only state of a machine, under the name ``StateName`` (AWS's
  ``$$.State.Name`` for it); the states it transitions to need not exist. A whole machine without
  ``stateName`` is refused (ValidationException).
* ``input`` (JSON text, default ``{}``; ``InvalidExecutionInput`` when it is not JSON),
  ``variables`` (a JSON object: the workflow variables in reach), ``roleArn`` (``$$.Execution.
  RoleArn``; required to test a Task without a mock, as on AWS), ``inspectionLevel``.
* ``mock``: ``result`` (JSON text) or ``errorOutput`` (``error``, ``cause``) - for a Task, Map or
  Parallel state only. A mocked Task's result is checked against the API model of the action it
  calls (``fieldValidationMode``: ``STRICT``, the default, requires the required members,
  ``PRESENT`` checks only the members given, ``NONE`` nothing), using botocore's model of that
  service, members named in Step Functions' PascalCase. A Map's mocked result is the array of its
  iteration results (with a ``ResultWriter``: the object it writes), a Parallel's the array of its
  branch outputs; neither runs an iteration or a branch. Without a mock, a Task calls the handler
  the server binds to its resource (``--handlers``, the local AWS), as an execution would, and
  fails as it would when none serves it.
* ``context``: the context object ``$$`` the state sees, exactly as given (only with a mock; its
  fields are checked as AWS checks them).
* ``stateConfiguration``: ``retrierRetryCount`` (retries already made: decides RETRIABLE or not),
  ``mapIterationFailureCount`` (a Map's failed iterations, judged against its tolerated failures),
  ``mapItemReaderData`` (what a distributed Map's ItemReader would have read), and
  ``errorCausedByState`` (the state inside a Map or Parallel a mocked error comes from).

The answer: ``status`` (``SUCCEEDED``, ``FAILED``, ``RETRIABLE``, ``CAUGHT_ERROR``), ``output``,
``error``, ``cause``, ``nextState``, and from ``DEBUG`` on ``inspectionData`` (see
:mod:`aslrun.debug.single_state`, which runs the state).

What aslrun does not do as AWS does, and what it does instead:

* ``TRACE`` adds an HTTP Task's raw ``request`` and ``response``; ``revealSecrets`` adds what its
  EventBridge connection puts in the request (authorization, header, query and body parameters),
  which is left out otherwise (refused with a mock, as AWS refuses it). ``headers`` is JSON text
  of the headers by name (AWS's layout of that string is not documented).
* Field validation knows the actions botocore models, called request-response. The result of a
  ``.sync`` call (which AWS checks against the service's describe call), of ``.waitForTaskToken``
  (what SendTaskSuccess sends), of an activity, a Lambda function ARN or an HTTP Task is taken as
  given. Lambda ``invoke``'s ``Payload`` may be any JSON (Step Functions parses it).
* A Task that calls a handler is not stopped after AWS's five minutes; its own ``TimeoutSeconds``
  applies. A Wait state does not wait (the test runs on a clock of its own).
* AWS echoes a mocked result's text as ``output`` when no stage changes it; aslrun writes every
  JSON value compactly. AWS writes a Map's ``afterItemsPath`` as JSON text inside JSON text;
  aslrun writes it once, like every other stage. An ``input`` of JSON ``null`` runs the state on
  ``{}`` (the engine's TestState reads no input so).
* Without a mock, an activity Task or a ``.sync`` / ``.waitForTaskToken`` call is refused
  (``InvalidDefinition``), as a Map or Parallel state is with AWS's own message; AWS runs none of
  them without a mock either, and the message for the former is aslrun's.
* ``mapIterationFailureCount`` and ``mapItemReaderData`` are refused for a state other than a Map
  (with an ItemReader, for the latter), ``errorCausedByState`` for one other than a Map or
  Parallel, or naming no state inside it: the wording is aslrun's.
* Other refusals whose wording AWS's recorded answers do not show are worded by aslrun too: a
  whole machine without ``stateName``, a ``context`` without a mock, ``variables`` or
  ``mock.result`` that are not JSON. Without a given ``context``, ``$$.Execution.Id`` is a
  standard execution's ARN of a machine named ``TestState`` (AWS shows an express one).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..debug.single_state import MOCKABLE_TYPES, UNSET, check_mock, run_test_state
from ..errors import AslrunError, DefinitionError
from ..jsondepth import too_deep
from .context import Call
from .definitions import read_definition
from .faults import ServiceError, invalid_arn, validation
from .mock_results import check_result_fields

__all__ = ["SINGLE_STATE_NAME", "TestStateApi"]

#: the name a single-state definition runs under (``$$.State.Name``), as on AWS
SINGLE_STATE_NAME = "StateName"
_MACHINE_NAME = "TestState"
_FAN_OUT_REFUSED = ("TestState API does not support Map or Parallel states. Supported state types include: "
                    "[Task, Wait, Pass, Succeed, Fail, Choice]")
_WAITING_PATTERNS = (".sync", ".waitForTaskToken")


class TestStateApi:
    __test__ = False  # not a pytest test class

    def __init__(self, service: Any) -> None:
        self.service = service  # the StepFunctionsService (its runner holds the bound handlers)

    def test_state(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        """Check the request as AWS does, run the state once, answer what it did."""
        return self._run(_read_request(request), call).to_aws()

    def _run(self, test: _Test, call: Call) -> Any:
        """Run the state in a throw-away execution, its Task calling the server's bound handlers."""
        mock = test.mock or _Mock()
        configuration = test.configuration
        try:
            return run_test_state(
                test.machine, test.state.name, test.input, inspection_level=test.inspection_level,
                mock_result=mock.result, mock_error=mock.error, mock_cause=mock.cause,
                handlers=self.service.runner.bindings, retry_count=configuration.retry_count,
                variables=test.variables, context=test.context, map_failure_count=configuration.map_failure_count,
                map_reader_data=configuration.map_reader_data, reveal_secrets=test.reveal_secrets,
                role_arn=test.role_arn, region=call.region,
                account=call.account, check_bindings=False)
        except AslrunError as error:  # a request the engine cannot run (e.g. a mocked result of the wrong shape)
            raise validation(str(error)) from None


@dataclass
class _Test:
    """A TestState request, read and checked."""

    machine: Any
    state: Any
    mock: _Mock | None
    role_arn: str | None
    context: dict[str, Any] | None
    configuration: _Configuration
    input: Any
    variables: dict[str, Any] | None
    inspection_level: str
    reveal_secrets: bool = False


def _read_request(request: dict[str, Any]) -> _Test:
    """The request's members read and checked, in the order AWS checks them."""
    machine, state = _machine_and_state(request["definition"], request.get("stateName"))
    mock = _read_mock(request.get("mock"), state, bool(request.get("revealSecrets")))
    if mock is None:
        _check_runs_unmocked(state)
    return _Test(
        machine, state, mock,
        role_arn=_role(request.get("roleArn"), state, mock),
        context=_context(request.get("context"), state, mock),
        configuration=_Configuration.read(request.get("stateConfiguration") or {}, state),
        input=_input(request.get("input")),
        variables=_variables(request.get("variables")),
        inspection_level=request.get("inspectionLevel") or "INFO",
        reveal_secrets=bool(request.get("revealSecrets")),
    )


# -- the definition ----------------------------------------------------------------------------------------


def _machine_and_state(text: str, state_name: str | None) -> tuple[Any, Any]:
    """The compiled machine and the state to test in it."""
    if state_name is not None:
        machine = _compile(read_definition(text))
        state = next((s for s in machine.program.walk() if s.name == state_name), None)
        if state is None:
            raise validation("State not found in definition")
        return machine, state
    machine = _compile(_single_state_machine(text))
    return machine, machine.program.states[SINGLE_STATE_NAME]


def _single_state_machine(text: str) -> dict[str, Any]:
    """A one-state machine around a single state's definition (the states it moves on to stand
    by as Succeed states), checked as any definition is."""
    try:
        state = json.loads(text)
    except (ValueError, RecursionError) as error:
        read_definition(text)  # not JSON: refused in AWS's words
        raise ServiceError("InvalidDefinition", f"Invalid State Machine Definition: '{error}'") from None
    if isinstance(state, dict) and "States" in state and "Type" not in state:
        raise validation("stateName must be specified when the definition is a whole state machine")
    standing_by = {name: {"Type": "Succeed"} for name in _transitions(state) if name != SINGLE_STATE_NAME}
    wrapper = {"StartAt": SINGLE_STATE_NAME, "States": {SINGLE_STATE_NAME: state, **standing_by}}
    return read_definition(json.dumps(wrapper))


def _transitions(state: Any) -> list[str]:
    """The names a single state can move on to (Next, a Choice's rules and Default, a Catch)."""
    if not isinstance(state, dict):
        return []
    targets = [state.get("Next"), state.get("Default")]
    for field in ("Choices", "Catch"):
        entries = state.get(field)
        if isinstance(entries, list):
            targets += [entry.get("Next") for entry in entries if isinstance(entry, dict)]
    return [target for target in targets if isinstance(target, str)]


def _compile(definition: dict[str, Any]) -> Any:
    from ..machine import StateMachine

    try:
        return StateMachine(definition, name=_MACHINE_NAME, validate=False)  # read_definition validated it
    except DefinitionError as error:
        raise ServiceError("InvalidDefinition", f"Invalid State Machine Definition: '{error}'") from None


def _check_runs_unmocked(state: Any) -> None:
    """States TestState runs only with a mock: Map, Parallel, an activity, a call that waits."""
    if state.type in ("Map", "Parallel"):
        raise ServiceError("InvalidDefinition", _FAN_OUT_REFUSED)
    if state.type == "Task" and (_is_activity(state) or _waits(state)):
        raise ServiceError("InvalidDefinition", "TestState API does not support Activity tasks or the .sync and "
                                                ".waitForTaskToken integration patterns unless a mock is specified")


def _is_activity(state: Any) -> bool:
    return ":activity:" in state.resource


def _waits(state: Any) -> bool:
    """Whether the Task's resource uses a .sync or .waitForTaskToken integration pattern."""
    return any(pattern in state.resource for pattern in _WAITING_PATTERNS)


# -- the mock -------------------------------------------------------------------------------------------------


@dataclass
class _Mock:
    """A mocked result (decoded) or error; nothing mocked when neither is set."""

    result: Any = UNSET
    error: str | None = None
    cause: str | None = None


def _read_mock(mock: dict[str, Any] | None, state: Any, reveal_secrets: bool) -> _Mock | None:
    if mock is None:
        return None
    if ("result" in mock) == ("errorOutput" in mock):
        raise validation("A test mock should have only one of the following fields: [result, errorOutput].")
    if reveal_secrets:
        raise validation("TestState does not support RevealSecrets when a mock is specified.")
    if state.type not in MOCKABLE_TYPES:
        raise validation(f"State type '{state.type}' is not supported when a mock is specified")
    if "errorOutput" in mock:
        return _mocked_error(mock["errorOutput"])
    result = _json_member(mock["result"], "mock.result")
    try:
        check_mock(state, result)
    except AslrunError as error:
        raise validation(str(error)) from None
    if state.type == "Task":
        check_result_fields(state.resource, result, mock.get("fieldValidationMode") or "STRICT")
    return _Mock(result=result)


def _mocked_error(error_output: dict[str, Any]) -> _Mock:
    if error_output.get("error") is None:
        raise validation("mock.errorOutput.error must be specified when mock.errorOutput is")
    return _Mock(error=error_output["error"], cause=error_output.get("cause"))


def _role(role_arn: str | None, state: Any, mock: _Mock | None) -> str | None:
    """The execution role; a Task that really calls its resource needs one (as on AWS)."""
    if role_arn is None:
        if mock is None and state.type == "Task":
            raise validation("RoleArn must be specified when testing a Task state")
        return None
    if not role_arn.startswith("arn:"):
        raise invalid_arn(role_arn, f"Invalid ARN prefix: {role_arn}")
    return role_arn


#: the context object's sections and their fields (None: any JSON), as TestState accepts them
_CONTEXT_FIELDS: dict[str, dict[str, type | None]] = {
    "Execution": {"Id": str, "Input": None, "Name": str, "RoleArn": str, "StartTime": str, "RedriveCount": int,
                  "RedriveTime": str},
    "State": {"EnteredTime": str, "Name": str, "RetryCount": int},
    "StateMachine": {"Id": str, "Name": str},
    "Task": {"Token": str},
}
_TYPE_NAMES = {str: "a string", int: "an integer"}


def _context(text: str | None, state: Any, mock: _Mock | None) -> dict[str, Any] | None:
    """The context object the request gives the state (only with a mock), checked as AWS checks it."""
    if text is None:
        return None
    if mock is None:
        raise validation("A context object can only be specified together with a mock")
    try:
        context = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise _invalid_context(f"it is not JSON ({error})") from None
    if not isinstance(context, dict):
        raise _invalid_context("it must be a JSON object")
    for section, fields in context.items():
        _check_context_section(section, fields, state)
    return context


def _check_context_section(section: str, fields: Any, state: Any) -> None:
    if section == "Map":
        raise _invalid_context("'Map' field is not supported when mocking a Context object")
    known = _CONTEXT_FIELDS.get(section)
    if known is None:
        raise _invalid_context(f"Field '{section}' is not allowed")
    if section == "Task" and not (state.type == "Task" and _waits(state)):
        raise _invalid_context("Context object contains 'Task' when state is not a Task state with a '.sync' or "
                               "'.waitForTaskToken' service integration pattern")
    if not isinstance(fields, dict):
        raise _invalid_context(f"{section} must be an object")
    for name, value in fields.items():
        if name not in known:
            raise _invalid_context(f"Field '{name}' is not allowed")
        expected = known[name]
        if expected is not None and value is not None and \
                (not isinstance(value, expected) or isinstance(value, bool)):
            raise _invalid_context(f"{section}.{name} must be {_TYPE_NAMES[expected]}")


def _invalid_context(problem: str) -> ServiceError:
    return validation(f"Invalid Context object provided: {problem}")


@dataclass
class _Configuration:
    """``stateConfiguration``, checked against the state it configures."""

    retry_count: int = 0
    map_failure_count: int = 0
    map_reader_data: str | None = None

    @classmethod
    def read(cls, given: dict[str, Any], state: Any) -> _Configuration:
        failure_count = given.get("mapIterationFailureCount")
        reader_data = given.get("mapItemReaderData")
        if failure_count is not None and state.type != "Map":
            raise validation("mapIterationFailureCount can only be specified for a Map state")
        if reader_data is not None and (state.type != "Map" or state.reader is None):
            raise validation("mapItemReaderData can only be specified for a Map state with an ItemReader")
        if given.get("errorCausedByState") is not None:
            _check_error_source(given["errorCausedByState"], state)
        return cls(given.get("retrierRetryCount") or 0, failure_count or 0, reader_data)


def _check_error_source(name: str, state: Any) -> None:
    """``errorCausedByState`` must name a state inside the Map or Parallel state tested."""
    if state.type not in ("Map", "Parallel"):
        raise validation("errorCausedByState can only be specified for a Map or Parallel state")
    branches = [state.processor] if state.type == "Map" else state.branches
    if not any(inner.name == name for branch in branches for inner in branch.walk()):
        raise validation(f"errorCausedByState '{name}' is not a state inside '{state.name}'")


def _input(text: str | None) -> Any:
    """The state's input; InvalidExecutionInput (worded as StartExecution words it) when it is not JSON."""
    if text is None:
        return {}
    if not text.strip():
        raise ServiceError("InvalidExecutionInput", "Invalid State Machine Execution Input: 'Invalid execution input.'")
    try:
        value = json.loads(text)
    except ValueError as error:
        raise ServiceError("InvalidExecutionInput", f"Invalid State Machine Execution Input: '{error}'") from None
    except RecursionError:
        value, deep = None, True
    else:
        deep = too_deep(value)
    if deep:
        raise ServiceError("InvalidExecutionInput",
                           "Invalid State Machine Execution Input: 'the input nests too deeply'")
    return value


def _variables(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    values = _json_member(text, "variables")
    if not isinstance(values, dict):
        raise validation("variables must be a JSON object literal (variable names and their values)")
    return values


def _json_member(text: str, member: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:
        raise validation(f"{member} is not valid JSON: {error}") from None

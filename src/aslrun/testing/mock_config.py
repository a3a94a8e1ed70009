"""Mocked responses in AWS Step Functions Local's mock configuration format.

    {"StateMachines": {"<machine>": {"TestCases": {"<case>": {"<Task state>": "<mocked response>"}}}},
     "MockedResponses": {"<mocked response>": {"0": {"Return": ...},
                                               "1-2": {"Throw": {"Error": "...", "Cause": "..."}}}}}

The rules are those of AWS's "Using mocked service integrations" guide:

* A test case maps Task state names to mocked responses; its other Task states call their
  resource as usual (handlers, emulations).
* A mocked response maps invocation numbers to a ``Return`` (the Task's result, exactly what the
  service would have returned: for ``lambda:invoke`` the whole response with ``Payload``) or a
  ``Throw`` (``Error`` and ``Cause``, both strings). Keys are ``"0"``, ``"1"``... or inclusive
  ranges ``"1-2"``; each holds exactly one of ``Return`` / ``Throw``.
* Invocations are counted per state within one execution, from 0, and every call counts: a retry
  is the next invocation, and so is the same state in the next Map iteration (AWS advises
  ``MaxConcurrency: 1`` for a predictable order; aslrun's order is repeatable anyway).
* An invocation no key covers (after the last range, or in a gap) fails the execution: AWS says
  "you must specify a mocked response for every invocation". aslrun raises ``States.Runtime``,
  which no Retry or Catch handles, with a cause naming the state, the invocation and the mocked
  response.

A malformed file is reported with the place of the problem (``MockedResponses.X."1-2"``), before
anything runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from ..errors import InputError, StatesError
from ..states.task import NOT_INTERCEPTED

__all__ = ["MockConfig", "MockConfigError", "MockConfigWarning", "MockedResponse", "TestCaseMocks"]

_KEY = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


class MockConfigError(InputError):
    """The mock configuration is malformed or names something that does not exist."""


class MockedResponse:
    """What one mocked Task returns or throws, by invocation number."""

    def __init__(self, name: str, spec: Any, where: str | None = None) -> None:
        where = where or f"MockedResponses.{name}"
        if not isinstance(spec, Mapping) or not spec:
            raise MockConfigError(f"{where}: a mocked response is an object of invocations, e.g. "
                                  '{"0": {"Return": ...}}')
        self.name = name
        self.ranges: list[tuple[int, int, dict[str, Any]]] = []
        for key, response in spec.items():
            first, last = _invocations(key, f"{where}")
            self.ranges.append((first, last, _response(response, f'{where}."{key}"')))
        self.ranges.sort(key=lambda r: r[0])
        for (a_first, a_last, _), (b_first, b_last, _) in zip(self.ranges, self.ranges[1:]):
            if b_first <= a_last:
                raise MockConfigError(f"{where}: invocations {_label(a_first, a_last)} and {_label(b_first, b_last)} "
                                      "overlap")

    @classmethod
    def returning(cls, value: Any, name: str = "inline") -> MockedResponse:
        """A response that returns ``value`` on the first invocation (Python shorthand)."""
        return cls(name, {"0": {"Return": value}})

    def covered(self) -> str:
        return ", ".join(_label(first, last) for first, last, _ in self.ranges)

    def respond(self, invocation: int, state_name: str) -> Any:
        """The result of invocation ``invocation`` (from 0), or raise its error."""
        for first, last, response in self.ranges:
            if first <= invocation <= last:
                if "Return" in response:
                    return response["Return"]
                thrown = response["Throw"]
                raise StatesError(thrown["Error"], thrown["Cause"])
        raise StatesError(
            "States.Runtime",
            f"No mocked response for invocation {invocation} of the state '{state_name}': the mocked response "
            f"'{self.name}' covers invocations {self.covered()} (retries and Map iterations count as invocations).",
        )


def _invocations(key: Any, where: str) -> tuple[int, int]:
    match = _KEY.match(str(key))
    if not match:
        raise MockConfigError(f'{where}: "{key}" is not an invocation number ("0") or an inclusive range ("1-2")')
    first = int(match.group(1))
    last = int(match.group(2)) if match.group(2) is not None else first
    if last < first:
        raise MockConfigError(f'{where}: the range "{key}" ends before it starts')
    return first, last


def _response(response: Any, where: str) -> dict[str, Any]:
    if not isinstance(response, Mapping) or len(response) != 1 or next(iter(response)) not in ("Return", "Throw"):
        keys = list(response) if isinstance(response, Mapping) else type(response).__name__
        raise MockConfigError(f"{where}: a response holds exactly one field, Return or Throw (got {keys})")
    if "Throw" in response:
        thrown = response["Throw"]
        if not isinstance(thrown, Mapping):
            raise MockConfigError(f"{where}.Throw: must be an object with Error and Cause")
        for field in ("Error", "Cause"):
            if not isinstance(thrown.get(field), str):
                raise MockConfigError(f"{where}.Throw.{field}: must be a string")
        extra = set(thrown) - {"Error", "Cause"}
        if extra:
            raise MockConfigError(f"{where}.Throw: unknown field(s) {sorted(extra)} (only Error and Cause)")
    return dict(response)


def _label(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}-{last}"


class MockConfigWarning(UserWarning):
    """Something in a mock configuration is ignored (an unknown top-level field)."""


class MockConfig:
    """A parsed mock configuration file (or the same structure given as a dict)."""

    def __init__(self, document: Any, *, source: str = "mock configuration", names_must_match: bool = False) -> None:
        self.source = source
        #: Step Functions Local's rule (``aslrun serve``): a test case is found under the state
        #: machine's own name only. Otherwise a file holding one machine serves whatever machine runs,
        #: and ``MACHINE#CASE`` picks a machine by name (``aslrun execute --test-case``).
        self.names_must_match = names_must_match
        if not isinstance(document, Mapping):
            raise MockConfigError(f"{source}: the mock configuration is a JSON object with StateMachines and "
                                  "MockedResponses")
        unknown = sorted(set(document) - {"StateMachines", "MockedResponses"})
        if unknown:  # ignored, as LocalStack ignores them (files carry comments and tool keys), but said
            import difflib
            import warnings

            hints = [f"{key!r} (did you mean {close[0]!r}?)" if (close := difflib.get_close_matches(
                key, ["StateMachines", "MockedResponses"], n=1, cutoff=0.6)) else repr(key) for key in unknown]
            warnings.warn(f"{source}: unknown top-level field(s) {', '.join(hints)} ignored (a mock configuration "
                          "has StateMachines and MockedResponses)", MockConfigWarning, stacklevel=2)
        responses = document.get("MockedResponses") or {}
        if not isinstance(responses, Mapping):
            raise MockConfigError(f"{source}: MockedResponses must be an object")
        self.responses = {name: MockedResponse(name, spec, f"{source}: MockedResponses.{name}")
                          for name, spec in responses.items()}
        machines = document.get("StateMachines") or {}
        if not isinstance(machines, Mapping):
            raise MockConfigError(f"{source}: StateMachines must be an object")
        self.test_cases: dict[str, dict[str, dict[str, str]]] = {}
        for machine, spec in machines.items():
            where = f"{source}: StateMachines.{machine}"
            if not isinstance(spec, Mapping) or not isinstance(spec.get("TestCases"), Mapping):
                raise MockConfigError(f"{where}: must be an object with a TestCases object")
            cases: dict[str, dict[str, str]] = {}
            for case, states in spec["TestCases"].items():
                if not isinstance(states, Mapping):
                    raise MockConfigError(f"{where}.TestCases.{case}: must map state names to mocked responses")
                for state, response in states.items():
                    if not isinstance(response, str):
                        raise MockConfigError(f"{where}.TestCases.{case}.{state}: must name a mocked response "
                                              "(a string)")
                    if response not in self.responses:
                        raise MockConfigError(f"{where}.TestCases.{case}.{state}: no mocked response named "
                                              f"'{response}' in MockedResponses")
                cases[case] = dict(states)
            self.test_cases[machine] = cases

    @classmethod
    def load(cls, path: str | Path, *, names_must_match: bool = False) -> MockConfig:
        """Read a mock configuration file (JSON, or YAML when it ends in .yaml/.yml)."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise MockConfigError(f"--mock-config: cannot read {path}: {exc.strerror}") from None
        if path.suffix in (".yaml", ".yml"):
            import yaml

            try:
                document = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise MockConfigError(f"{path}: invalid YAML: {exc}") from None
        else:
            try:
                document = json.loads(text)
            except json.JSONDecodeError as exc:
                raise MockConfigError(f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: "
                                      f"{exc.msg}") from None
        return cls(document, source=str(path), names_must_match=names_must_match)

    def test_case(self, machine: Any, case: str) -> TestCaseMocks:
        """The interceptor of one test case for ``machine`` (a StateMachine). ``case`` may be
        ``"Case"`` (looked up under the machine's name, or the only machine in the file) or
        ``"Machine#Case"`` (AWS's ``stateMachineArn#test_name`` form). With ``names_must_match``
        it is looked up as given, under the machine's name only."""
        machine_name, case_name = self._machine_and_case(machine.name, case)
        cases = self.test_cases.get(machine_name)
        if cases is None:
            known = ", ".join(sorted(self.test_cases)) or "none"
            hint = ("StateMachines are keyed by the name given to CreateStateMachine" if self.names_must_match
                    else "name it as MACHINE#CASE")
            raise MockConfigError(f"{self.source}: no state machine '{machine_name}' under StateMachines "
                                  f"(it has: {known}); {hint}")
        if case_name not in cases:
            known = ", ".join(sorted(cases)) or "none"
            raise MockConfigError(f"{self.source}: state machine '{machine_name}' has no test case '{case_name}' "
                                  f"(it has: {known})")
        mocks = {state: self.responses[name] for state, name in cases[case_name].items()}
        return TestCaseMocks(machine, mocks, where=f"{self.source}: StateMachines.{machine_name}.TestCases.{case_name}")

    def _machine_and_case(self, own_name: str, case: str) -> tuple[str, str]:
        """Under which machine name to look ``case`` up, and the test case's name."""
        if self.names_must_match:
            return own_name, case
        machine_name, sep, case_name = case.rpartition("#")
        if sep:
            return machine_name, case_name
        if own_name not in self.test_cases and len(self.test_cases) == 1:
            return next(iter(self.test_cases)), case
        return own_name, case


class TestCaseMocks:
    """A task interceptor: the mocked Task states of one test case answer from their responses.

    Give it to ``StateMachine.start(..., task_interceptor=...)``. Counting starts afresh for each
    execution (and each nested execution counts for itself); states of other state machines
    (nested ``startExecution`` children) are not mocked.
    """

    __test__ = False  # not a pytest test class, despite its name

    def __init__(self, machine: Any, mocks: Mapping[str, MockedResponse], *, where: str = "mocks") -> None:
        self.machine = machine
        self.mocks = dict(mocks)
        tasks = {state.name: state for state in machine.program.walk()}
        self._states: dict[int, MockedResponse] = {}
        for name, response in self.mocks.items():
            state = tasks.get(name)
            if state is None:
                raise MockConfigError(f"{where}.{name}: the state machine has no state named '{name}'")
            if state.type != "Task":
                raise MockConfigError(f"{where}.{name}: '{name}' is a {state.type} state; only Task states can be "
                                      "mocked")
            self._states[id(state)] = response
        #: invocations so far: execution -> state name -> count
        self.calls: WeakKeyDictionary[Any, dict[str, int]] = WeakKeyDictionary()

    def covers(self, state: Any) -> bool:
        return id(state) in self._states

    def invocations(self, state_name: str, execution: Any = None) -> int:
        """How often a mocked state was invoked (in ``execution``, or in all executions)."""
        if execution is not None:
            return self.calls.get(_counting_root(execution), {}).get(state_name, 0)
        return sum(counts.get(state_name, 0) for counts in self.calls.values())

    def __call__(self, state: Any, call: Any) -> Any:
        response = self._states.get(id(state))
        if response is None:
            return NOT_INTERCEPTED
        counts = self.calls.setdefault(_counting_root(call.execution), {})
        invocation = counts.get(state.name, 0)
        counts[state.name] = invocation + 1
        return response.respond(invocation, state.name)


def _counting_root(execution: Any) -> Any:
    """The execution whose count a call adds to: a distributed Map's child executions run the same
    state machine and count with their parent."""
    while execution.parent is not None and execution.parent.machine is execution.machine:
        execution = execution.parent
    return execution


def inline_mocks(machine: Any, mocks: Mapping[str, Any], config: MockConfig | None = None) -> TestCaseMocks:
    """Mocks given in code or a scenario file: state name -> a mocked response object (AWS's
    invocation map) or the name of one in ``config``'s MockedResponses."""
    resolved: dict[str, MockedResponse] = {}
    for state, spec in mocks.items():
        if isinstance(spec, MockedResponse):
            resolved[state] = spec
        elif isinstance(spec, str):
            if config is None or spec not in config.responses:
                raise MockConfigError(f"mocks.{state}: no mocked response named '{spec}'"
                                      + ("" if config else " (no mock configuration file given)"))
            resolved[state] = config.responses[spec]
        else:
            resolved[state] = MockedResponse(f"mocks.{state}", spec, f"mocks.{state}")
    return TestCaseMocks(machine, resolved)

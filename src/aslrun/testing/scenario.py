"""Scenario files: a state machine test written as data, which pytest collects and runs.

A file named ``*.scenario.yaml`` / ``*.scenario.yml`` / ``*.scenario.json`` holds one scenario, or
several under ``scenarios:`` that share the keys written above them::

    machine: ../machines/billing.asl.json     # relative to this file
    substitutions: {Table: bills}
    handlers: {ValidateMeterReading: handlers.metering.validate.handler}
    handlers_file: my_handlers.py             # a module with a HANDLERS dict
    mock_config: MockConfigFile.json          # AWS Step Functions Local format
    clock: "2024-06-01T00:00:00Z"             # frozen clock start (default 2024-01-01)
    # also: seed (default 0), execution_name, description
    scenarios:
      - name: happy path
        input: {meterId: M1, kwh: 12.5}
        test_case: HappyPath                  # a test case of mock_config
        mocks:                                # or mocked responses right here
          Price: {"0": {Return: {total: 4.2}}}
        expect:
          status: SUCCEEDED
          output: {...}                       # equal; output_includes: a subset
          path: [Validate, Price, Bill]       # top-level states; full_path: nested too
          ran: {Price: 1}                     # Task invocations, retries included
          state_input: {Bill: {...}}
          state_output: {Price: {...}}
          not_visited: [Reject]
          error: Meter.Invalid                # with status FAILED; cause / cause_contains

Every key is checked before anything runs; a wrong key or value is reported with the file and the
scenario it is in.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import InputError
from .assertions import ExecutionCheck

__all__ = ["SCENARIO_SUFFIXES", "Scenario", "ScenarioError", "is_scenario_file", "load_scenarios"]

SCENARIO_SUFFIXES = (".scenario.yaml", ".scenario.yml", ".scenario.json")

_SETUP_KEYS = {"machine", "substitutions", "handlers", "handlers_file", "mock_config", "test_case", "mocks",
               "input", "clock", "seed", "name", "execution_name", "expect", "description"}
_EXPECT_KEYS = {"status", "output", "output_includes", "path", "full_path", "ran", "entered", "state_input",
                "state_output", "not_visited", "visited", "error", "cause", "cause_contains"}


class ScenarioError(InputError):
    """A scenario file is malformed."""


def is_scenario_file(path: str | Path) -> bool:
    return str(path).endswith(SCENARIO_SUFFIXES)


def _with_hints(unknown: set[Any], known: Any) -> str:
    """``'stauts' (did you mean 'status'?), 'x'``: each unknown key, with the known one it is closest to."""
    import difflib

    return ", ".join(f"{key!r} (did you mean {close[0]!r}?)" if (close := difflib.get_close_matches(
        str(key), sorted(known), n=1, cutoff=0.6)) else repr(key) for key in sorted(unknown, key=str))


class Scenario:
    """One scenario: how to run the machine and what to expect of the execution."""

    def __init__(self, name: str, spec: dict[str, Any], *, folder: Path, where: str) -> None:
        self.name = name
        self.spec = spec
        self.folder = folder
        self.where = where
        unknown = set(spec) - _SETUP_KEYS
        if unknown:
            raise ScenarioError(f"{where}: unknown key(s) {_with_hints(unknown, _SETUP_KEYS)} "
                                f"(known: {sorted(_SETUP_KEYS)})")
        if "machine" not in spec:
            raise ScenarioError(f"{where}: 'machine' (the definition file) is required")
        expect = spec.get("expect") or {}
        if not isinstance(expect, Mapping):
            raise ScenarioError(f"{where}: 'expect' must be a mapping")
        unknown = set(expect) - _EXPECT_KEYS
        if unknown:
            raise ScenarioError(f"{where}: unknown expect key(s) {_with_hints(unknown, _EXPECT_KEYS)} "
                                f"(known: {sorted(_EXPECT_KEYS)})")
        for key in ("ran", "entered", "state_input", "state_output"):
            if key in expect and not isinstance(expect[key], Mapping):
                raise ScenarioError(f"{where}: expect.{key} maps state names to values")
        for key in ("path", "full_path", "not_visited", "visited"):
            if key in expect and not isinstance(expect[key], list):
                raise ScenarioError(f"{where}: expect.{key} must be a list of state names")
        self.expect: Mapping[str, Any] = expect

    def __repr__(self) -> str:
        return f"<Scenario {self.where}>"

    def _path(self, key: str) -> Path:
        return (self.folder / str(self.spec[key])).resolve()

    def run(self) -> ExecutionCheck:
        """Run the scenario's execution (the checks are :meth:`verify`)."""
        from ..bindings import Bindings, load_handlers_module
        from .run import frozen_clock, run_machine

        spec = self.spec
        bindings = Bindings()
        if "handlers_file" in spec:
            bindings = bindings.merged(load_handlers_module(str(self._path("handlers_file"))))
        if spec.get("handlers"):
            if not isinstance(spec["handlers"], Mapping):
                raise ScenarioError(f"{self.where}: 'handlers' maps function names to 'module.function' strings")
            sys.path.insert(0, str(self.folder))  # handler modules beside the scenario file import too
            try:
                bindings = bindings.merged(dict(spec["handlers"]))
            finally:
                sys.path.remove(str(self.folder))
        substitutions = spec.get("substitutions")
        if substitutions is not None and not isinstance(substitutions, Mapping):
            raise ScenarioError(f"{self.where}: 'substitutions' must be a mapping")
        mocks = spec.get("mocks")
        if mocks is not None and not isinstance(mocks, Mapping):
            raise ScenarioError(f"{self.where}: 'mocks' maps Task state names to mocked responses")
        return run_machine(
            self._path("machine"), spec.get("input"), handlers=bindings,
            substitutions={k: str(v) for k, v in substitutions.items()} if substitutions else None,
            mocks=mocks, mock_config=self._path("mock_config") if "mock_config" in spec else None,
            test_case=spec.get("test_case"), clock=frozen_clock(spec.get("clock", "2024-01-01T00:00:00Z")),
            seed=int(spec.get("seed", 0)), name=spec.get("execution_name"),
        )

    def verify(self, check: ExecutionCheck) -> None:
        """Check every expectation; raise AssertionError describing the execution on the first miss."""
        __tracebackhide__ = True  # pytest reports the miss, not this frame
        expect = self.expect
        status = expect.get("status", "FAILED" if ("error" in expect or "cause" in expect) else None)
        if status is not None:
            check.has_status(str(status))
        if "error" in expect or "cause" in expect or "cause_contains" in expect:
            check.failed(expect.get("error"), expect.get("cause"), cause_contains=expect.get("cause_contains"))
        if "output" in expect:
            check.has_output(expect["output"])
        if "output_includes" in expect:
            check.output_includes(expect["output_includes"])
        if "path" in expect:
            check.took_path(expect["path"])
        if "full_path" in expect:
            check.took_path(expect["full_path"], nested=True)
        for state in expect.get("visited", ()):
            check.visited(state)
        for state in expect.get("not_visited", ()):
            check.not_visited(state)
        for state, times in (expect.get("ran") or {}).items():
            check.ran(state, int(times))
        for state, times in (expect.get("entered") or {}).items():
            check.entered(state, int(times))
        for state, value in (expect.get("state_input") or {}).items():
            check.state_input(state, value)
        for state, value in (expect.get("state_output") or {}).items():
            check.state_output(state, value)


def load_scenarios(path: str | Path) -> list[Scenario]:
    """The scenarios of one file (YAML or JSON)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror}") from None
    if path.suffix == ".json":
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScenarioError(f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    else:
        import yaml

        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
            raise ScenarioError(f"{path}: invalid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(document, Mapping):
        raise ScenarioError(f"{path}: a scenario file holds a mapping (one scenario, or 'scenarios:' and shared keys)")
    shared = {k: v for k, v in document.items() if k != "scenarios"}
    entries = document.get("scenarios")
    if entries is None:
        return [Scenario(str(document.get("name") or path.name.split(".scenario.")[0]), dict(shared),
                         folder=path.parent, where=str(path))]
    if not isinstance(entries, list) or not entries:
        raise ScenarioError(f"{path}: 'scenarios' must be a non-empty list")
    scenarios = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise ScenarioError(f"{path}: scenarios[{index}] must be a mapping")
        name = str(entry.get("name") or f"scenario {index}")
        if name in seen:
            raise ScenarioError(f"{path}: two scenarios are named '{name}'")
        seen.add(name)
        merged = {**shared, **entry}
        scenarios.append(Scenario(name, merged, folder=path.parent, where=f"{path} scenario '{name}'"))
    return scenarios

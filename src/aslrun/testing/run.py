"""Running a state machine in a test, in one call.

    from aslrun.testing import run_machine
    check = run_machine("machines/billing.asl.json", {"meterId": "M1"},
                        handlers={"ValidateMeterReading": validate},
                        mock_config="tests/MockConfigFile.json", test_case="HappyPath")
    check.succeeded().took_path([...])

Defaults suit tests: a frozen virtual clock starting 2024-01-01T00:00:00Z (Wait states and retry
back-off skip at once, and times in ``$$`` and the history are the same on every run) and seed 0.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .assertions import ExecutionCheck

__all__ = ["DEFAULT_START", "frozen_clock", "load_machine", "run_machine"]

#: where a test's frozen clock starts unless told otherwise
DEFAULT_START = "2024-01-01T00:00:00Z"


def frozen_clock(start: Any = DEFAULT_START) -> Any:
    """A virtual clock that moves only when the engine skips time (exact, repeatable times)."""
    from ..engine.clock import VirtualClock

    return VirtualClock(start=start, frozen=True)


def load_machine(machine: Any, *, substitutions: Mapping[str, str] | None = None, name: str | None = None,
                 state_machine: str | None = None) -> Any:
    """A StateMachine from a path, a definition dict, JSON text, or a StateMachine (returned as is).

    A path may be a template (SAM, CloudFormation, CDK ``cdk.out/*.template.json``): its state machine
    ``state_machine`` (a logical id; None: its only one) runs with the template's functions bound,
    and ``substitutions`` give the template's Parameters."""
    from ..machine import StateMachine

    if isinstance(machine, StateMachine):
        return machine
    if isinstance(machine, (str, os.PathLike)) and not str(machine).lstrip().startswith("{"):
        from ..templates import load_template, looks_like_template

        if looks_like_template(machine):
            return load_template(machine, parameters=substitutions).state_machine(state_machine)
    if isinstance(machine, Mapping):
        from ..model.loader import load_definition

        return StateMachine(load_definition(machine, substitutions=substitutions), name=name or "StateMachine",
                            substitutions=substitutions)
    if isinstance(machine, (str, os.PathLike)) and not str(machine).lstrip().startswith("{"):
        return StateMachine.from_file(Path(machine), substitutions=substitutions, name=name)
    return StateMachine.from_json(str(machine), substitutions=substitutions, name=name or "StateMachine")


def run_machine(
    machine: Any,
    input: Any = None,
    *,
    handlers: Any = None,
    mocks: Mapping[str, Any] | None = None,
    mock_config: Any = None,
    test_case: str | None = None,
    substitutions: Mapping[str, str] | None = None,
    clock: Any = None,
    seed: int = 0,
    name: str | None = None,
    **options: Any,
) -> ExecutionCheck:
    """Run ``machine`` to its end and return an :class:`ExecutionCheck` of the execution.

    ``mocks`` maps Task state names to mocked responses in AWS's format
    (``{"0": {"Return": ...}, "1-2": {"Throw": {...}}}``, or a name from ``mock_config``'s
    MockedResponses); ``mock_config`` (a path or a :class:`MockConfig`) with ``test_case`` uses
    one of its test cases. Other ``options`` go to ``StateMachine.start``.
    """
    state_machine = load_machine(machine, substitutions=substitutions, state_machine=options.pop("state_machine", None))
    interceptor = build_interceptor(state_machine, mocks=mocks, mock_config=mock_config, test_case=test_case)
    execution = state_machine.start(
        input, handlers=handlers, clock=clock if clock is not None else frozen_clock(), seed=seed, name=name,
        task_interceptor=interceptor, **options,
    )
    execution.run()
    check = ExecutionCheck(execution)
    check.mocks = interceptor  # type: ignore[attr-defined]
    return check


def build_interceptor(machine: Any, *, mocks: Mapping[str, Any] | None = None, mock_config: Any = None,
                      test_case: str | None = None) -> Any:
    """The task interceptor for a test case and/or inline mocks (None when there is neither)."""
    from .mock_config import MockConfig, MockConfigError, TestCaseMocks, inline_mocks

    config = None
    if mock_config is not None:
        config = mock_config if isinstance(mock_config, MockConfig) else (
            MockConfig(mock_config) if isinstance(mock_config, Mapping) else MockConfig.load(mock_config))
    if test_case is not None and config is None:
        raise MockConfigError("a test case needs a mock configuration (mock_config / --mock-config)")
    combined: dict[str, Any] = {}
    if test_case is not None and config is not None:
        combined.update(config.test_case(machine, test_case).mocks)
    if mocks:
        combined.update(inline_mocks(machine, mocks, config).mocks)
    if not combined and test_case is None:
        return None
    return TestCaseMocks(machine, combined)

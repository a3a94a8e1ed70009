"""The aslrun pytest plugin (registered through the ``pytest11`` entry point: installing aslrun
is enough).

Fixtures:

* ``aslrun_runner``: ``aslrun_runner.run(machine, input, handlers=..., mocks=..., mock_config=...,
  test_case=..., substitutions=...)`` runs a state machine on a frozen virtual clock and returns an
  :class:`~aslrun.testing.ExecutionCheck` (``.succeeded()``, ``.took_path([...])``,
  ``.ran("Task", times=2)``, ``.state_input(...)``...). A relative machine path is looked up
  beside the test file first, then from the current directory.
* ``aslrun_clock``: a frozen :class:`~aslrun.VirtualClock` (start: the ``aslrun_clock_start`` ini
  option, default 2024-01-01T00:00:00Z) for tests that drive ``StateMachine`` themselves.
* ``aslrun_endpoint`` (session): ``aslrun serve`` started for the session in a subprocess on a free
  loopback port, its arguments from the ``aslrun_serve_args`` ini option (``--template
  template.yaml --virtual-time``...), stopped by its pid at the end: ``.url``, ``.client(service)``,
  ``.environment()`` (``AWS_ENDPOINT_URL`` for code that names no endpoint), ``.log``
  (:class:`~aslrun.testing.endpoint.ServedEndpoint`). A suite that tested through Step Functions
  Local or LocalStack points here.

Scenario files (``*.scenario.yaml|yml|json``, see :mod:`aslrun.testing.scenario`) are collected
as test items, one per scenario; a failing one reports the path taken with inputs and outputs.

A test session checks the promise of handlers marked as only reading their event
(``ASLRUN_CHECK_EVENTS=1``, unless the variable is set already: see
:mod:`aslrun.integrations.shared_events`): one that changes its event fails the execution, named.

``--aslrun-cov`` measures which states and transitions of the machines the tests reach, reports
it and writes ``.aslrun-coverage`` (``--aslrun-cov-fail-under=N``, ``--aslrun-cov-data``,
``--aslrun-cov-report``; merged across pytest-xdist workers): see :mod:`aslrun.testing.pytest_coverage`.

The module imports nothing of the engine until a fixture or a scenario is used, so the plugin
costs nothing in a test session that does not use it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

__all__ = ["MachineRunner"]

_DEFAULT_START = "2024-01-01T00:00:00Z"
# (aslrun.integrations.shared_events.CHECK_VARIABLE, named here so that the plugin imports no engine)
_CHECK_EVENTS = "ASLRUN_CHECK_EVENTS"
_EVENTS_CHECKED = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("aslrun_clock_start", "where the frozen clock of aslrun fixtures and scenarios starts",
                  default=_DEFAULT_START)
    parser.addini("aslrun_serve_args", "the arguments of the aslrun serve the aslrun_endpoint fixture starts "
                  "(e.g. --template template.yaml --virtual-time)", default="")
    group = parser.getgroup("aslrun", "aslrun state machines")
    group.addoption("--aslrun-cov", action="store_true", default=False,
                    help="measure which states and transitions of the state machines the tests reach")
    group.addoption("--aslrun-cov-fail-under", type=float, default=None, metavar="N",
                    help="fail the run when the state-machine coverage (states and transitions) is below N%%")
    group.addoption("--aslrun-cov-data", default=None, metavar="PATH",
                    help="where to write the coverage data (default: .aslrun-coverage in the root directory)")
    group.addoption("--aslrun-cov-report", choices=("missing", "figures", "none"), default="missing",
                    help="the terminal report: figures and what was never reached (missing, the default), "
                         "figures only, or none")


def pytest_configure(config: pytest.Config) -> None:
    if _CHECK_EVENTS not in os.environ:  # handlers marked as only reading their event are held to it
        os.environ[_CHECK_EVENTS] = "1"
        config.stash[_EVENTS_CHECKED] = True
    if config.getoption("aslrun_cov", default=False):
        from .testing.pytest_coverage import CoveragePlugin

        config.pluginmanager.register(CoveragePlugin(config), "aslrun-coverage")


def pytest_unconfigure(config: pytest.Config) -> None:
    if config.stash.get(_EVENTS_CHECKED, False):
        os.environ.pop(_CHECK_EVENTS, None)
    plugin = config.pluginmanager.get_plugin("aslrun-coverage")
    if plugin is not None:
        plugin.unconfigure()


class MachineRunner:
    """What the ``aslrun_runner`` fixture gives a test."""

    def __init__(self, base: Path, clock_start: str) -> None:
        self.base = base
        self.clock_start = clock_start
        self._machines: dict[tuple[str, tuple[tuple[str, str], ...], str], Any] = {}

    def clock(self, start: Any = None) -> Any:
        """A new frozen virtual clock."""
        from .testing import frozen_clock

        return frozen_clock(start if start is not None else self.clock_start)

    def machine(self, machine: Any, *, substitutions: dict[str, str] | None = None,
                state_machine: str | None = None) -> Any:
        """A StateMachine (files are loaded once per test and reused). A template (SAM, CloudFormation,
        CDK) gives its state machine ``state_machine`` (a logical id), its functions bound."""
        from .testing import load_machine

        if isinstance(machine, (str, Path)) and not str(machine).lstrip().startswith("{"):
            path = Path(machine)
            if not path.is_absolute() and (self.base / path).exists():
                path = self.base / path
            key = (str(path.resolve()), tuple(sorted((substitutions or {}).items())), state_machine or "")
            if key not in self._machines:
                self._machines[key] = load_machine(path, substitutions=substitutions, state_machine=state_machine)
            return self._machines[key]
        return load_machine(machine, substitutions=substitutions)

    def run(self, machine: Any, input: Any = None, *, substitutions: dict[str, str] | None = None,
            clock: Any = None, mock_config: Any = None, state_machine: str | None = None, **options: Any) -> Any:
        """Run to the end on a frozen clock; an ExecutionCheck of the execution."""
        from .testing import run_machine

        if isinstance(mock_config, (str, Path)) and not Path(mock_config).is_absolute() \
                and (self.base / mock_config).exists():
            mock_config = self.base / mock_config
        return run_machine(self.machine(machine, substitutions=substitutions, state_machine=state_machine), input,
                           clock=clock if clock is not None else self.clock(), mock_config=mock_config, **options)

    @staticmethod
    def expect(execution: Any) -> Any:
        """Assertions on an execution you ran yourself."""
        from .testing import expect

        return expect(execution)


@pytest.fixture
def aslrun_clock(request: pytest.FixtureRequest) -> Any:
    """A frozen virtual clock: time moves only when the engine skips it (exact, repeatable times)."""
    from .testing import frozen_clock

    return frozen_clock(request.config.getini("aslrun_clock_start") or _DEFAULT_START)


@pytest.fixture
def aslrun_runner(request: pytest.FixtureRequest) -> MachineRunner:
    """Run state machines in a test: ``aslrun_runner.run(machine, input, handlers=...)``."""
    return MachineRunner(Path(request.path).parent, request.config.getini("aslrun_clock_start") or _DEFAULT_START)


@pytest.fixture(scope="session")
def aslrun_endpoint(request: pytest.FixtureRequest) -> Iterator[Any]:
    """``aslrun serve`` for the test session: ``aslrun_endpoint.url``, ``.client("stepfunctions")``."""
    import shlex

    from .testing.endpoint import ServedEndpoint

    args = shlex.split(request.config.getini("aslrun_serve_args") or "")
    with ServedEndpoint(args, cwd=request.config.rootpath) as served:
        yield served


# -- scenario files -----------------------------------------------------------------------------------


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name.endswith((".scenario.yaml", ".scenario.yml", ".scenario.json")):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    """A scenario file: one test item per scenario."""

    def collect(self) -> Iterator[pytest.Item]:
        from .testing.scenario import ScenarioError, load_scenarios

        try:
            scenarios = load_scenarios(self.path)
        except ScenarioError as exc:
            raise self.CollectError(str(exc)) from None
        for scenario in scenarios:
            yield ScenarioItem.from_parent(self, name=scenario.name, scenario=scenario)


class ScenarioItem(pytest.Item):
    """One scenario: run the execution, then check every expectation."""

    def __init__(self, *, scenario: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario

    def runtest(self) -> None:
        check = self.scenario.run()
        self.scenario.verify(check)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str | Any:
        from .errors import AslrunError

        if isinstance(excinfo.value, (AssertionError, AslrunError)):
            return f"scenario '{self.name}' ({self.path.name}) failed:\n{excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"scenario: {self.name}"

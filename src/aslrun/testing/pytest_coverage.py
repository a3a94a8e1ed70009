"""``pytest --aslrun-cov``: the state-machine coverage of a test session.

A :class:`~aslrun.coverage.CoverageRecorder` watches every execution the session starts (the
``aslrun_runner`` fixture, scenario files, ``StateMachine`` used directly, child executions, Map
iterations). At the end the coverage is written to the data file (``--aslrun-cov-data``, default
``.aslrun-coverage`` in the root directory) and reported in the terminal; with
``--aslrun-cov-fail-under=N`` a total below N% fails the run (exit code 1, as pytest-cov does).

Under pytest-xdist each worker writes its own data file (``<data file>.<worker>.<pid>``) and says
where in its ``workeroutput``; the controller adds them up, writes the data file, removes the
workers' files and reports, as coverage.py combines parallel data files.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from ..coverage import DEFAULT_DATA_FILE, CoverageData, CoverageRecorder, format_report

__all__ = ["CoveragePlugin"]

_WORKER_FILE = "aslrun_cov_file"


class CoveragePlugin:
    """Registered by the aslrun plugin when ``--aslrun-cov`` is given."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        given = config.getoption("aslrun_cov_data")
        self.data_file = Path(given) if given else config.rootpath / DEFAULT_DATA_FILE
        self.fail_under: float | None = config.getoption("aslrun_cov_fail_under")
        self.report_style: str = config.getoption("aslrun_cov_report")
        self.worker_id: str | None = getattr(config, "workerinput", {}).get("workerid")
        self.worker_files: list[str] = []
        self.data: CoverageData | None = None
        self.failed_under = False
        self.recorder = CoverageRecorder()
        self.recorder.start()

    def unconfigure(self) -> None:
        self.recorder.stop()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Any:
        yield
        self.recorder.stop()
        if self.worker_id is not None:
            path = f"{self.data_file}.{self.worker_id}.{os.getpid()}"
            self.recorder.data.write(path)
            self.config.workeroutput[_WORKER_FILE] = path  # type: ignore[attr-defined]
            return
        data = CoverageData()
        data.update(self.recorder.data)
        for path in self.worker_files:
            data.update(CoverageData.read(path))
        for machine in data:  # machines named by their path in the project, as the tests are
            if machine.source and Path(machine.source).is_absolute() \
                    and Path(machine.source).is_relative_to(self.config.rootpath):
                machine.source = str(Path(machine.source).relative_to(self.config.rootpath))
        data.write(self.data_file)
        for path in self.worker_files:
            Path(path).unlink(missing_ok=True)
        self.data = data
        if self.fail_under is not None and not session.config.option.collectonly \
                and data.figures().percent < self.fail_under:
            self.failed_under = True
            session.testsfailed += 1  # the run fails (exit code 1) even when every test passed

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """An xdist worker finished: remember its data file."""
        path = getattr(node, "workeroutput", {}).get(_WORKER_FILE)
        if path:
            self.worker_files.append(path)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.data is None:
            return
        write = terminalreporter.write_line
        if self.report_style != "none":
            terminalreporter.write_sep("-", "aslrun state-machine coverage")
            for line in format_report(self.data, missing=self.report_style == "missing").splitlines():
                write(line)
            write(f"coverage data written to {self.data_file}")
        if self.fail_under is not None:
            percent = self.data.figures().percent
            if self.failed_under:
                write(f"FAIL Required aslrun state-machine coverage of {self.fail_under:g}% not reached. "
                      f"Total coverage: {percent:.2f}%", red=True, bold=True)
            else:
                write(f"Required aslrun state-machine coverage of {self.fail_under:g}% reached. "
                      f"Total coverage: {percent:.2f}%", green=True)

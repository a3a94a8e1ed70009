"""The shape of the code: the import contracts of ``pyproject.toml`` (``[tool.importlinter]``) hold.

The core's layers point one way (model, expr, engine, states, integrations, machine: each imports
only those below it; the states reach the integrations through :mod:`aslrun.states.services`), the
tools and capabilities above ``StateMachine`` (cli, service, templates, debug, testing, report...)
are imported by nothing in the core and are layered themselves (the CLI on top; the server, the pytest
plugin and explore; the debugger and the testing tools; templates and reports; coverage), no
package's modules import each other in a circle, and the handlers never import aslrun (they deploy
to Lambda as they are). An import made inside a function
counts as much as one at the top of a module.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def in_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # import-linter reads pyproject.toml from the working directory
    monkeypatch.syspath_prepend(str(REPO))  # ...and finds the packages on sys.path: handlers/ is here
    monkeypatch.syspath_prepend(str(REPO / "src"))


def test_the_import_contracts_hold(in_repository: None, capsys: pytest.CaptureFixture[str]) -> None:
    from importlinter.cli import lint_imports

    exit_code = lint_imports(no_cache=True)
    report = capsys.readouterr().out
    assert exit_code == 0, report
    assert "BROKEN" not in report and report.count("KEPT") == 5, report
    analysed = re.search(r"Analyzed (\d+) files", report)
    assert analysed is not None and int(analysed.group(1)) > 250, report  # aslrun's and the handlers' modules

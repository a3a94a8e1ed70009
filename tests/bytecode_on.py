"""Bytecode for the test processes where Python may not write it (loaded by ``-p tests.bytecode_on``,
pyproject.toml's addopts, so before the plugins installed in the environment).

On this machine ``PYTHONDONTWRITEBYTECODE`` is set, and pytest rewrites the asserts of each module
of an installed pytest plugin's distribution (Hypothesis, xdist, anyio, pytest-benchmark: about 130
modules) in every process it starts, keeping the result beside the module's bytecode only when
bytecode may be written: each of the suite's processes (the controller, each xdist worker, each
pytest a test starts) spent about a second rewriting them again (``pytest tests/test_db.py``: 2.1-2.4
-> 1.1-1.5 s). Loaded before those plugins, this module lets this process write bytecode until it
has collected its tests: the plugins' rewritten modules are then kept once, as pytest keeps them
where bytecode is on; and the project's own bytecode is written once, before the workers start
(:func:`pytest_configure`). The processes the tests start are not affected (they read the
environment), and after collection this process writes no more bytecode, as the environment asks.
``ASLRUN_TESTS_NO_BYTECODE=1`` leaves everything as it is (tools/mutation sets it for its scratch
copies)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

_WAS_OFF = sys.dont_write_bytecode and not os.environ.get("ASLRUN_TESTS_NO_BYTECODE")
if _WAS_OFF:
    sys.dont_write_bytecode = False  # (at import: the installed plugins are imported next)


def pytest_configure(config: pytest.Config) -> None:
    """The controller compiles the project's modules once, into the usual ``__pycache__`` folders
    (ignored by git; a changed file is compiled again, as Python does), so that neither its workers
    nor the hundreds of ``python -m aslrun`` processes the tests start compile them from source."""
    if not _WAS_OFF or hasattr(config, "workerinput"):
        return
    import compileall

    for folder in ("src", "handlers", "fixtures", "tests"):
        compileall.compile_dir(ROOT / folder, quiet=2)


def pytest_collection_finish(session: pytest.Session) -> None:
    if _WAS_OFF:
        sys.dont_write_bytecode = True  # as the environment asks, from here on

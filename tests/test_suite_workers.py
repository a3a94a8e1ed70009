"""The suite's ``-n auto``: one xdist worker more than the cores this process may use (tests/conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def suite_conftest(pytestconfig: pytest.Config) -> Any:
    """tests/conftest.py as pytest loaded it (plugins are named by their path; another conftest.py
    may hold the module name ``conftest``)."""
    plugin = pytestconfig.pluginmanager.get_plugin(str(Path(__file__).resolve().parent / "conftest.py"))
    assert plugin is not None
    return plugin


def test_auto_is_one_worker_more_than_the_cores(monkeypatch, suite_conftest):
    monkeypatch.delenv("PYTEST_XDIST_AUTO_NUM_WORKERS", raising=False)
    assert suite_conftest.pytest_xdist_auto_num_workers(None) == len(os.sched_getaffinity(0)) + 1


def test_xdist_s_own_variable_still_decides(monkeypatch, suite_conftest):
    monkeypatch.setenv("PYTEST_XDIST_AUTO_NUM_WORKERS", "2")
    assert suite_conftest.pytest_xdist_auto_num_workers(None) is None  # (xdist's own hook then reads it)

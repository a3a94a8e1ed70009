"""The suite's ``-n auto``: one xdist worker more than the cores this process may use (tests/conftest.py)."""

from __future__ import annotations

import os

import conftest  # tests/conftest.py (tests/ is on the path of the suite's processes)


def test_auto_is_one_worker_more_than_the_cores(monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_AUTO_NUM_WORKERS", raising=False)
    assert conftest.pytest_xdist_auto_num_workers(None) == len(os.sched_getaffinity(0)) + 1


def test_xdist_s_own_variable_still_decides(monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_AUTO_NUM_WORKERS", "2")
    assert conftest.pytest_xdist_auto_num_workers(None) is None  # (xdist's own hook then reads it)

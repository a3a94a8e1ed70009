"""Fixtures of the BUA tests: the hand-made snapshot of bua_cases.py, and a finished run of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bua_cases import cases_event, finished_run


@pytest.fixture
def cases(tmp_path: Path) -> dict[str, Any]:
    """An event for a run of the hand-made snapshot, in its own database and folder."""
    return cases_event(tmp_path)


@pytest.fixture
def finished(cases: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The hand-made cases after a complete pipeline run."""
    yield from finished_run(cases)

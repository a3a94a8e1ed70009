"""Fixtures of the BUA tests: the hand-made snapshot (fixtures/bua/cases.py) and a finished run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import sqlite3

from fixtures.bua.cases import cases_event
from handlers.bua.pipeline import run_pipeline


@pytest.fixture
def cases(tmp_path: Path) -> dict[str, Any]:
    """An event for a run of the hand-made snapshot, in its own database and folder."""
    return cases_event(tmp_path)


@pytest.fixture
def finished(cases: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The hand-made cases after a complete pipeline run: event, report, open connection."""
    report = run_pipeline(cases)
    conn = sqlite3.connect(cases["db"])
    conn.row_factory = sqlite3.Row
    yield {"event": cases, "report": report, "conn": conn}
    conn.close()

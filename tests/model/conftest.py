"""Fixtures for the model tests: the ../shared reference folder beside the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"


@pytest.fixture
def shared_dir() -> Path:
    """The read-only reference folder beside the repository (skips the test when absent)."""
    if not SHARED.is_dir():
        pytest.skip(f"reference folder {SHARED} is absent (it sits beside the repository checkout)")
    return SHARED

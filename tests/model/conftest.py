"""Shared helpers for the model tests: the ../shared reference folder and problem assertions."""

from __future__ import annotations

from pathlib import Path

import pytest

from aslrun.model import Problem, validate_definition

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"


@pytest.fixture
def shared_dir() -> Path:
    """The read-only reference folder beside the repository (skips the test when absent)."""
    if not SHARED.is_dir():
        pytest.skip(f"reference folder {SHARED} is absent (it sits beside the repository checkout)")
    return SHARED


def problems_of(definition: dict) -> list[tuple[str, str, str]]:
    """``(location, code, message)`` for every problem of ``definition``."""
    return [(p.location, p.code, p.message) for p in validate_definition(definition)]


def only_problem(definition: dict) -> Problem:
    """The single problem of ``definition`` (fails the test when there are none or several)."""
    problems = validate_definition(definition)
    assert len(problems) == 1, "\n".join(str(p) for p in problems) or "no problem found"
    return problems[0]


def machine(states: dict, start_at: str | None = None, **top: object) -> dict:
    """A definition whose StartAt is the first state (unless given) and whose top-level has ``top``."""
    return {"StartAt": start_at or next(iter(states)), "States": states, **top}

"""Helpers for the model tests (a uniquely named module: test folders share one import path)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aslrun.model import Problem, validate_definition

__all__ = ["machine", "only_problem", "problems_of"]


def problems_of(definition: object) -> list[tuple[str, str, str]]:
    """``(location, code, message)`` for every problem of ``definition``."""
    return [(p.location, p.code, p.message) for p in validate_definition(definition)]


def only_problem(definition: object) -> Problem:
    """The single problem of ``definition`` (fails the test when there are none or several)."""
    problems = validate_definition(definition)
    assert len(problems) == 1, "\n".join(str(p) for p in problems) or "no problem found"
    return problems[0]


def machine(states: Mapping[str, Any], start_at: str | None = None, **top: Any) -> dict[str, Any]:
    """A definition whose StartAt is the first state (unless given) and whose top level has ``top``."""
    return {"StartAt": start_at or next(iter(states)), "States": states, **top}

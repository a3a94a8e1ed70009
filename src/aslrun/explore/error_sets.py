"""Retry and Catch entries that can never be used, decided from the error names alone.

When a state fails, AWS tries its retriers in order and uses the first whose ``ErrorEquals``
matches; the catchers likewise. An entry is dead when every error it names is matched by an
earlier entry of the same list first, when it names only ``States.Runtime`` (never retried nor
caught), or when it names only errors the state cannot raise. Matching is the engine's own
(:func:`aslrun.engine.recovery.error_matches`): ``States.ALL`` takes every error but
``States.Runtime``; ``States.TaskFailed`` every error but ``States.Timeout`` and ``States.Runtime``.

Errors a state cannot raise are judged only where the definition decides it:
``States.HeartbeatTimeout`` needs a Task with ``HeartbeatSeconds`` (or ``HeartbeatSecondsPath``);
``States.ItemReaderFailed`` and ``States.ResultWriterFailed`` need a Map with an ``ItemReader``
or ``ResultWriter``. A handler may raise any error name, so nothing else is ruled out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..engine.recovery import UNCATCHABLE

__all__ = ["DeadEntry", "dead_entries", "impossible_errors"]


@dataclass(frozen=True)
class DeadEntry:
    """Entry ``index`` of a Retry or Catch list can never be used, and why."""

    index: int
    reason: str
    #: the earlier entries that take its errors first (empty when the reason is another)
    covered_by: tuple[int, ...] = ()


def impossible_errors(state: Mapping[str, Any]) -> set[str]:
    """Error names this state can certainly not raise (beyond ``States.Runtime``, never caught)."""
    names: set[str] = set()
    if state.get("Type") == "Task" and "HeartbeatSeconds" not in state and "HeartbeatSecondsPath" not in state:
        names.add("States.HeartbeatTimeout")
    if state.get("Type") == "Map":
        if "ItemReader" not in state:
            names.add("States.ItemReaderFailed")
        if "ResultWriter" not in state:
            names.add("States.ResultWriterFailed")
    return names


def dead_entries(entries: Sequence[Mapping[str, Any]], state: Mapping[str, Any], field: str) -> list[DeadEntry]:
    """The entries of ``state[field]`` (``"Retry"`` or ``"Catch"``) that can never be used."""
    impossible = impossible_errors(state)
    dead: list[DeadEntry] = []
    for index, entry in enumerate(entries):
        names = [str(name) for name in entry.get("ErrorEquals") or []]
        live = [name for name in names if name != UNCATCHABLE and name not in impossible]
        if not live:
            dead.append(DeadEntry(index, _why_none_live(names, impossible, field, state)))
            continue
        covering = _covering(live, entries[:index])
        if covering is not None:
            earlier = ", ".join(f"{field}[{i}]" for i in covering)
            dead.append(DeadEntry(index, f"every error it names is matched first by {earlier}", tuple(covering)))
    return dead


def _why_none_live(names: list[str], impossible: set[str], field: str, state: Mapping[str, Any]) -> str:
    parts = []
    if UNCATCHABLE in names:
        parts.append(f"States.Runtime is never {'retried' if field == 'Retry' else 'caught'}")
    cannot = [name for name in names if name in impossible]
    if cannot:
        need = {"States.HeartbeatTimeout": "HeartbeatSeconds", "States.ItemReaderFailed": "an ItemReader",
                "States.ResultWriterFailed": "a ResultWriter"}
        parts.append("; ".join(f"a {state.get('Type')} without {need[name]} never raises {name}" for name in cannot))
    return "; ".join(parts)


def _covering(names: list[str], earlier: Sequence[Mapping[str, Any]]) -> list[int] | None:
    """The earlier entries (by index) that match every one of ``names`` first, or None if some name
    gets through to this entry."""
    used: list[int] = []
    for name in names:
        first = next((i for i, entry in enumerate(earlier) if _matches(entry.get("ErrorEquals") or [], name)), None)
        if first is not None:
            takers = [first]
        elif name == "States.ALL":  # States.TaskFailed and States.Timeout together take every catchable error
            parts = [next((i for i, entry in enumerate(earlier) if _matches(entry.get("ErrorEquals") or [], part)),
                          None) for part in ("States.TaskFailed", "States.Timeout")]
            if None in parts:
                return None
            takers = [i for i in parts if i is not None]
        else:
            return None
        used.extend(i for i in takers if i not in used)
    return sorted(used)


def _matches(patterns: Sequence[Any], name: str) -> bool:
    """Does an entry naming ``patterns`` take *every* error that ``name`` stands for?

    ``name`` is a pattern itself: ``States.ALL`` stands for every catchable error, so only an
    earlier ``States.ALL`` takes all of them; ``States.TaskFailed`` stands for all but
    ``States.Timeout``, so an earlier ``States.ALL`` or ``States.TaskFailed`` does."""
    patterns = [str(p) for p in patterns]
    if name == "States.ALL":
        return "States.ALL" in patterns
    if name == "States.TaskFailed":
        return "States.ALL" in patterns or "States.TaskFailed" in patterns
    if name in patterns or "States.ALL" in patterns:
        return True
    return "States.TaskFailed" in patterns and name != "States.Timeout"

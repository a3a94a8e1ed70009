"""Every state name of a definition, nested ones included, read from the raw JSON document.

Tolerant by design: it is used on definitions that may not be valid (``aslrun validate``'s hints,
``aslrun report`` checking a saved history against a machine), so a field of an unexpected JSON type
is skipped, never an exception.
"""

from __future__ import annotations

from typing import Any

__all__ = ["state_names"]


def state_names(definition: Any) -> set[str]:
    """The names of the states of ``definition`` and of its Parallel branches and Map processors."""
    names: set[str] = set()
    _collect(definition.get("States") if isinstance(definition, dict) else None, names)
    return names


def _collect(states: Any, names: set[str]) -> None:
    if not isinstance(states, dict):
        return
    for name, state in states.items():
        names.add(str(name))
        if not isinstance(state, dict):
            continue
        branches = state.get("Branches")
        for branch in branches if isinstance(branches, list) else []:
            if isinstance(branch, dict):
                _collect(branch.get("States"), names)
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if isinstance(processor, dict):
            _collect(processor.get("States"), names)

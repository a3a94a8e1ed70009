"""A compiled branch: states by name and where to start (the top level, a Parallel branch, a Map's
item processor)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..states.base import State

__all__ = ["Branch"]


class Branch:
    __slots__ = ("start_at", "states", "definition", "location")

    def __init__(self, start_at: str, states: dict[str, State], definition: dict[str, Any], location: str) -> None:
        self.start_at = start_at
        self.states = states
        self.definition = definition
        self.location = location

    def walk(self) -> list[State]:
        """Every state of this branch and of the branches nested in it."""
        out: list[State] = []
        for state in self.states.values():
            out.append(state)
            for nested in getattr(state, "branches", ()) or ():
                out.extend(nested.walk())
            processor = getattr(state, "processor", None)
            if processor is not None:
                out.extend(processor.walk())
        return out

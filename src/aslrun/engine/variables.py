"""Workflow variables (``Assign``): values a state sets for later states to read.

Scopes nest: a Map iteration or Parallel branch reads the variables of the states around it and
keeps its own assignments to itself (AWS does not let an inner scope assign an outer variable).
"""

from __future__ import annotations

from typing import Any

from ..errors import StatesError

__all__ = ["Variables"]


class Variables:
    __slots__ = ("values", "parent")

    def __init__(self, parent: Variables | None = None, values: dict[str, Any] | None = None) -> None:
        self.parent = parent
        self.values: dict[str, Any] = values if values is not None else {}

    def get(self, name: str) -> Any:
        scope: Variables | None = self
        while scope is not None:
            values = scope.values
            if name in values:
                return values[name]
            scope = scope.parent
        raise StatesError("States.Runtime", f"Undefined variable '{name}'.", in_state=True)

    def defined(self, name: str) -> bool:
        scope: Variables | None = self
        while scope is not None:
            if name in scope.values:
                return True
            scope = scope.parent
        return False

    def assign(self, values: dict[str, Any]) -> None:
        self.values.update(values)

    def child(self) -> Variables:
        return Variables(self)

    def visible(self) -> dict[str, Any]:
        """Every variable in reach, inner scopes shadowing outer ones (debugger, tests)."""
        chain = []
        scope: Variables | None = self
        while scope is not None:
            chain.append(scope.values)
            scope = scope.parent
        merged: dict[str, Any] = {}
        for values in reversed(chain):
            merged.update(values)
        return merged

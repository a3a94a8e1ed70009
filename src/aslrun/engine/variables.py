"""Workflow variables (``Assign``): values a state sets for later states to read.

The rules follow AWS's "Passing data between states with variables":

* **Scopes.** The top level of a state machine is one scope; each Parallel branch and each Map
  iteration gets its own, which reads the variables of the scopes around it but keeps its own
  assignments to itself (they are gone when the branch ends). A distributed Map's iterations
  cannot see outer variables at all (:meth:`Variables.child` with ``isolated=True``). A name
  assigned in an outer scope cannot be assigned again in an inner one (AWS rejects such a
  definition; at run time it is a ``States.Runtime`` error).
* **Parallel assignment.** Every value of one state's ``Assign`` is computed from the variables
  as they were when the state was entered, then all are stored at once
  (:meth:`Variables.assign`), so ``{"x": "{% $a %}", "a": "{% $x %}"}`` swaps them.
* **Limits.** A variable's value may be at most 256 KiB (as compact UTF-8 JSON), one state's
  assignments together at most 256 KiB, and the variables of an execution at most 10 MiB; a
  state that goes past them fails with ``States.DataLimitExceeded``.

Each store remembers what the last state assigned (compact JSON, as AWS's history event
``assignedVariables`` shows it) until the runner takes it for the state's exit event.
"""

from __future__ import annotations

from typing import Any

from ..errors import StatesError
from ..jsontext import compact_json_text

__all__ = ["MAX_ASSIGN_BYTES", "MAX_TOTAL_BYTES", "MAX_VARIABLE_BYTES", "Variables"]

MAX_VARIABLE_BYTES = 256 * 1024
MAX_ASSIGN_BYTES = 256 * 1024
MAX_TOTAL_BYTES = 10 * 1024 * 1024

_MISSING = object()


_json_text = compact_json_text


class Variables:
    """One scope of workflow variables, with a link to the scope around it."""

    __slots__ = ("values", "parent", "sizes", "total", "assigned")

    def __init__(self, parent: Variables | None = None, values: dict[str, Any] | None = None) -> None:
        self.parent = parent
        self.values: dict[str, Any] = {}
        self.sizes: dict[str, int] = {}
        self.total = 0  # bytes held by this scope
        #: what the last state assigned here: name -> compact JSON text (for its exit event)
        self.assigned: dict[str, str] | None = None
        if values:
            self.assign(values)
            self.assigned = None

    # -- reading ----------------------------------------------------------------------------------

    def get(self, name: str) -> Any:
        """The value of ``$name`` (innermost scope first); States.Runtime if no scope has it."""
        value = self.lookup(name, _MISSING)
        if value is _MISSING:
            raise StatesError("States.Runtime", f"Undefined variable '{name}'.", in_state=True)
        return value

    def lookup(self, name: str, default: Any = None) -> Any:
        """The value of ``$name``, or ``default`` when no scope in reach has it."""
        scope: Variables | None = self
        while scope is not None:
            values = scope.values
            if name in values:
                return values[name]
            scope = scope.parent
        return default

    def defined(self, name: str) -> bool:
        return self.lookup(name, _MISSING) is not _MISSING

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

    # -- writing ----------------------------------------------------------------------------------

    def assign(self, values: dict[str, Any]) -> None:
        """Store one state's assignments (all computed beforehand), checking scope and limits."""
        if not values:
            return
        texts = {}
        state_bytes = 0
        for name, value in values.items():
            if self.parent is not None and self.parent.defined(name):
                raise StatesError(
                    "States.Runtime",
                    f"The variable '{name}' is assigned in an outer scope and cannot be assigned inside "
                    "a Parallel branch or a Map iteration.",
                    in_state=True,
                )
            text = _json_text(value)
            size = len(text.encode("utf-8")) if not text.isascii() else len(text)
            if size > MAX_VARIABLE_BYTES:
                raise StatesError(
                    "States.DataLimitExceeded",
                    f"The value assigned to the variable '{name}' is {size} bytes, more than the maximum "
                    f"of {MAX_VARIABLE_BYTES} bytes for a variable.",
                    in_state=True,
                )
            state_bytes += size
            texts[name] = (text, size)
        if state_bytes > MAX_ASSIGN_BYTES:
            raise StatesError(
                "States.DataLimitExceeded",
                f"The variables assigned by the state are {state_bytes} bytes together, more than the maximum "
                f"of {MAX_ASSIGN_BYTES} bytes for one Assign.",
                in_state=True,
            )
        sizes = self.sizes
        total = self.total + sum(size - sizes.get(name, 0) for name, (_, size) in texts.items())
        if total + self._outer_total() > MAX_TOTAL_BYTES:
            raise StatesError(
                "States.DataLimitExceeded",
                f"The workflow variables would hold {total + self._outer_total()} bytes, more than the "
                f"maximum of {MAX_TOTAL_BYTES} bytes for an execution.",
                in_state=True,
            )
        self.values.update(values)
        for name, (_, size) in texts.items():
            sizes[name] = size
        self.total = total
        assigned = self.assigned if self.assigned is not None else {}
        for name, (text, _) in texts.items():
            assigned[name] = text
        self.assigned = assigned

    def restore(self, values: dict[str, Any]) -> None:
        """Put back what this scope held (a redriven branch), recorded as no state's assignment."""
        if values:
            self.assign(values)
            self.assigned = None

    def take_assigned(self) -> dict[str, str] | None:
        """What was assigned since the last call (the runner puts it into the exit event)."""
        assigned = self.assigned
        self.assigned = None
        return assigned

    def _outer_total(self) -> int:
        total = 0
        scope = self.parent
        while scope is not None:
            total += scope.total
            scope = scope.parent
        return total

    # -- scopes -----------------------------------------------------------------------------------

    def child(self, *, isolated: bool = False) -> Variables:
        """The scope of a Parallel branch or Map iteration (``isolated``: a distributed Map's)."""
        return Variables(None if isolated else self)

"""What the states ask of the services they call: the port the integrations fill.

The states know ASL; what a Task's ``Resource`` ARN does, how a distributed Map reads its items
from S3 and writes its results there, and how its children (or an inline Map's iterations) may run on
every core belong to the
integrations (:mod:`aslrun.integrations`), the layer above. Compiling a definition hands the
:class:`~aslrun.states.compile.Builder` an object with these answers
(:data:`aslrun.integrations.catalog.INTEGRATIONS` for a :class:`~aslrun.StateMachine`), so no state
imports an integration: the layers point one way.
"""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["ChildPool", "IterationPool", "Services"]


class ChildPool(Protocol):
    """Runs a distributed Map's child executions in worker processes, when they may."""

    def eligible(self, state: Any, execution: Any, count: int) -> bool:
        """Whether this Map's ``count`` children may run in worker processes."""

    def run_in_pool(self, state: Any, execution: Any, inputs: list[Any]) -> list[tuple[Any, ...]]:
        """One child per input, in input order: ``(name, status, output, error, cause, start, stop)``."""


class IterationPool(Protocol):
    """An inline Map's iterations running whole in worker processes (see
    :mod:`aslrun.integrations.iteration_pool`)."""

    def iteration(self, index: int) -> Any:
        """A branch generator: the iteration's outcome, its events recorded in the history."""

    def close(self) -> None:
        """End the workers."""


class Services(Protocol):
    def task_integration(self, resource: str) -> Any:
        """The integration of a Task's resource ARN (``invoke(call)``, its history names...; see
        :mod:`aslrun.integrations`); ValueError for an ARN AWS does not know."""

    def item_reader(self, spec: dict[str, Any], *, jsonata: bool) -> Any:
        """A Map's ``ItemReader`` compiled: ``read(frame, raw_input, data)`` gives the items."""

    def result_writer(self, spec: dict[str, Any], *, jsonata: bool) -> Any:
        """A Map's ``ResultWriter`` compiled: ``run_of(child)`` keeps what a child did,
        ``write(...)`` / ``inline(runs)`` give the Map's result."""

    @property
    def child_pool(self) -> ChildPool:
        """Where a distributed Map's children may run on every core."""

    def iteration_pool(self, state: Any, frame: Any, inputs: list[Any], limit: int) -> IterationPool | None:
        """Workers started for this inline Map's iterations, or None: they run here."""

"""The integrations as the states see them: :class:`~aslrun.states.services.Services` filled.

:class:`~aslrun.StateMachine` hands :data:`INTEGRATIONS` to the compiler, which hands it to each
state; a state asks it for what its resource does and never imports this package.
"""

from __future__ import annotations

from typing import Any

from . import integration_for, iteration_pool, map_pool
from .map_reader import ItemReader
from .map_writer import ResultWriter

__all__ = ["INTEGRATIONS", "IntegrationCatalog"]


class IntegrationCatalog:
    """Every integration aslrun has (see :mod:`aslrun.integrations`)."""

    def task_integration(self, resource: str) -> Any:
        return integration_for(resource)

    def item_reader(self, spec: dict[str, Any], *, jsonata: bool) -> ItemReader:
        return ItemReader(spec, jsonata=jsonata)

    def result_writer(self, spec: dict[str, Any], *, jsonata: bool) -> ResultWriter:
        return ResultWriter(spec, jsonata=jsonata)

    @property
    def child_pool(self) -> Any:
        return map_pool  # its eligible() and run_in_pool(), read when a Map runs (tests replace them)

    def iteration_pool(self, state: Any, frame: Any, inputs: list[Any], limit: int) -> Any:
        return iteration_pool.start_pool(state, frame, inputs, limit)


INTEGRATIONS = IntegrationCatalog()

"""Explore a state machine: what no execution can reach, and inputs and mocks that reach the rest.

    from aslrun.explore import analyse, explore
    analyse(definition).findings          # static: unreachable states, shadowed Choice rules, dead
                                          # Catch/Retry entries, loops with no way out, uncaught errors
    result = explore(machine, bindings=..., examples=[...], out="tests/explored")
    result.findings                       # the static ones, then what no generated run reached
    result.search.runs                    # the runs kept (each reached something new)
    result.scenario_file                  # the scenario file written (pytest runs it)

``aslrun explore MACHINE`` is the command line (:mod:`aslrun.cli.explore`). The package sits above
:class:`~aslrun.StateMachine`: it reads definitions through :mod:`aslrun.model`'s locations,
measures runs with :mod:`aslrun.coverage` and replays them with :mod:`aslrun.testing`.
"""

from typing import Any

from .exploration import Exploration, explore
from .findings import KINDS, Finding
from .scenarios import ScenarioSetup
from .static import Analysis, analyse

__all__ = ["Analysis", "Exploration", "Finding", "KINDS", "ScenarioSetup", "Search", "analyse", "explore", "search"]


def __getattr__(name: str) -> Any:
    """``search`` and ``Search`` import hypothesis (``pip install 'aslrun[explore]'``): loaded on first use."""
    if name in ("search", "Search"):
        import importlib

        return getattr(importlib.import_module("aslrun.explore.searcher"), name)
    raise AttributeError(f"module 'aslrun.explore' has no attribute {name!r}")

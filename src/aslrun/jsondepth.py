"""How deeply a JSON document nests.

aslrun copies and measures state data with C routines that stop at about 2,000 levels, and
Python's recursion stops near 1,000, so documents nested deeper than :data:`MAX_DEPTH` are refused
up front with a clear error, instead of failing somewhere inside a run.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MAX_DEPTH", "too_deep"]

MAX_DEPTH = 512


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether ``value`` nests objects/arrays more than ``limit`` levels (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        cls = node.__class__
        if cls is dict:
            children = node.values()
        elif cls is list:
            children = node
        else:
            continue
        if depth > limit:
            return True
        for child in children:
            if child.__class__ is dict or child.__class__ is list:
                stack.append((child, depth + 1))
    return False

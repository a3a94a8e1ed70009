"""Writing a value at a reference path (ResultPath, Catch ResultPath), without mutating anything.

State data is treated as immutable throughout the engine, so several events, states and branches
may share one object. Writing ``$.a.b`` therefore copies only the containers along the path
(copy-on-write) and shares everything else. Missing objects along the path are created, as AWS
does; a step that meets a non-object (or an index outside a list) cannot be applied.
"""

from __future__ import annotations

from typing import Any

from .jsonpath import Path

__all__ = ["ReferencePathMismatch", "set_at"]


class ReferencePathMismatch(ValueError):
    """The path cannot be applied to this document (e.g. ``$.a.b`` where ``a`` is a string)."""


def set_at(document: Any, path: Path, value: Any) -> Any:
    """A copy of ``document`` with ``value`` at ``path`` (``$`` replaces the document)."""
    steps = path.steps
    if not steps:
        return value
    return _set(document, steps, 0, value, path)


def _set(node: Any, steps: tuple[Any, ...], i: int, value: Any, path: Path) -> Any:
    step = steps[i]
    last = i == len(steps) - 1
    if step.__class__ is str:
        if node is None and i > 0:
            node = {}
        if node.__class__ is not dict:
            raise ReferencePathMismatch(path.text)
        copy = dict(node)
        copy[step] = value if last else _set(node.get(step), steps, i + 1, value, path)
        return copy
    if node.__class__ is not list or not -len(node) <= step < len(node):
        raise ReferencePathMismatch(path.text)
    copy_list = list(node)
    copy_list[step] = value if last else _set(node[step], steps, i + 1, value, path)
    return copy_list

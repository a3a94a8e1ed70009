"""A seed document's section of named things: ``{name: settings}`` (or a list of names), read as
``[(name, settings)]`` with a clear error naming the place when it is not one. Every section
(tables, queues, a table's indexes, IAM roles, a bus's rules...) is read so."""

from __future__ import annotations

from typing import Any

from ..errors import InputError

__all__ = ["named"]


def named(section: Any, where: str) -> list[tuple[str, dict[str, Any]]]:
    """The names and settings of a section (``None``: none; a list: names with no settings)."""
    if section is None:
        return []
    if isinstance(section, list):  # just names
        section = {name: {} for name in section}
    if not isinstance(section, dict):
        raise InputError(f"seed: '{where}' must map names to their settings")
    out = []
    for name, spec in section.items():
        if spec is None:
            spec = {}
        if not isinstance(spec, dict):
            raise InputError(f"seed: {where}.{name} must be an object")
        out.append((str(name), spec))
    return out

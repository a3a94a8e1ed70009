"""The last few values worked out from immutable objects, found again by those objects' identity.

A pipeline's handlers hand each other the very objects a first one made (the parse of a reading,
its channels, a tariff's pricing): what one handler worked out from them is kept for the next, by
the objects' ``id`` and whatever else it depended on. An entry holds its objects, so their ids
cannot be reused by others while it is kept, and it is found again only for the very same objects.
The oldest entry goes first once more than ``size`` are kept. Thread-safe.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import Generic, TypeVar

__all__ = ["KeptByIdentity"]

V = TypeVar("V")


class KeptByIdentity(Generic[V]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: dict[tuple[tuple[int, ...], Hashable], tuple[tuple[object, ...], V]] = {}
        self._lock = threading.Lock()

    def find(self, objects: tuple[object, ...], other: Hashable = None) -> V | None:
        """The value kept for these very objects and ``other``; None when there is none."""
        entry = self._entries.get((tuple(map(id, objects)), other))
        if entry is None or any(held is not given for held, given in zip(entry[0], objects)):
            return None
        return entry[1]

    def keep(self, objects: tuple[object, ...], other: Hashable, value: V) -> None:
        """Keep ``value`` for these objects and ``other`` (the oldest entries go beyond ``size``)."""
        with self._lock:
            self._entries[(tuple(map(id, objects)), other)] = (objects, value)
            while len(self._entries) > self.size:
                del self._entries[next(iter(self._entries))]

"""The array intrinsics: States.Array, ArrayPartition, ArrayContains, ArrayRange, ArrayGetItem,
ArrayLength and ArrayUnique.

Each is a plain function over already-evaluated JSON arguments; a bad argument raises
:class:`ArgumentProblem` (the caller names the failing call). Limits follow the Step Functions
developer guide: ``ArrayRange`` builds at most 1000 items and rounds fractional bounds, the
partition size must be a positive integer (fractions rounded), the index of ``ArrayGetItem``
must be an integer inside the array.
"""

from __future__ import annotations

from typing import Any

from .intrinsics_values import ArgumentProblem, describe, expect_array, expect_integer, json_key

__all__ = [
    "MAX_RANGE_ITEMS",
    "array",
    "array_contains",
    "array_get_item",
    "array_length",
    "array_partition",
    "array_range",
    "array_unique",
]

MAX_RANGE_ITEMS = 1000


def array(*values: Any) -> list[Any]:
    """The arguments, in order, as a JSON array."""
    return list(values)


def array_partition(values: Any, size: Any) -> list[list[Any]]:
    """Consecutive chunks of ``size`` items; the last one may be shorter."""
    items = expect_array(values, 1)
    chunk = expect_integer(size, 2)
    if chunk <= 0:
        raise ArgumentProblem(f"argument 2 (the chunk size) must be a positive integer, but was {describe(size)}")
    return [items[i:i + chunk] for i in range(0, len(items), chunk)]


def array_contains(values: Any, wanted: Any) -> bool:
    """Whether an item of the array equals ``wanted`` as a JSON value."""
    items = expect_array(values, 1)
    key = json_key(wanted)
    if key.__class__ is str:  # fast path: no conversion of string items
        return any(item == wanted and item.__class__ is str for item in items)
    return any(json_key(item) == key for item in items)


def array_range(first: Any, last: Any, step: Any) -> list[int]:
    """``first, first + step, ...`` up to and including ``last`` (down to it for a negative step)."""
    start = expect_integer(first, 1)
    end = expect_integer(last, 2)
    increment = expect_integer(step, 3)
    if increment == 0:
        raise ArgumentProblem("argument 3 (the increment) must not be 0")
    # Not positive when ``last`` lies behind ``first`` for this step: range() is then empty.
    count = (end - start) // increment + 1
    if count > MAX_RANGE_ITEMS:
        raise ArgumentProblem(
            f"the range would hold {count} items, more than the maximum of {MAX_RANGE_ITEMS}"
        )
    return list(range(start, start + count * increment, increment))


def array_get_item(values: Any, index: Any) -> Any:
    """The item at a 0-based index."""
    items = expect_array(values, 1)
    position = expect_integer(index, 2, round_fraction=False)
    if not 0 <= position < len(items):
        raise ArgumentProblem(
            f"argument 2 (the index) is {position}, outside the array of length {len(items)}"
        )
    return items[position]


def array_length(values: Any) -> int:
    return len(expect_array(values, 1))


def array_unique(values: Any) -> list[Any]:
    """The array without repeated values, each kept at its first position."""
    items = expect_array(values, 1)
    seen: set[Any] = set()
    unique = []
    for item in items:
        key = json_key(item)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique

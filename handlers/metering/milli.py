"""A channel's interval values as whole thousandths: the Decimals, their sums, without a Decimal each.

A month of half-hour values is 1,536 JSON floats. Each became the ``Decimal`` its text names (a
dictionary lookup keyed by the float: hashing a float alone costs a third of it), and the Decimals
were then added up per day (the usage record, the bill's daily figures) and per time-of-use band:
per value, the most costly work left in the metering handlers. Meters send values of three
decimals at most (NEM12 kWh to the watt-hour), and such a value is a whole number of thousandths:
:func:`milli_channel` finds those numbers for a whole channel at once (numpy), and a day's values
become a :class:`MilliValues`, a sequence of the very Decimals the floats' texts name that makes
them only when someone reads them, and that gives its day's sum and highest value from integers.

Why the figures are the same, digit for digit and exponent for exponent:

* a float ``v`` in ``[0, 1e12)`` has at most three decimals exactly when ``rint(v * 1000) / 1000 == v``
  (``m / 1000`` is correctly rounded, and below ``2**42`` two numbers of three decimals are never the
  same float, so ``v`` is the float of ``m / 1000`` for one ``m`` only, which the product rounds to);
* its shortest text, ``repr(v)``, is then ``m / 1000`` with its trailing zeros dropped down to one
  decimal (``'12.0'``, ``'0.25'``): any shorter text would name another number of three decimals, a
  float of its own. So ``Decimal(repr(v))`` is the coefficient ``m / 10**(3 - d)`` at the exponent
  ``-d``, ``d`` being 3, 2 or 1 as ``m`` ends;
* ``Decimal`` addition is exact below 28 digits (a month of values stays far below) and its result
  takes the smallest exponent of its terms: a sum starting at ``Decimal(0)`` is the integers' sum at
  the exponent of the term with the most decimals.

Anything else (a value of more decimals, one of 1e12 or more) leaves the channel to the Decimals,
as before.

Values that are whole thousandths already (the BUA pipeline's watt-hours, priced as kWh) make a
channel of ``decimals=3``: each value is then ``Decimal(milli).scaleb(-3)``, three decimals whatever
its digits (``Decimal('1.500')``), and every sum too, as adding such Decimals gives.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar, overload

import numpy as np

from handlers.metering.money import ZERO

__all__ = ["LIMIT", "MilliChannel", "MilliValues", "decimals_of_thousandths", "label_row", "largest_values",
           "milli_channel", "sound_floats",
           "sum_of"]

K = TypeVar("K")

#: values at or above this are left to the Decimals (two numbers of three decimals are then still
#: two floats, with room to spare)
LIMIT = 1e12

def _decimals_of(milli: int) -> int:
    """How many decimals the shortest text of ``milli`` thousandths has (1 to 3)."""
    return 3 if milli % 10 else 2 if milli % 100 else 1


def _at_decimals(milli: int, decimals: int) -> Decimal:
    """``milli`` thousandths as a Decimal at the exponent ``-decimals`` (``milli`` a multiple of
    ``10 ** (3 - decimals)``)."""
    return Decimal(milli // 10 ** (3 - decimals)).scaleb(-decimals)


class _DecimalOfMilli(dict):  # type: ignore[type-arg]
    """milli -> its Decimal, at ``decimals`` decimals or (None) at those of its shortest text
    (``Decimal(repr(m / 1000))``), kept for the values met so far (keyed by integers: no float to
    hash); past ``kept`` entries new ones are made without being kept."""

    def __init__(self, decimals: int | None, kept: int) -> None:
        super().__init__()
        self.decimals, self.kept = decimals, kept

    def __missing__(self, milli: int) -> Decimal:
        number = _at_decimals(milli, self.decimals or _decimals_of(milli))
        if len(self) < self.kept:
            self[milli] = number
        return number


#: a channel's values as Decimals, by its ``decimals`` (None: each at its shortest text's); the
#: three-decimal one is also the BUA invoice step's Wh -> kWh for every value it prices
_DECIMALS_OF_MILLI = {None: _DecimalOfMilli(None, kept=200_000), 3: _DecimalOfMilli(3, kept=500_000)}


def decimals_of_thousandths(decimals: int | None) -> dict[int, Decimal]:
    """The process's memo of thousandths as Decimals at ``decimals`` (3), or (None) at each one's
    shortest text's: ``memo[milli]``, or ``map(memo.__getitem__, values)`` in C. A Decimal is
    immutable, so every caller shares it; past a few hundred thousand values new ones are made
    without being kept."""
    return _DECIMALS_OF_MILLI[decimals]


class MilliChannel:
    """A channel's days of values, each row a day's thousandths (int64, read-only). Its values as
    Decimals have the decimals of their shortest texts, or all ``decimals`` (3) when given."""

    __slots__ = ("matrix", "decimals", "decimal_of", "_sums", "_lock")

    def __init__(self, matrix: np.ndarray, decimals: int | None = None) -> None:
        if decimals not in _DECIMALS_OF_MILLI:
            raise ValueError(f"decimals must be None or 3, got {decimals!r}")
        matrix.flags.writeable = False
        self.matrix = matrix
        self.decimals = decimals
        self.decimal_of = decimals_of_thousandths(decimals)
        self._sums: list[Decimal] | None = None
        self._lock = threading.Lock()

    def __reduce__(self) -> tuple[Any, ...]:
        # (not its lock; the copy's array is made read-only again)
        return MilliChannel, (self.matrix, self.decimals)

    def highest(self) -> list[Decimal]:
        """Each day's highest value."""
        return list(map(self.decimal_of.__getitem__, self.matrix.max(axis=1).tolist()))

    def day_sum(self, day: int) -> Decimal:
        """``sum(values of the day, Decimal(0))``, digit for digit and exponent for exponent."""
        sums = self._sums
        if sums is None:
            with self._lock:
                sums = self._sums
                if sums is None:
                    sums = self._sums = _sums_of_rows(self.matrix, self.decimals)
        return sums[day]

    def sums_by_label(self, days: Sequence[int], labels: Sequence[np.ndarray], count: int) -> list[Decimal] | None:
        """``sum(values labelled i, Decimal(0))`` for each label ``i`` below ``count``, over the rows
        ``days`` (``labels[k]``: the label of each value of the row ``days[k]``): for each label, the
        integers' sum at the channel's ``decimals`` or the most decimals a value of it has
        (``Decimal(0)`` for a label no value has). None when the sums could pass int64 (values far
        above any meter's)."""
        rows = self.matrix[list(days)].ravel()
        if rows.size and int(rows.max()) * rows.size >= 2 ** 62:
            return None
        label = np.concatenate(labels)
        totals = _totals_by_label(rows, label, count)
        present = np.bincount(label, minlength=count).tolist()
        if self.decimals is not None:
            return [_at_decimals(total, self.decimals) if here else ZERO for total, here in zip(totals, present)]
        three = np.bincount(label, weights=rows % 10 != 0, minlength=count).tolist()
        two = np.bincount(label, weights=rows % 100 != 0, minlength=count).tolist()
        return [(_at_decimals(total, 3 if has_three else 2 if has_two else 1) if here else ZERO)
                for total, has_three, has_two, here in zip(totals, three, two, present)]

    def row(self, day: int) -> tuple[Decimal, ...]:
        """The day's values as Decimals."""
        return tuple(map(self.decimal_of.__getitem__, self.matrix[day].tolist()))


def _totals_by_label(values: np.ndarray, label: np.ndarray, count: int) -> list[int]:
    """The exact integer sum of the ``values`` (int64, >= 0, their sum below 2**62) of each label
    below ``count``. numpy's ``bincount`` adds in float64, exact while a sum stays below 2**53 (the
    usual case, and 4 times faster than a matrix product of integers); past it, the values' upper
    and lower 26 bits are added apart, each sum then far below 2**53."""
    if not values.size or int(values.max()) * values.size < 2 ** 53:
        totals = np.bincount(label, weights=values, minlength=count).astype(np.int64)
        return totals.tolist()  # type: ignore[no-any-return]
    if values.size >= 2 ** 27:
        raise ValueError("too many values to add by label")
    upper = np.bincount(label, weights=values >> 26, minlength=count).astype(np.int64)
    lower = np.bincount(label, weights=values & (2 ** 26 - 1), minlength=count).astype(np.int64)
    return ((upper << 26) + lower).tolist()  # type: ignore[no-any-return]


def _sums_of_rows(matrix: np.ndarray, decimals: int | None) -> list[Decimal]:
    """Each row's Decimal sum: the integers' sum at ``decimals``, or (None) at the most decimals
    any of the row's values has."""
    totals = matrix.sum(axis=1).tolist()
    if decimals is not None:
        return [_at_decimals(total, decimals) for total in totals]
    three = (matrix % 10 != 0).any(axis=1).tolist()
    two = (matrix % 100 != 0).any(axis=1).tolist()
    columns = matrix.shape[1]
    return [_at_decimals(total, 3 if has_three else 2 if has_two else 1) if columns else ZERO
            for total, has_three, has_two in zip(totals, three, two)]


def sound_floats(values: list[float]) -> np.ndarray | None:
    """The values (floats, every one) as a float64 array when all are finite and >= 0 and none is
    ``-0.0``; None otherwise."""
    floats = np.array(values, dtype=np.float64)
    if np.isfinite(floats).all() and (floats.size == 0 or floats.min() >= 0) and not np.signbit(floats).any():
        return floats  # (at or above zero, a sign bit is -0.0's)
    return None


def label_row(labels: Sequence[int]) -> np.ndarray:
    """A day's labels (one per value) as :meth:`MilliChannel.sums_by_label` takes them (read-only)."""
    row = np.array(labels, dtype=np.int64)
    row.flags.writeable = False
    return row


def milli_channel(values: np.ndarray, days: int) -> MilliChannel | None:
    """The channel of ``days`` rows whose values (a float64 array, all finite, >= 0, no ``-0.0``, day
    after day) are these; None when one has more than three decimals or is :data:`LIMIT` or more."""
    if values.size and values.max() >= LIMIT:
        return None
    milli = np.rint(values * 1000.0)
    if not np.array_equal(milli / 1000.0, values):
        return None
    return MilliChannel(milli.astype(np.int64).reshape(days, -1))


class MilliValues(Sequence[Decimal]):
    """A day's values (a row of a :class:`MilliChannel`): a sequence of Decimals, equal to the tuple
    of them, made when first read; its sum and highest value from the integers."""

    __slots__ = ("channel", "day", "_values")

    def __init__(self, channel: MilliChannel, day: int) -> None:
        self.channel = channel
        self.day = day
        self._values: tuple[Decimal, ...] | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return MilliValues, (self.channel, self.day)

    def decimals(self) -> tuple[Decimal, ...]:
        values = self._values
        if values is None:
            values = self._values = self.channel.row(self.day)
        return values

    def sum(self) -> Decimal:
        """``sum(self, Decimal(0))``."""
        return self.channel.day_sum(self.day)

    def __len__(self) -> int:
        return int(self.channel.matrix.shape[1])

    @overload
    def __getitem__(self, index: int) -> Decimal: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Decimal, ...]: ...

    def __getitem__(self, index: int | slice) -> Decimal | tuple[Decimal, ...]:
        return self.decimals()[index]

    def __iter__(self) -> Iterator[Decimal]:
        return iter(self.decimals())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MilliValues):
            return self.decimals() == other.decimals()
        if isinstance(other, tuple):
            return self.decimals() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.decimals())

    def __repr__(self) -> str:
        return repr(self.decimals())


def largest_values(rows: Mapping[K, Sequence[Decimal]], count: int) -> list[tuple[Decimal, K, int]] | None:
    """``heapq.nlargest(count, ((value, key, slot) for each value of each row))``, found from the
    integers when every row is a :class:`MilliValues` of one channel (only the values at or above the
    ``count``-th largest become Decimals); None otherwise."""
    held = list(rows.values())
    if not held or any(type(row) is not MilliValues for row in held):
        return None
    channel = held[0].channel  # type: ignore[attr-defined]
    if any(row.channel is not channel for row in held):  # type: ignore[attr-defined]
        return None
    matrix = channel.matrix[[row.day for row in held]]  # type: ignore[attr-defined]
    if matrix.size <= count:
        floor = matrix.min() if matrix.size else 0
    else:
        floor = np.partition(matrix.ravel(), -count)[-count]
    at_least = matrix >= floor
    keys = list(rows)
    decimal_of = channel.decimal_of
    return heapq.nlargest(count, ((decimal_of[milli], keys[row], slot) for milli, (row, slot)
                                  in zip(matrix[at_least].tolist(), np.argwhere(at_least).tolist())))


def sum_of(values: Sequence[Decimal]) -> Decimal:
    """``sum(values, Decimal(0))``; from the integers for a :class:`MilliValues`."""
    if type(values) is MilliValues:
        return values.sum()
    return sum(values, ZERO)

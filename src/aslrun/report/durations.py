"""Durations as people read them, for every place the report shows a time.

Seconds with three decimals turned a fast state into ``0.000``, as if it took no time at all; the
unit follows the size instead: ``350 µs``, ``12.5 ms``, ``1.234 s``, ``2 min 5.0 s``.
"""

from __future__ import annotations

__all__ = ["duration"]


def duration(seconds: float) -> str:
    """A duration people read: ``0``, ``< 1 µs``, ``350 µs``, ``12.5 ms``, ``1.234 s``, ``2 min 5.0 s``
    (a time under a millisecond is not ``0.000``; whole microseconds, what a timestamp can tell)."""
    if seconds <= 0:
        return "0"
    if seconds < 0.5e-6:  # a difference of two epoch timestamps is only good to about 0.2 µs
        return "< 1 µs"
    seconds = round(seconds, 6)
    if seconds < 0.001:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1000:.3g} ms"
    if seconds < 60:
        return f"{seconds:.3f} s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)} min {rest:.1f} s"

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
    # each unit is chosen after rounding to what it shows: 0.9996 s is "1.000 s", not "1e+03 ms"
    millis = float(f"{seconds * 1000:.3g}")
    if millis < 1000:
        return f"{millis:g} ms"
    if round(seconds, 3) < 60:
        return f"{seconds:.3f} s"
    minutes, rest = divmod(round(seconds, 1), 60)
    return f"{int(minutes)} min {rest:.1f} s"

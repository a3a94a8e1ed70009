"""Cheaper ways for moto to answer what it already answers, where its cost grows with the data.

moto's SQS queue counts its messages by asking each one whether it is visible and whether it is
delayed, and each message reads the clock (a timezone-aware datetime, made naive, turned into
milliseconds: about 6 us) for each question. Every SendMessage reads the queue's attributes (for
``ContentBasedDeduplication``), and with them the three ``ApproximateNumberOfMessages*`` counts:
sending the n-th message cost about 18 us x n, so a stage handing out 2,000 batches (the BUA
pipeline at a million accounts) spent about 40 s on sends alone, growing with the square of the
batches. Here each count reads the clock once and compares every message's ``visible_at`` and
``delayed_until`` with it, as moto's own ``visible`` and ``delayed`` do: the same counts, the same
receivable messages, at about 0.2 us a message.

:func:`apply` is called when a local AWS starts; it changes nothing when moto's queue no longer has
the properties it replaces (a later moto), and a message without the two fields falls back to
moto's own property. tests/localaws/test_moto_speedups.py checks every replacement against moto's
original on queues holding visible, received (in flight) and delayed messages.
"""

from __future__ import annotations

from typing import Any

__all__ = ["apply"]

_REPLACED = ("messages", "approximate_number_of_messages", "approximate_number_of_messages_delayed",
             "approximate_number_of_messages_not_visible")
ORIGINALS: dict[str, property] = {}
"""moto's own properties, as they were before :func:`apply` (empty until then)."""


def apply() -> None:
    """Replace moto's per-message clock reads in SQS queue counts (once per process)."""
    if ORIGINALS:
        return
    try:
        from moto.sqs import models
    except ImportError:  # (an older moto without SQS models where we expect them: nothing to do)
        return
    queue = models.Queue
    found = {name: queue.__dict__.get(name) for name in _REPLACED}
    clock = getattr(models, "unix_time_millis", None)
    if clock is None or not all(isinstance(prop, property) for prop in found.values()):
        return
    ORIGINALS.update(found)  # type: ignore[arg-type]

    def receivable(self: Any) -> list[Any]:
        now = models.unix_time_millis()
        try:
            return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]
        except AttributeError:
            return ORIGINALS["messages"].fget(self)  # type: ignore[misc, no-any-return]

    def visible_count(self: Any) -> int:
        return len(self.messages)

    def delayed_count(self: Any) -> int:
        now = models.unix_time_millis()
        try:
            return sum(1 for m in self._messages if now < m.delayed_until)
        except AttributeError:
            return ORIGINALS["approximate_number_of_messages_delayed"].fget(self)  # type: ignore[misc, no-any-return]

    def not_visible_count(self: Any) -> int:
        now = models.unix_time_millis()
        try:
            return sum(1 for m in self._messages if not now > m.visible_at)
        except AttributeError:
            return ORIGINALS["approximate_number_of_messages_not_visible"].fget(self)  # type: ignore[misc, no-any-return]

    queue.messages = property(receivable, doc=found["messages"].__doc__)
    queue.approximate_number_of_messages = property(visible_count)
    queue.approximate_number_of_messages_delayed = property(delayed_count)
    queue.approximate_number_of_messages_not_visible = property(not_visible_count)

"""Cheaper ways for moto to answer what it already answers, where its cost grows with the data or
is paid again and again for nothing.

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

moto's SNS signs each notification it delivers to a queue (the envelope's ``Signature``) with an
RSA key it generates for each subscription (2048 bits: 30-100 ms), so each BUA run, whose status
topic is subscribed anew by every fresh local AWS, spent about a tenth of its CPU on one key.
Nobody can check those signatures (their ``SigningCertURL`` is not a real certificate), so every
subscription of the process now signs with one key, generated on first use.
"""

from __future__ import annotations

from typing import Any

__all__ = ["apply"]

_REPLACED = ("messages", "approximate_number_of_messages", "approximate_number_of_messages_delayed",
             "approximate_number_of_messages_not_visible")
ORIGINALS: dict[str, property] = {}
"""moto's own properties, as they were before :func:`apply` (empty until then)."""


_APPLIED: list[bool] = []
SIGNING_KEY: list[Any] = []
"""The one RSA key every SNS subscription of this process signs with (made on first use)."""


def apply() -> None:
    """Replace moto's per-message clock reads in SQS queue counts and its per-subscription SNS
    signing keys (once per process)."""
    if _APPLIED:
        return
    _APPLIED.append(True)
    _one_sns_signing_key()
    _sqs_counts_with_one_clock_read()


def _one_sns_signing_key() -> None:
    try:
        from moto.sns import models
    except ImportError:
        return
    subscription = models.Subscription
    generate = getattr(subscription.__dict__.get("private_key"), "__wrapped__", None)  # (under lru_cache)
    if generate is None or not callable(generate):
        return

    def private_key(self: Any) -> Any:
        if not SIGNING_KEY:
            SIGNING_KEY.append(generate(self))
        return SIGNING_KEY[0]

    subscription.private_key = private_key


def _sqs_counts_with_one_clock_read() -> None:
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

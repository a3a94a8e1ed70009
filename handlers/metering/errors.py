"""Errors raised by the metering handlers and the bill engine.

A handler that raises becomes a failed Lambda task named after the exception class (for example
``TariffError``), which the machines' ``Catch`` clauses route to their Fail states. Every message
names the place that is wrong (field, record number, register, date) so that a person reading the
execution history can fix the input without a Python traceback.

    MeteringError                 base of everything below
    +-- BadEvent                  the event is not shaped like the machine promised (field named)
    +-- TariffError               a tariff definition or a pricing request is wrong
    +-- UnknownAccount            the account, meter or tariff is not in the database
    +-- PaymentGatewayError       the (simulated) payment gateway failed; retrying may succeed
"""

from __future__ import annotations

__all__ = ["AlreadyBilled", "BadEvent", "MeteringError", "PaymentGatewayError", "ReferenceDataMissing", "TariffError",
           "UnknownAccount"]


class MeteringError(Exception):
    """Base class: a problem with metering data or configuration, explained in the message."""


class BadEvent(MeteringError):
    """The event lacks a field or carries one of the wrong type; the message names the field."""


class TariffError(MeteringError):
    """A tariff is malformed, missing for a day, or cannot price the usage it was given."""


class ReferenceDataMissing(MeteringError):
    """The database registers no meter at all: not a verdict on the reading (which is not recorded) but
    the wrong database, most likely (run from another directory, $ASLRUN_DB unset). The message names
    the database opened and the way to the right one."""


class UnknownAccount(MeteringError):
    """An account, meter or tariff referenced by the event does not exist in the database."""


class PaymentGatewayError(MeteringError):
    """The payment gateway did not answer or refused for a transient reason; safe to retry."""


class AlreadyBilled(MeteringError):
    """The reading's period overlaps a bill already issued for the same meter (a reading resent under
    a new reading id): billing it would charge those days twice, so it is refused, naming that bill."""

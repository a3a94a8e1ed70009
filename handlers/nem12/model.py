"""Plain values for the contents of a NEM12/NEM13 file, shared by the reader and the writer.

Energy values are :class:`~decimal.Decimal` so that what was written is what is read back (no
float noise). Days are NEM days: interval ``i`` (1-based) of ``day`` covers
``[00:00 + (i-1)L, 00:00 + iL)`` in fixed UTC+10 time, so every day has ``1440 / L`` intervals.

A quality method is the flag letter plus the method number, as the file carries it: ``"A"``,
``"E14"``, ``"S53"``, ``"F14"``, ``"N"``. ``V`` (variable) never appears per interval: a ``V`` day is
a day whose intervals have different qualities, spelt out by 400 records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from .errors import Issue

__all__ = [
    "INTERVAL_LENGTHS",
    "QUALITY_FLAGS",
    "READ_INTERVAL_LENGTHS",
    "AccumulationRead",
    "B2BDetail",
    "B2BReadDetail",
    "Channel",
    "IntervalDay",
    "NemFile",
    "intervals_per_day",
]

INTERVAL_LENGTHS = (5, 15, 30)
"""Interval lengths (minutes) the format allows, and the only ones the writer produces."""

READ_INTERVAL_LENGTHS = (5, 10, 15, 30)
"""Interval lengths the reader accepts: the format's, plus 10 minutes, which real files use for
voltage channels (a valid sample file has one)."""

QUALITY_FLAGS = ("A", "E", "F", "N", "S")
"""Per-interval quality flags: actual, estimated, final substituted, null, substituted."""


def intervals_per_day(interval_length: int) -> int:
    """How many values a 300 record holds for this interval length (48 for 30 minutes)."""
    return 1440 // interval_length


@dataclass(frozen=True, slots=True)
class Channel:
    """One data stream of a NMI, as described by a 200 record."""

    nmi: str
    suffix: str
    interval_length: int
    uom: str = "kWh"
    register_id: str = ""
    nmi_configuration: str = ""
    mdm_stream: str = ""
    meter_serial: str = ""
    next_read: date | None = None


@dataclass(frozen=True, slots=True)
class B2BDetail:
    """One 500 record: the B2B service order behind a day's reading (kept with that day)."""

    trans_code: str  # A alteration, C meter reconfiguration, G re-energisation, ... O other
    ret_service_order: str = ""
    read_at: datetime | None = None
    index_read: str = ""  # the register's index as read, text as given


@dataclass(frozen=True, slots=True)
class IntervalDay:
    """One 300 record (with its 400 and 500 records): a day of interval values for a channel.

    ``qualities[i]``, ``reasons[i]`` and ``descriptions[i]`` (the ReasonDescription, free text AEMO
    requires with reason code 0) belong to ``values[i]``; ``msats_loaded`` is the 300 record's
    MSATSLoadDateTime; ``b2b`` its 500 records; ``line`` is where the 300 record was found (0 for
    days built in memory).
    """

    channel: Channel
    day: date
    values: tuple[Decimal, ...]
    qualities: tuple[str, ...]
    reasons: tuple[str, ...] = ()
    updated: datetime | None = None
    line: int = 0
    descriptions: tuple[str, ...] = ()
    msats_loaded: datetime | None = None
    b2b: tuple[B2BDetail, ...] = ()

    @property
    def total(self) -> Decimal:
        """The day's energy: the sum of its interval values."""
        return sum(self.values, Decimal(0))

    @property
    def estimated_intervals(self) -> int:
        """Intervals that are not actual readings (quality E, S, F or N)."""
        return sum(1 for q in self.qualities if not q.startswith("A"))


@dataclass(frozen=True, slots=True)
class B2BReadDetail:
    """One NEM13 550 record: the B2B service orders behind a basic read pair (kept with its read)."""

    previous_trans_code: str = ""
    previous_ret_service_order: str = ""
    current_trans_code: str = ""
    current_ret_service_order: str = ""


@dataclass(frozen=True, slots=True)
class AccumulationRead:
    """One NEM13 250 record: a basic (accumulation) register read pair and the energy between.

    The reason codes and descriptions of each read, the UpdateDateTime, the MSATSLoadDateTime and
    the 550 records are kept as read, so the file can be written back with nothing lost.
    """

    nmi: str
    suffix: str
    register_id: str
    meter_serial: str
    direction: str
    previous_value: Decimal
    previous_at: datetime | None
    previous_quality: str
    current_value: Decimal
    current_at: datetime | None
    current_quality: str
    quantity: Decimal
    uom: str
    nmi_configuration: str = ""
    mdm_stream: str = ""
    next_read: date | None = None
    line: int = 0
    previous_reason: str = ""
    previous_description: str = ""
    current_reason: str = ""
    current_description: str = ""
    updated: datetime | None = None
    msats_loaded: datetime | None = None
    b2b: tuple[B2BReadDetail, ...] = ()


@dataclass(frozen=True, slots=True)
class NemFile:
    """Everything read from one file, plus what lenient reading skipped or repaired."""

    version: str
    created: datetime | None
    from_participant: str
    to_participant: str
    days: tuple[IntervalDay, ...] = ()
    reads: tuple[AccumulationRead, ...] = ()
    issues: tuple[Issue, ...] = field(default=())
    header_assumed: bool = False

    @property
    def nmis(self) -> list[str]:
        """The NMIs in the file, sorted."""
        found = {d.channel.nmi for d in self.days} | {r.nmi for r in self.reads}
        return sorted(found)

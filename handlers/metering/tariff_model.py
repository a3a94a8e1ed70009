"""The tariff model: what a retail energy plan charges, and from which day.

A :class:`Tariff` is one version of a plan, in force from ``effective_from`` until the next version
in its :class:`TariffSchedule` starts. Rates are Decimal cents (c/day for supply, c/unit for energy,
the unit being kWh for electricity and MJ for gas). Usage is priced one of three ways:

- :class:`FlatUsage`: one rate for all general usage (E1).
- :class:`BlockUsage`: stepped rates; block thresholds are stated for ``thresholdDays`` days (1 for
  "per day", 91 for "per quarter") and pro-rated to the days actually billed.
- :class:`TimeOfUseUsage`: bands (peak, shoulder, off-peak...) chosen by the LOCAL time an interval
  starts in the tariff's ``timezone`` (Australia/Sydney by default, daylight saving included); the
  single band without windows takes every interval no window claims. Holidays count as weekend days.

Controlled load (E2) has its own rate and optional supply charge; feed-in (B1) is a GST-free credit.

The JSON form uses camelCase (``supplyCentsPerDay``, ``effectiveFrom``...) and is what the database
and fixtures store; :meth:`Tariff.from_json` turns a malformed definition into a
:class:`TariffError` naming the field (``usage.blocks[1].centsPerUnit: ...``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel

from handlers.metering.errors import TariffError
from handlers.metering.periods import NEM_TZ

__all__ = [
    "Block",
    "BlockUsage",
    "ControlledLoad",
    "FeedIn",
    "FlatUsage",
    "Tariff",
    "TariffSchedule",
    "TimeOfUseUsage",
    "TouBand",
    "TouWindow",
    "local_start",
]

NonNegative = Annotated[Decimal, Field(ge=0)]


class _Model(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True
    )


def _minutes(text: str, *, allow_24: bool) -> int:
    """``"HH:MM"`` as minutes after midnight (``"24:00"`` only where an end is meant)."""
    try:
        hours_text, minutes_text = text.split(":")
        hours, minutes = int(hours_text), int(minutes_text)
    except ValueError:
        raise ValueError(f"expected HH:MM, got {text!r}") from None
    total = hours * 60 + minutes
    limit = 24 * 60 if allow_24 else 24 * 60 - 1
    if not (0 <= minutes < 60 and 0 <= total <= limit):
        raise ValueError(f"expected a time of day HH:MM, got {text!r}")
    return total


class TouWindow(_Model):
    """A daily window ``[start, end)`` in local time; an ``end`` before ``start`` wraps midnight."""

    start: str
    end: str
    days: Literal["ALL", "WEEKDAYS", "WEEKENDS"] = "ALL"
    months: tuple[Annotated[int, Field(ge=1, le=12)], ...] = ()

    @field_validator("start")
    @classmethod
    def _check_start(cls, value: str) -> str:
        _minutes(value, allow_24=False)
        return value

    @field_validator("end")
    @classmethod
    def _check_end(cls, value: str) -> str:
        _minutes(value, allow_24=True)
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> TouWindow:
        if _minutes(self.start, allow_24=False) == _minutes(self.end, allow_24=True) % (24 * 60):
            raise ValueError(f"window {self.start}-{self.end} is empty or covers the whole day")
        return self

    def contains(self, local: datetime, *, weekend: bool) -> bool:
        """Whether an interval starting at ``local`` (wall-clock time) falls in this window."""
        if self.months and local.month not in self.months:
            return False
        if self.days == "WEEKDAYS" and weekend or self.days == "WEEKENDS" and not weekend:
            return False
        minute = local.hour * 60 + local.minute
        start, end = _minutes(self.start, allow_24=False), _minutes(self.end, allow_24=True)
        if start < end:
            return start <= minute < end
        return minute >= start or minute < end


class TouBand(_Model):
    """One time-of-use band: its rate and the windows it applies in (none: the default band)."""

    name: Annotated[str, Field(min_length=1)]
    cents_per_unit: NonNegative
    windows: tuple[TouWindow, ...] = ()


class FlatUsage(_Model):
    """A single rate for all general usage."""

    kind: Literal["FLAT"] = "FLAT"
    cents_per_unit: NonNegative


class Block(_Model):
    """A usage step: energy up to ``upTo`` (cumulative, per ``thresholdDays``) at this rate."""

    up_to: Annotated[Decimal, Field(gt=0)] | None = None
    cents_per_unit: NonNegative


class BlockUsage(_Model):
    """Stepped rates; the last block is open-ended (``upTo`` null)."""

    kind: Literal["BLOCK"] = "BLOCK"
    threshold_days: Annotated[int, Field(gt=0)] = 1
    blocks: Annotated[tuple[Block, ...], Field(min_length=1)]

    @model_validator(mode="after")
    def _ordered(self) -> BlockUsage:
        *bounded, last = self.blocks
        if last.up_to is not None:
            raise ValueError("the last block must be open-ended (upTo: null)")
        previous = Decimal(0)
        for index, block in enumerate(bounded):
            if block.up_to is None:
                raise ValueError(f"blocks[{index}] has no upTo; only the last block may be open")
            if block.up_to <= previous:
                raise ValueError(f"blocks[{index}].upTo must exceed the previous threshold")
            previous = block.up_to
        return self


class TimeOfUseUsage(_Model):
    """Rates by local time of day; exactly one band has no windows and takes the rest."""

    kind: Literal["TOU"] = "TOU"
    bands: Annotated[tuple[TouBand, ...], Field(min_length=1)]
    holidays: tuple[date, ...] = ()

    @model_validator(mode="after")
    def _one_default(self) -> TimeOfUseUsage:
        names = [band.name for band in self.bands]
        if len(set(names)) != len(names):
            raise ValueError(f"band names must be unique, got {names}")
        defaults = [band.name for band in self.bands if not band.windows]
        if len(defaults) != 1:
            raise ValueError(f"exactly one band must have no windows (the default), got {defaults}")
        return self

    def band_for(self, local: datetime) -> TouBand:
        """The band of an interval starting at wall-clock ``local``: the first window match wins."""
        weekend = local.weekday() >= 5 or local.date() in self.holidays
        default = None
        for band in self.bands:
            if not band.windows:
                default = band
            elif any(window.contains(local, weekend=weekend) for window in band.windows):
                return band
        assert default is not None  # guaranteed by _one_default
        return default


class ControlledLoad(_Model):
    """Controlled load (E2, e.g. off-peak hot water): its own rate and optional supply charge."""

    cents_per_unit: NonNegative
    supply_cents_per_day: NonNegative = Decimal(0)


class FeedIn(_Model):
    """Solar export (B1): a credit per unit exported, GST-free."""

    cents_per_unit: NonNegative


class Tariff(_Model):
    """One version of a plan, in force from ``effective_from`` (inclusive)."""

    code: Annotated[str, Field(min_length=1)]
    effective_from: date
    unit: Literal["kWh", "MJ"] = "kWh"
    timezone: str = "Australia/Sydney"
    supply_cents_per_day: NonNegative
    usage: Annotated[FlatUsage | BlockUsage | TimeOfUseUsage, Field(discriminator="kind")]
    controlled_load: ControlledLoad | None = None
    feed_in: FeedIn | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The tariff's local time zone, where time-of-use windows are read (zoneinfo caches it)."""
        return ZoneInfo(self.timezone)

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, where: str = "tariff") -> Tariff:
        """Build from the camelCase JSON form; a bad field raises :class:`TariffError` naming it."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise TariffError(_describe(exc, where)) from None

    def to_json(self) -> dict[str, Any]:
        """The camelCase JSON form (Decimals as strings), as stored in the database."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def _describe(exc: ValidationError, where: str) -> str:
    problems = []
    for error in exc.errors():
        location = "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"]
        )
        problems.append(f"{where}{location}: {error['msg']}")
    return "; ".join(problems)


class TariffSchedule:
    """The versions of an account's tariff over time; each runs until the next one starts."""

    def __init__(self, versions: Sequence[Tariff]) -> None:
        if not versions:
            raise TariffError("a tariff schedule needs at least one tariff version")
        ordered = sorted(versions, key=lambda tariff: tariff.effective_from)
        for earlier, later in zip(ordered, ordered[1:]):
            if earlier.effective_from == later.effective_from:
                raise TariffError(
                    f"two tariff versions start on {later.effective_from.isoformat()} "
                    f"({earlier.code} and {later.code})"
                )
        self.versions: tuple[Tariff, ...] = tuple(ordered)

    @classmethod
    def of(cls, tariffs: TariffSchedule | Tariff | Sequence[Tariff]) -> TariffSchedule:
        """Accept a schedule, a single tariff or a list of versions."""
        if isinstance(tariffs, TariffSchedule):
            return tariffs
        if isinstance(tariffs, Tariff):
            return cls([tariffs])
        return cls(list(tariffs))

    @classmethod
    def from_json(cls, items: Sequence[Mapping[str, Any]]) -> TariffSchedule:
        """A schedule from a list of JSON tariff versions."""
        return cls([Tariff.from_json(item, where=f"tariffs[{i}]") for i, item in enumerate(items)])

    def tariff_on(self, day: date) -> Tariff:
        """The version in force on ``day``; :class:`TariffError` before the first one starts."""
        current = None
        for tariff in self.versions:
            if tariff.effective_from <= day:
                current = tariff
            else:
                break
        if current is None:
            raise TariffError(
                f"no tariff in force on {day.isoformat()}: the first version "
                f"({self.versions[0].code}) starts on {self.versions[0].effective_from.isoformat()}"
            )
        return current

    def segments(self, start: date, end: date) -> list[tuple[date, date, Tariff]]:
        """``[start, end)`` cut wherever a new version starts: ``(seg_start, seg_end, tariff)``."""
        if end <= start:
            raise TariffError(f"empty period {start.isoformat()} to {end.isoformat()}")
        cuts = [t.effective_from for t in self.versions if start < t.effective_from < end]
        edges = [start, *cuts, end]
        return [(left, right, self.tariff_on(left)) for left, right in zip(edges, edges[1:])]


def local_start(nem_day: date, slot: int, interval_minutes: int, zone: ZoneInfo) -> datetime:
    """Wall-clock start, in ``zone``, of interval ``slot`` (0-based) of a NEM (UTC+10) day."""
    nem_start = datetime(nem_day.year, nem_day.month, nem_day.day, tzinfo=NEM_TZ)
    return (nem_start + timedelta(minutes=slot * interval_minutes)).astimezone(zone)

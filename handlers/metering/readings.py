"""The meter-reading event: its fields, and parsing it into a :class:`Reading` with field errors.

A reading event (the input of both machines, one Map item of the bulk machine) looks like::

    {"readingId": "RD-2024-10-14-0001", "meterId": "MTR-1001", "accountId": "ACC-1001",
     "nmi": "4103035611", "readingType": "INTERVAL", "unit": "kWh",
     "readAt": "2024-10-14T00:05:00+10:00",
     "periodStart": "2024-09-12", "periodEnd": "2024-10-14",      # optional, [start, end)
     "intervalLength": 30,
     "intervals": {"E1": [{"date": "2024-09-12", "values": [0.21, ...48], "quality": "A"}, ...],
                   "B1": [...]},                                   # optional E2 / B1 channels
     "events": ["TAMPER"]}                                         # optional meter alarms

or, for a basic (accumulation) meter::

    {..., "readingType": "ACCUMULATION", "unit": "kWh",
     "previousReadAt": "2024-09-12T09:30:00+10:00", "readAt": "2024-10-14T10:00:00+10:00",
     "registers": [{"suffix": "E1", "previousRead": 45012.3, "currentRead": 45512.8}]}

``previousRead``/``previousReadAt`` may be left out: the register's last accepted value in the
database is used. Units: kWh, Wh, MWh for electricity; m3 or MJ for gas. Numbers may be JSON
numbers or numeric strings. ``readingId`` is the message id of the head-end system: the pipeline
is idempotent per reading id. Machine results the state accumulates (``validation``, ``usage``...)
are ignored here.
"""

from __future__ import annotations

import itertools
import marshal
import math
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from handlers.metering import fingerprint
from handlers.metering.errors import BadEvent
from handlers.metering.milli import MilliValues, milli_channel, sound_floats
from handlers.metering.money import as_decimal
from handlers.metering.periods import parse_date, parse_timestamp
from handlers.metering.sorted_json import has_negative_zero

__all__ = [
    "READING_FIELDS",
    "Issue",
    "IntervalDay",
    "Reading",
    "RegisterRead",
    "alarm_flags",
    "content_hash",
    "parse_reading",
    "require_reading",
    "same_content",
]

READING_FIELDS = (
    "readingId",
    "meterId",
    "accountId",
    "nmi",
    "readingType",
    "unit",
    "readAt",
    "previousReadAt",
    "periodStart",
    "periodEnd",
    "intervalLength",
    "intervals",
    "registers",
    "events",
    "heatingValue",
    "pressureFactor",
)
ELECTRIC_UNITS = {"kWh": Decimal(1), "Wh": Decimal("0.001"), "MWh": Decimal(1000)}
GAS_UNITS = ("m3", "MJ")
CHANNELS = ("E1", "E2", "B1")
REASON_FLAGS = {61: "TAMPER", 39: "REVERSE_ENERGY"}  # NEM12 reason codes: tampered, reverse energy


@dataclass(frozen=True)
class Issue:
    """One validation problem: a stable ``code``, the ``field`` path, and a readable message."""

    code: str
    field: str
    message: str

    def to_json(self) -> dict[str, str]:
        """The ``{"code", "field", "message"}`` shape of the validation result."""
        return {"code": self.code, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class IntervalDay:
    """One NEM day of interval values (in the reading's unit), as a NEM12 300 record carries."""

    day: date
    #: a tuple of Decimals, or (from a parse, for values of three decimals at most) a
    #: :class:`~handlers.metering.milli.MilliValues` equal to it
    values: Sequence[Decimal]
    quality: str = "A"
    reason_code: int | None = None
    #: the day's highest value when the parse found it (from the floats, in C); see :attr:`highest`
    known_highest: Decimal | None = field(default=None, compare=False, repr=False)

    @property
    def highest(self) -> Decimal | None:
        """The day's highest value (None for a day without values)."""
        if self.known_highest is not None:
            return self.known_highest
        return max(self.values) if self.values else None


@dataclass(frozen=True)
class RegisterRead:
    """A cumulative register: the current index and, if the event gave it, the previous one."""

    suffix: str
    current: Decimal
    previous: Decimal | None = None


@dataclass(frozen=True)
class Reading:
    """A parsed reading event (see the module docstring for the JSON form)."""

    reading_id: str
    meter_id: str
    account_id: str
    nmi: str
    reading_type: str
    unit: str
    read_at: datetime
    previous_read_at: datetime | None = None
    period_start: date | None = None
    period_end: date | None = None
    interval_minutes: int | None = None
    intervals: Mapping[str, tuple[IntervalDay, ...]] = field(default_factory=dict)
    registers: Mapping[str, RegisterRead] = field(default_factory=dict)
    events: tuple[str, ...] = ()
    heating_value: Decimal | None = None
    pressure_factor: Decimal | None = None

    @property
    def is_interval(self) -> bool:
        """True for interval (smart) reads, False for accumulation (basic) reads."""
        return self.reading_type == "INTERVAL"


def content_hash(event: Mapping[str, Any]) -> str:
    """A fingerprint of the reading's own fields, to tell a retry from a conflicting resend
    (:mod:`handlers.metering.fingerprint`)."""
    return fingerprint.content_hash(event, READING_FIELDS)


def same_content(stored: str, event: Mapping[str, Any], fingerprint_of_event: str) -> bool:
    """Whether ``event`` (its :func:`content_hash` given) has the content of the reading stored with
    the fingerprint ``stored``, whichever kind of fingerprint each is."""
    return fingerprint.same_content(stored, event, READING_FIELDS, fingerprint_of_event)


def alarm_flags(event: Mapping[str, Any]) -> set[str]:
    """Alarms the meter reported with this reading: its ``events`` list plus the NEM12 reason
    codes of its interval days (61 tampered -> TAMPER, 39 reverse energy -> REVERSE_ENERGY).

    Lenient on purpose: it reads whatever is well-formed, so status checks work on any event.
    """
    flags = {e for e in event.get("events") or [] if isinstance(e, str)}
    intervals = event.get("intervals")
    if isinstance(intervals, Mapping):
        for rows in intervals.values():
            for row in rows if isinstance(rows, list) else []:
                code = row.get("reasonCode") if isinstance(row, Mapping) else None
                if code in REASON_FLAGS:
                    flags.add(REASON_FLAGS[code])
    return flags


class _Parser:
    """Collects every problem instead of stopping at the first, so one pass reports them all."""

    def __init__(self, event: Mapping[str, Any]) -> None:
        self.event = event
        self.issues: list[Issue] = []

    def problem(self, code: str, where: str, message: str) -> None:
        self.issues.append(Issue(code, where, message))

    def text(self, name: str, *, required: bool = True) -> str | None:
        value = self.event.get(name)
        if value is None or value == "":
            if required:
                self.problem("MISSING_FIELD", name, f"{name} is required")
            return None
        if not isinstance(value, str):
            self.problem("INVALID_FIELD", name, f"{name} must be a string, got {value!r}")
            return None
        return value

    def timestamp(self, name: str, *, required: bool = True) -> datetime | None:
        if self.event.get(name) in (None, ""):
            if required:
                self.problem("MISSING_FIELD", name, f"{name} is required")
            return None
        try:
            return parse_timestamp(self.event[name], name)
        except ValueError as exc:
            self.problem("INVALID_TIMESTAMP", name, str(exc))
            return None

    def day(self, name: str, value: object) -> date | None:
        try:
            return parse_date(value, name)
        except ValueError as exc:
            self.problem("INVALID_FIELD", name, str(exc))
            return None

    def amount(self, where: str, value: object, *, required: bool = True) -> Decimal | None:
        if value is None:
            if required:
                self.problem("MISSING_FIELD", where, f"{where} is required")
            return None
        try:
            number = as_decimal(value, where)
        except ValueError as exc:
            self.problem("INVALID_READING_VALUE", where, str(exc))
            return None
        if number < 0:
            self.problem(
                "INVALID_READING_VALUE", where, f"{where}: must not be negative, got {number}"
            )
            return None
        return number


def _intervals(p: _Parser) -> tuple[int | None, dict[str, tuple[IntervalDay, ...]]]:
    length = p.event.get("intervalLength")
    if length is None:
        p.problem(
            "MISSING_FIELD", "intervalLength", "intervalLength is required for INTERVAL reads"
        )
    elif isinstance(length, bool) or length not in (5, 15, 30):
        p.problem(
            "INVALID_FIELD", "intervalLength", f"intervalLength must be 5, 15 or 30, got {length!r}"
        )
        length = None
    raw = p.event.get("intervals")
    if not isinstance(raw, Mapping) or "E1" not in raw:
        code = "MISSING_FIELD" if raw is None else "INVALID_FIELD"
        p.problem(code, "intervals", "intervals must be an object with at least an E1 channel")
        return length, {}
    channels: dict[str, tuple[IntervalDay, ...]] = {}
    for suffix, rows in raw.items():
        where = f"intervals.{suffix}"
        if suffix not in CHANNELS:
            p.problem("INVALID_FIELD", where, f"unknown channel {suffix!r} (expected E1, E2 or B1)")
            continue
        if not isinstance(rows, list) or not rows:
            p.problem("INVALID_FIELD", where, f"{where} must be a non-empty list of days")
            continue
        days = _sound_channel(rows, length)
        if days is None:  # something to report: day by day, naming each problem's place
            days = []
            for index, row in enumerate(rows):
                parsed = _interval_day(p, f"{where}[{index}]", row, length)
                if parsed is not None:
                    days.append(parsed)
        channels[suffix] = tuple(days)
    return length, channels


def _sound_channel(rows: list[Any], length: int | None) -> list[IntervalDay] | None:
    """A channel's days when every one is sound (a date, ``1440 / length`` plain floats, all finite
    and >= 0, no ``-0.0``), its values checked and converted all at once (per day, the checks' own
    cost was a third of the parse); None when anything needs :func:`_interval_day`'s closer look,
    which then finds and names it. The same days :func:`_interval_day` gives a sound row; their
    values are :class:`~handlers.metering.milli.MilliValues` when each has three decimals at most
    (as meters send them), else tuples of Decimals."""
    if length is None:
        return None
    count = 1440 // length
    lists: list[Any] = [row.get("values") if type(row) is dict else None for row in rows]
    if not all(type(values) is list and len(values) == count for values in lists):
        return None
    flat = list(itertools.chain.from_iterable(lists))
    if not _FLOAT_ONLY.issuperset(map(type, flat)):
        return None
    floats = sound_floats(flat)
    if floats is None:
        return None
    dates = []
    for row in rows:
        try:
            dates.append(parse_date(row.get("date"), "date"))
        except ValueError:
            return None
    channel = milli_channel(floats, len(rows))
    if channel is not None:
        values: list[Any] = [MilliValues(channel, index) for index in range(len(rows))]
        highest = channel.highest()
    else:
        numbers = list(map(_DECIMALS.__getitem__, flat))
        values = [tuple(numbers[index * count:(index + 1) * count]) for index in range(len(rows))]
        highest = [_DECIMALS[max(day)] for day in lists]  # (float -> Decimal keeps the order)
    days = []
    for index, row in enumerate(rows):
        reason = row.get("reasonCode")
        days.append(IntervalDay(
            dates[index],
            values[index],
            str(row.get("quality", "A")),
            reason if isinstance(reason, int) and not isinstance(reason, bool) else None,
            highest[index],
        ))
    return days


_FLOAT_ONLY = frozenset({float})


class _DecimalOfFloat(dict):  # type: ignore[type-arg]
    """float -> ``Decimal(repr(value))``, the exact decimal a JSON number's text names, kept for the
    values met so far: a fleet's interval values repeat (a few thousand distinct ones to three
    decimals), and a lookup costs a tenth of a conversion. ``-0.0`` is never kept and never
    looked up (:func:`_interval_day` converts a day holding one value by value): it equals ``0.0``
    as a key, yet its Decimal has a sign. Past ``LIMIT`` entries new values are converted
    without being kept, so memory stays bounded."""

    LIMIT = 200_000

    def __missing__(self, value: float) -> Decimal:
        number = Decimal(repr(value))
        if len(self) < self.LIMIT and not number.is_signed():
            self[value] = number
        return number


_DECIMALS = _DecimalOfFloat()


def _interval_day(p: _Parser, where: str, row: object, length: int | None) -> IntervalDay | None:
    if not isinstance(row, Mapping):
        p.problem("INVALID_FIELD", where, f"{where} must be an object with date and values")
        return None
    day = p.day(f"{where}.date", row.get("date"))
    values = row.get("values")
    if not isinstance(values, list):
        p.problem(
            "MISSING_FIELD" if values is None else "INVALID_FIELD",
            f"{where}.values",
            f"{where}.values must be a list of numbers",
        )
        return None
    if length is not None and len(values) != 1440 // length:
        p.problem(
            "INVALID_INTERVAL_COUNT",
            f"{where}.values",
            f"{where}: expected {1440 // length} values of {length} min, got {len(values)}",
        )
    numbers: list[Decimal | None]
    if (_FLOAT_ONLY.issuperset(map(type, values)) and values and not any(map(math.isnan, values))
            and min(values) >= 0 and max(values) < math.inf):  # plain JSON numbers (checked in C)
        if has_negative_zero(values):  # see _DecimalOfFloat
            numbers = [Decimal(repr(value)) for value in values]
        else:
            numbers = list(map(_DECIMALS.__getitem__, values))
        complete = True
    else:  # the location string is only built where it may be needed
        numbers = [Decimal(repr(value)) if type(value) is float and 0 <= value < math.inf
                   else p.amount(f"{where}.values[{i}]", value) for i, value in enumerate(values)]
        complete = not any(n is None for n in numbers)
    reason = row.get("reasonCode")
    if day is None or not complete:
        return None
    return IntervalDay(
        day,
        tuple(numbers),  # type: ignore[arg-type]
        str(row.get("quality", "A")),
        reason if isinstance(reason, int) and not isinstance(reason, bool) else None,
    )


def _registers(p: _Parser) -> dict[str, RegisterRead]:
    raw = p.event.get("registers")
    if not isinstance(raw, list) or not raw:
        code = "MISSING_FIELD" if raw is None else "INVALID_FIELD"
        p.problem(code, "registers", "registers must be a non-empty list for ACCUMULATION reads")
        return {}
    registers: dict[str, RegisterRead] = {}
    for index, item in enumerate(raw):
        where = f"registers[{index}]"
        if not isinstance(item, Mapping):
            p.problem("INVALID_FIELD", where, f"{where} must be an object")
            continue
        suffix = item.get("suffix")
        if suffix not in CHANNELS:
            p.problem(
                "INVALID_FIELD", f"{where}.suffix", f"suffix must be E1, E2 or B1, got {suffix!r}"
            )
            continue
        if suffix in registers:
            p.problem("INVALID_FIELD", f"{where}.suffix", f"register {suffix} appears twice")
            continue
        current = p.amount(f"{where}.currentRead", item.get("currentRead"))
        previous = p.amount(f"{where}.previousRead", item.get("previousRead"), required=False)
        if current is not None:
            registers[suffix] = RegisterRead(suffix, current, previous)
    if raw and "E1" not in registers and not any(i.field.startswith("registers") for i in p.issues):
        p.problem("MISSING_FIELD", "registers", "an E1 register is required")
    return registers


def parse_reading(event: object) -> tuple[Reading | None, list[Issue]]:
    """The reading, or None, and every problem found in its fields (no database needed).

    Each of a pipeline's handlers parses the same reading again (validation, usage, anomaly,
    bill: four times a month of interval values); the last few parses are kept, keyed by the exact
    bytes of the reading's own fields (``marshal`` tells 1 from 1.0 from True and 0.0 from -0.0),
    so the later handlers get the first parse. A :class:`Reading` is immutable and holds none of
    the event's containers (its days and events are tuples of their own), so sharing it is safe;
    an event that is not plain JSON is parsed every time."""
    key = _parse_key(event)
    if key is None:
        return _parse_reading(event)
    with _parses_lock:
        kept = _parses.get(key)
        if kept is not None:
            _parses.move_to_end(key)
    if kept is None:
        # (the event itself: its fields are the key's, and reading them back from the key cost a
        # fifth of the parse)
        reading, found = _parse_reading(event)
        kept = reading, tuple(found)
        with _parses_lock:
            _parses[key] = kept
            while len(_parses) > _PARSES_KEPT:
                _parses.popitem(last=False)
    return kept[0], list(kept[1])


#: the last few parses: the marshal bytes of a reading's own fields -> (its Reading or None, its issues)
_parses: OrderedDict[bytes, tuple[Reading | None, tuple[Issue, ...]]] = OrderedDict()
_parses_lock = threading.Lock()
_PARSES_KEPT = 16


def _parse_key(event: object) -> bytes | None:
    if type(event) is not dict:
        return None
    try:
        return marshal.dumps([(name, event[name]) for name in READING_FIELDS if name in event], 2)
    except ValueError:  # a value marshal cannot write: not plain JSON
        return None


def _parse_reading(event: object) -> tuple[Reading | None, list[Issue]]:
    if not isinstance(event, Mapping):
        return None, [
            Issue(
                "INVALID_FIELD",
                "$",
                f"the reading must be a JSON object, got {type(event).__name__}",
            )
        ]
    p = _Parser(event)
    ids = {name: p.text(name) for name in ("readingId", "meterId", "accountId", "nmi")}
    if ids["nmi"] is not None and not (len(ids["nmi"]) == 10 and ids["nmi"].isalnum()):
        p.problem("INVALID_FIELD", "nmi", f"nmi must be 10 letters or digits, got {ids['nmi']!r}")
    reading_type = p.text("readingType")
    if reading_type is not None and reading_type not in ("INTERVAL", "ACCUMULATION"):
        p.problem(
            "INVALID_FIELD",
            "readingType",
            f"readingType must be INTERVAL or ACCUMULATION, got {reading_type!r}",
        )
        reading_type = None
    unit = p.text("unit")
    if unit is not None and unit not in (*ELECTRIC_UNITS, *GAS_UNITS):
        p.problem(
            "INVALID_FIELD", "unit", f"unit must be one of kWh, Wh, MWh, m3, MJ, got {unit!r}"
        )
    read_at = p.timestamp("readAt")
    previous_read_at = p.timestamp("previousReadAt", required=False)
    period_start = p.day("periodStart", event["periodStart"]) if event.get("periodStart") else None
    period_end = p.day("periodEnd", event["periodEnd"]) if event.get("periodEnd") else None
    events = event.get("events", [])
    if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
        p.problem("INVALID_FIELD", "events", "events must be a list of strings")
        events = []
    gas = {
        name: p.amount(name, event.get(name), required=False)
        for name in ("heatingValue", "pressureFactor")
    }
    length: int | None = None
    intervals: dict[str, tuple[IntervalDay, ...]] = {}
    registers: dict[str, RegisterRead] = {}
    if reading_type == "INTERVAL":
        length, intervals = _intervals(p)
    elif reading_type == "ACCUMULATION":
        registers = _registers(p)
    if p.issues:
        return None, p.issues
    reading_id, meter_id, account_id, nmi = (
        ids[k] for k in ("readingId", "meterId", "accountId", "nmi")
    )
    assert reading_id and meter_id and account_id and nmi and reading_type and unit and read_at
    return Reading(
        reading_id=reading_id,
        meter_id=meter_id,
        account_id=account_id,
        nmi=nmi,
        reading_type=reading_type,
        unit=unit,
        read_at=read_at,
        previous_read_at=previous_read_at,
        period_start=period_start,
        period_end=period_end,
        interval_minutes=length,
        intervals=intervals,
        registers=registers,
        events=tuple(events),
        heating_value=gas["heatingValue"],
        pressure_factor=gas["pressureFactor"],
    ), []


def require_reading(event: object) -> Reading:
    """The reading for handlers that run after validation: any problem is a :class:`BadEvent`."""
    reading, issues = parse_reading(event)
    if reading is None:
        listed = "; ".join(f"{i.field}: {i.message}" for i in issues[:5])
        more = f" (and {len(issues) - 5} more)" if len(issues) > 5 else ""
        raise BadEvent(f"the reading is not valid: {listed}{more}")
    return reading

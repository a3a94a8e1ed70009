"""Record-level checks of a NEM12/NEM13 file before ``nemreader`` parses it.

``nemreader`` is a forgiving parser: it logs and skips short 300 records, lets a 400 record land on
the wrong day, and raises a bare ``ValueError`` for others. This pass walks the CSV records once,
with their line numbers, and decides for each one: keep it (normalised to the full field count
``nemreader`` expects), or reject the file (strict mode, or a fatal defect in any mode), or skip it
and record an :class:`~handlers.nem12.errors.Issue` (lenient mode). What is kept is a clean record
stream that ``nemreader`` parses without surprises.

Fatal in every mode: an empty file, a missing 100 header (unless the caller allows NEM12 to be
assumed), an unknown version, a 300 or 400 record whose interval count belongs to another interval
length than its 200 record declares, and a file with no complete data at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from .errors import Issue, NemFormatError
from .model import READ_INTERVAL_LENGTHS, Channel, intervals_per_day

__all__ = ["Scan", "scan_records"]

QUALITY_RE = re.compile(r"^[AEFNSV]\d{0,2}$")
_DATE_FORMATS = {8: "%Y%m%d", 12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}
_DAY_COUNTS = {1440 // length for length in READ_INTERVAL_LENGTHS}  # values in a day, per length
_NEM13_FIELDS = 23  # 250 record: RecordIndicator .. MSATSLoadDateTime
_NEM13_REQUIRED = 22  # MSATSLoadDateTime may be left out


def parse_nem_datetime(text: str) -> datetime | None:
    """A Date8 / DateTime12 / DateTime14 field (surrounding spaces allowed); None when blank."""
    text = text.strip()
    if not text:
        return None
    fmt = _DATE_FORMATS.get(len(text))
    if fmt is None or not text.isdigit():
        raise ValueError(f"{text!r} is not a date/time (CCYYMMDD[hhmm[ss]])")
    return datetime.strptime(text, fmt)


def _parse_value(text: str) -> Decimal:
    value = Decimal(text.strip())
    if not value.is_finite():
        raise InvalidOperation
    return value


@dataclass
class _Day:
    """A 300 record being collected with the 400 records that follow it."""

    key: tuple[str, str, date]
    channel: Channel
    channel_line: int
    line: int
    rows: list[list[str]]
    variable: bool
    ranges: list[tuple[int, int, int]] = field(default_factory=list)  # (start, end, line)
    updated: datetime | None = None


@dataclass
class Scan:
    """The outcome: header facts, clean records for ``nemreader``, and where each came from."""

    source: str
    strict: bool
    version: str = ""
    created: datetime | None = None
    from_participant: str = ""
    to_participant: str = ""
    header_assumed: bool = False
    days: dict[tuple[str, str, date], _Day] = field(default_factory=dict)
    reads: list[tuple[int, list[str]]] = field(default_factory=list)
    read_b2b: dict[int, list[list[str]]] = field(default_factory=dict)  # index in reads -> its 550 records
    issues: list[Issue] = field(default_factory=list)

    def problem(self, line: int, message: str, *, fatal: bool = False) -> None:
        """Reject the file (strict or fatal) or note the issue and carry on (lenient)."""
        if self.strict or fatal:
            raise NemFormatError(message, source=self.source, line=line)
        self.issues.append(Issue(line, message))

    def nemreader_rows(self) -> list[list[str]]:
        """The kept records in file order, each day preceded by its 200 record, ending with 900."""
        rows: list[list[str]] = []
        if self.version == "NEM13":
            for _, row in self.reads:
                rows.append(row)
        else:
            for day in self.days.values():
                rows.extend(day.rows)
        rows.append(["900"])
        return rows


def _strip(row: list[str]) -> list[str]:
    """The record's fields without surrounding spaces (trailing padding fields are kept: they
    are harmless, and trimming them would hide a record that really is short)."""
    return [f.strip() for f in row]


def scan_records(records: list[tuple[int, list[str]]], *, source: str, strict: bool,
                 assume_nem12: bool) -> Scan:
    """Check every record; see the module docstring for what is kept, skipped or rejected."""
    scan = Scan(source=source, strict=strict)
    records = [(n, _strip(r)) for n, r in records if any(f.strip() for f in r)]
    if not records:
        raise NemFormatError("the file is empty (no records)", source=source)
    first_line, first = records[0]
    if first[0] == "100":
        _read_header(scan, first_line, first)
        records = records[1:]
    elif assume_nem12 and not strict:
        scan.version, scan.header_assumed = "NEM12", True
        scan.issues.append(Issue(first_line, "no 100 header record; NEM12 assumed"))
    else:
        raise NemFormatError(f"expected a 100 header record first, found a {first[0]!r} record "
                             "(missing header)", source=source, line=first_line)
    walker = _Nem13Walker(scan) if scan.version == "NEM13" else _Nem12Walker(scan)
    walker.walk(records)
    if not scan.days and not scan.reads:
        kept = "no complete data records" if scan.issues else "no data records (only header/end)"
        raise NemFormatError(f"{kept}; nothing to read", source=source)
    return scan


def _read_header(scan: Scan, line: int, row: list[str]) -> None:
    version = row[1].upper() if len(row) > 1 else ""
    if version not in ("NEM12", "NEM13"):
        raise NemFormatError(f"unknown version {version or '(blank)'!r} in the 100 record; "
                             "expected NEM12 or NEM13", source=scan.source, line=line)
    scan.version = version
    try:
        scan.created = parse_nem_datetime(row[2]) if len(row) > 2 else None
    except ValueError as exc:
        scan.problem(line, f"100 record DateTime: {exc}")
    scan.from_participant = row[3] if len(row) > 3 else ""
    scan.to_participant = row[4] if len(row) > 4 else ""


class _Walker:
    """Shared record loop: end-of-data handling and unknown record types."""

    handled: tuple[str, ...] = ()

    def __init__(self, scan: Scan) -> None:
        self.scan = scan
        self.ended_at = 0

    def walk(self, records: list[tuple[int, list[str]]]) -> None:
        for line, row in records:
            kind = row[0]
            if kind == "900":
                self.close()
                self.ended_at = self.ended_at or line
                continue
            if self.ended_at:
                self.scan.problem(line, f"{kind} record after the 900 end-of-data record on line "
                                  f"{self.ended_at} (concatenated files?); read on")
                self.ended_at = 0
            if kind == "100":
                if row[1:2] and row[1].upper() != self.scan.version:
                    raise NemFormatError(f"second 100 header declares {row[1]!r}, the file is "
                                         f"{self.scan.version}", source=self.scan.source, line=line)
                continue
            if kind not in self.handled:
                self.scan.problem(line, f"record type {kind!r} is not valid in a "
                                  f"{self.scan.version} file; skipped")
                continue
            self.record(line, kind, row)
        self.close()
        if not self.ended_at:
            last = records[-1][0] if records else 0
            self.scan.problem(last, "no 900 end-of-data record: the file may be truncated")

    def record(self, line: int, kind: str, row: list[str]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self) -> None:
        """Finish whatever record group is open (called at 900, a new group, and the end)."""


class _Nem12Walker(_Walker):
    handled = ("200", "300", "400", "500")

    def __init__(self, scan: Scan) -> None:
        super().__init__(scan)
        self.channel: Channel | None = None
        self.channel_row: list[str] = []
        self.channel_line = 0
        self.day: _Day | None = None
        self.skipping = False  # the last 300 record was skipped: drop its 400/500 records too

    def record(self, line: int, kind: str, row: list[str]) -> None:
        if kind == "200":
            self.close()
            self.skipping = False
            self.channel_record(line, row)
        elif kind == "300":
            self.close()
            self.day_record(line, row)
            self.skipping = self.day is None
        elif self.skipping:
            return
        elif kind == "400":
            self.event_record(line, row)
        elif self.day is not None:  # 500: B2B details, kept with the day before it
            self.day.rows.append(row)

    def channel_record(self, line: int, row: list[str]) -> None:
        self.channel, self.channel_line = None, line
        if len(row) < 9 or not row[1]:
            self.scan.problem(line, "200 record needs NMI .. IntervalLength (9 fields); "
                              "its channel is skipped")
            return
        try:
            length = int(row[8])
        except ValueError:
            length = 0
        if length not in READ_INTERVAL_LENGTHS:
            self.scan.problem(line, f"200 record IntervalLength {row[8]!r} is not 5, 10, 15 or "
                              "30 minutes; its channel is skipped")
            return
        next_read = None
        if len(row) > 9 and row[9]:
            try:
                stamp = parse_nem_datetime(row[9])
                next_read = stamp.date() if stamp else None
            except ValueError as exc:
                self.scan.problem(line, f"200 record NextScheduledReadDate: {exc}")
        self.channel = Channel(nmi=row[1], nmi_configuration=row[2], register_id=row[3],
                               suffix=row[4], mdm_stream=row[5], meter_serial=row[6], uom=row[7],
                               interval_length=length, next_read=next_read)
        self.channel_row = (row + [""] * 10)[:10]

    def day_record(self, line: int, row: list[str]) -> None:
        channel = self.channel
        if channel is None:
            if not self.channel_line:  # (a rejected 200 record was reported already)
                self.scan.problem(line, "300 record without a 200 record before it; skipped")
            return
        expected = intervals_per_day(channel.interval_length)
        try:
            stamp = parse_nem_datetime(row[1]) if len(row) > 1 else None
        except ValueError as exc:
            self.scan.problem(line, f"300 record IntervalDate: {exc}; day skipped")
            return
        if stamp is None:
            self.scan.problem(line, "300 record has no IntervalDate; skipped")
            return
        count = 0
        while 2 + count < len(row) and not QUALITY_RE.match(row[2 + count]):
            count += 1
        if count != expected and count in _DAY_COUNTS:
            raise NemFormatError(
                f"300 record has {count} interval values ({1440 // count}-minute intervals) but "
                f"the 200 record on line {self.channel_line} declares IntervalLength "
                f"{channel.interval_length} ({expected} values): interval length mismatch",
                source=self.scan.source, line=line)
        label = f"300 record for {channel.nmi} {channel.suffix} {stamp:%Y-%m-%d}"
        if count != expected or 2 + count >= len(row):
            self.scan.problem(line, f"{label} has {count} of {expected} interval values "
                              "and no complete quality; day skipped")
            return
        for i, text in enumerate(row[2:2 + count], start=1):
            try:
                value = _parse_value(text)
            except (InvalidOperation, ValueError):
                self.scan.problem(line, f"{label}: interval {i} value {text!r} is not a number; "
                                  "day skipped")
                return
            if value < 0:
                self.scan.problem(line, f"{label}: interval {i} value {text} is negative; "
                                  "day skipped")
                return
        tail = row[2 + count:]
        quality = tail[0]
        if len(tail) < 4:
            self.scan.problem(line, f"{label} has {len(row)} fields, expected at least "
                              f"{expected + 6} (up to UpdateDateTime); missing fields read as "
                              "blank")
        tail = (tail + [""] * 5)[:5]
        updated = None
        try:
            updated = parse_nem_datetime(tail[3])
        except ValueError as exc:
            self.scan.problem(line, f"{label} UpdateDateTime: {exc}; read as blank")
            tail[3] = ""
        try:
            parse_nem_datetime(tail[4])
        except ValueError:
            tail[4] = ""
        clean = ["300", row[1], *row[2:2 + count], *tail]
        key = (channel.nmi, channel.suffix, stamp.date())
        self.day = _Day(key=key, channel=channel, channel_line=self.channel_line, line=line,
                        rows=[list(self.channel_row), clean], variable=quality == "V",
                        updated=updated)

    def event_record(self, line: int, row: list[str]) -> None:
        day = self.day
        if day is None or not day.variable:
            self.scan.problem(line, "400 record does not follow a 300 record of quality V; "
                              "ignored")
            return
        try:
            start, end = int(row[1]), int(row[2])
        except (IndexError, ValueError):
            self.scan.problem(line, "400 record needs integer StartInterval and EndInterval; "
                              "its day is skipped")
            day.ranges.append((0, 0, line))
            return
        quality = row[3] if len(row) > 3 else ""
        if not QUALITY_RE.match(quality) or quality == "V":
            self.scan.problem(line, f"400 record QualityMethod {quality!r} is not valid; "
                              "its day is skipped")
            day.ranges.append((0, 0, line))
            return
        day.ranges.append((start, end, line))
        day.rows.append((row + [""] * 6)[:6])

    def close(self) -> None:
        day, self.day = self.day, None
        if day is None:
            return
        if day.variable and not self._events_cover_day(day):
            return
        if day.key in self.scan.days:
            earlier = self.scan.days.pop(day.key)
            self.scan.problem(day.line, f"{day.key[0]} {day.key[1]} {day.key[2]:%Y-%m-%d} "
                              f"already given on line {earlier.line}; the later record is kept")
        self.scan.days[day.key] = day

    def _events_cover_day(self, day: _Day) -> bool:
        """Whether the 400 records of a V day cover intervals 1..N exactly once."""
        expected = intervals_per_day(day.channel.interval_length)
        label = f"{day.key[0]} {day.key[1]} {day.key[2]:%Y-%m-%d}"
        if not day.ranges:
            self.scan.problem(day.line, f"{label} has quality V but no 400 records; day skipped")
            return False
        if any(start == 0 for start, _, _ in day.ranges):
            return False
        ranges = sorted(day.ranges)
        lines = f"lines {ranges[0][2]}-{ranges[-1][2]}" if len(ranges) > 1 else f"line {ranges[0][2]}"
        contiguous = ranges[0][0] == 1 and all(
            s <= e and s == prev_e + 1 for (s, e, _), (_, prev_e, _) in zip(ranges[1:], ranges))
        covered = ranges[-1][1]
        if contiguous and ranges[0][1] >= ranges[0][0] and covered != expected \
                and covered in _DAY_COUNTS:
            raise NemFormatError(
                f"400 records ({lines}) cover intervals 1-{covered}, a "
                f"{1440 // covered}-minute day, but the 200 record on line {day.channel_line} "
                f"declares IntervalLength {day.channel.interval_length} ({expected} intervals): "
                "interval length mismatch", source=self.scan.source, line=ranges[0][2])
        if not contiguous or covered != expected or ranges[0][1] < ranges[0][0]:
            self.scan.problem(day.line, f"the 400 records of {label} ({lines}) do not cover "
                              f"intervals 1-{expected} exactly once; day skipped")
            return False
        return True


class _Nem13Walker(_Walker):
    handled = ("250", "550")

    def record(self, line: int, kind: str, row: list[str]) -> None:
        if kind == "550":
            if not self.scan.reads:
                self.scan.problem(line, "550 record without a 250 record before it; ignored")
            else:  # the B2B details of the read before it
                self.scan.read_b2b.setdefault(len(self.scan.reads) - 1, []).append((row + [""] * 5)[:5])
            return
        if len(row) < _NEM13_REQUIRED:
            self.scan.problem(line, f"250 record has {len(row)} fields, expected at least "
                              f"{_NEM13_REQUIRED}; missing fields read as blank")
        row = (row + [""] * _NEM13_FIELDS)[:_NEM13_FIELDS]
        label = f"250 record for {row[1] or '(no NMI)'} register {row[3] or '?'}"
        if not row[1]:
            self.scan.problem(line, f"{label}: NMI is blank; skipped")
            return
        for index, name in ((8, "PreviousRegisterRead"), (13, "CurrentRegisterRead"),
                            (18, "Quantity")):
            try:
                _parse_value(row[index])
            except (InvalidOperation, ValueError):
                self.scan.problem(line, f"{label}: {name} {row[index]!r} is not a number; skipped")
                return
        for index, name in ((9, "PreviousRegisterReadDateTime"),
                            (14, "CurrentRegisterReadDateTime"), (20, "NextScheduledReadDate"),
                            (21, "UpdateDateTime"), (22, "MSATSLoadDateTime")):
            try:
                parse_nem_datetime(row[index])
            except ValueError as exc:
                self.scan.problem(line, f"{label}: {name}: {exc}; skipped")
                return
        self.scan.reads.append((line, row))

"""Read NEM12/NEM13 files: our record checks first, then the maintained ``nemreader`` parser.

Two modes:

* strict (default): any defect rejects the file with a :class:`NemFormatError` naming the line.
* lenient (``strict=False``): complete records are kept; each skipped or repaired record is listed
  in ``NemFile.issues`` (line + reason). Fatal defects still reject the file (see
  :mod:`handlers.nem12.scan`).

``assume_nem12=True`` (lenient only) accepts a file without a 100 header as NEM12, as Powercor and
Citipower files that concatenate several bodies need; otherwise a missing header is rejected.

Values come back as :class:`~decimal.Decimal`. ``nemreader`` hands out floats; each is turned back
into the decimal it was printed from through its shortest ``repr`` (exact for the up-to-15
significant digits a meter value has).
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from nemreader.nem_reader import parse_nem12_rows, parse_nem13_rows

from .errors import NemFormatError
from .model import AccumulationRead, B2BDetail, B2BReadDetail, IntervalDay, NemFile
from .scan import Scan, parse_nem_datetime, scan_records

__all__ = ["read_nem", "read_nem_bytes", "read_nem_text"]


def read_nem(path: str | os.PathLike[str], *, strict: bool = True,
             assume_nem12: bool = False) -> NemFile:
    """Read a NEM12/NEM13 file (plain CSV, or a zip holding one CSV)."""
    target = Path(path)
    try:
        data = target.read_bytes()
    except OSError as exc:
        raise NemFormatError(f"cannot read the file: {exc.strerror or exc}",
                             source=str(target)) from None
    return read_nem_bytes(data, name=str(target), strict=strict, assume_nem12=assume_nem12)


def read_nem_bytes(data: bytes, *, name: str = "<bytes>", strict: bool = True,
                   assume_nem12: bool = False) -> NemFile:
    """Read NEM12/NEM13 content given as bytes (UTF-8, optional BOM, or a one-file zip)."""
    if data[:4] == b"PK\x03\x04":
        data, name = _unzip(data, name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NemFormatError(f"not UTF-8 text (byte {exc.start}): is this a NEM file?",
                             source=name) from None
    return read_nem_text(text, name=name, strict=strict, assume_nem12=assume_nem12)


def read_nem_text(text: str, *, name: str = "<text>", strict: bool = True,
                  assume_nem12: bool = False) -> NemFile:
    """Read NEM12/NEM13 content given as text."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    records: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            records.append((reader.line_num, row))
    except csv.Error as exc:
        raise NemFormatError(f"not a CSV file: {exc}", source=name, line=reader.line_num) from None
    scan = scan_records(records, source=name, strict=strict, assume_nem12=assume_nem12)
    if scan.version == "NEM13":
        return _nem13_file(scan)
    return _nem12_file(scan)


def _unzip(data: bytes, name: str) -> tuple[bytes, str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.namelist() if not m.endswith("/")]
            if len(members) != 1:
                raise NemFormatError(f"a zipped NEM file must hold exactly one file, found "
                                     f"{len(members)}", source=name)
            return archive.read(members[0]), f"{name}!{members[0]}"
    except zipfile.BadZipFile as exc:
        raise NemFormatError(f"damaged zip file: {exc}", source=name) from None


def _decimal(value: float | None) -> Decimal:
    return Decimal(repr(value)) if value is not None else Decimal(0)


def _parse(scan: Scan, parser, rows: list[list[str]]):
    try:
        return parser(rows)
    except (ValueError, TypeError, IndexError, AttributeError) as exc:  # our checks missed one
        raise NemFormatError(f"nemreader could not parse the checked records: {exc}",
                             source=scan.source) from exc


def _header(scan: Scan) -> dict:
    return {"version": scan.version, "created": scan.created,
            "from_participant": scan.from_participant, "to_participant": scan.to_participant,
            "issues": tuple(scan.issues), "header_assumed": scan.header_assumed}


def _nem12_file(scan: Scan) -> NemFile:
    parsed = _parse(scan, lambda rows: parse_nem12_rows(rows, file_name=scan.source),
                    scan.nemreader_rows())
    by_day: dict[tuple[str, str, date], list] = defaultdict(list)
    for nmi, channels in parsed.readings.items():
        for suffix, readings in channels.items():
            for reading in readings:
                by_day[(nmi, suffix, reading.t_start.date())].append(reading)
    days: list[IntervalDay] = []
    for key, found in scan.days.items():
        readings = by_day.get(key, [])
        expected = 1440 // found.channel.interval_length
        if len(readings) != expected:
            raise NemFormatError(f"nemreader returned {len(readings)} values for "
                                 f"{key[0]} {key[1]} {key[2]:%Y-%m-%d}, expected {expected}",
                                 source=scan.source, line=found.line)
        descriptions, msats_loaded, b2b = _day_details(found.rows, expected)
        days.append(IntervalDay(
            channel=found.channel, day=key[2],
            values=tuple(_decimal(r.read_value) for r in readings),
            qualities=tuple(r.quality_method or "" for r in readings),
            reasons=tuple(r.event_code or "" for r in readings),
            updated=found.updated, line=found.line, descriptions=descriptions,
            msats_loaded=msats_loaded, b2b=b2b))
    return NemFile(days=tuple(days), **_header(scan))


def _day_details(rows: list[list[str]], expected: int) -> tuple[tuple[str, ...], datetime | None,
                                                               tuple[B2BDetail, ...]]:
    """What nemreader does not hand back, from a day's checked records (200, 300, then its 400 and
    500 records): each interval's ReasonDescription, the MSATSLoadDateTime and the B2B details."""
    day_row = next(row for row in rows if row[0] == "300")
    quality, _, description, _, msats = day_row[-5:]
    descriptions = [description] * expected
    b2b = []
    for row in rows:
        if row[0] == "400" and quality == "V":
            start, end = int(row[1]), int(row[2])
            descriptions[start - 1:end] = [row[5] if len(row) > 5 else ""] * (end - start + 1)
        elif row[0] == "500":
            fields = (row + [""] * 5)[:5]
            b2b.append(B2BDetail(trans_code=fields[1], ret_service_order=fields[2], read_at=_when(fields[3]),
                                 index_read=fields[4]))
    return tuple(descriptions), _when(msats), tuple(b2b)


def _when(text: str) -> datetime | None:
    return parse_nem_datetime(text)


def _nem13_file(scan: Scan) -> NemFile:
    parsed = _parse(scan, parse_nem13_rows, scan.nemreader_rows())
    queues: dict[tuple[str, str], list] = defaultdict(list)
    for nmi, channels in parsed.readings.items():
        for suffix, readings in channels.items():
            queues[(nmi, suffix)].extend(readings)
    reads: list[AccumulationRead] = []
    for index, (line, row) in enumerate(scan.reads):
        queue = queues.get((row[1], row[4]))
        if not queue:
            raise NemFormatError("nemreader returned no reading for this 250 record",
                                 source=scan.source, line=line)
        reading = queue.pop(0)
        next_read = _when(row[20])
        reads.append(AccumulationRead(
            nmi=row[1], nmi_configuration=row[2], register_id=row[3], suffix=row[4],
            mdm_stream=row[5], meter_serial=reading.meter_serial_number, direction=row[7],
            previous_value=_decimal(reading.val_start), previous_at=reading.t_start,
            previous_quality=row[10], current_value=_decimal(reading.val_end),
            current_at=reading.t_end, current_quality=reading.quality_method or "",
            quantity=_decimal(reading.read_value), uom=reading.uom,
            next_read=next_read.date() if next_read else None, line=line,
            previous_reason=row[11], previous_description=row[12], current_reason=row[16],
            current_description=row[17], updated=_when(row[21]), msats_loaded=_when(row[22]),
            b2b=tuple(B2BReadDetail(*fields[1:5]) for fields in scan.read_b2b.get(index, ()))))
    return NemFile(reads=tuple(reads), **_header(scan))

"""Write NEM12 files: 100 header, a 200 record per channel, 300 records per day, 400 records for
days of mixed quality, 500 records for a day's B2B details, 900 end. Reason descriptions and the
MSATSLoadDateTime are written as read, so a file read and written back loses nothing.

No maintained NEM12 writer exists, so this one is ours and is checked against ``nemreader``: what
it writes reads back to the same values (see the tests). Values are written from
:class:`~decimal.Decimal` (or ``int``) exactly as given, never through a float, so the file holds
``1.111`` and not ``1.1109999999999999``.

Rules enforced (each violation raises :class:`NemWriteError` naming the channel, day and interval):
interval length 5, 15 or 30 with 1440/L values; values finite and not negative; qualities ``A``,
``E<method>``, ``S<method>``, ``F<method>`` (``V`` is derived here, never given); substituted and
final-substituted intervals carry a reason code, and reason code 0 its description; no commas or
line breaks inside fields; one record per channel and day.

Days we produce never carry null data (quality ``N``: the meter data provider had no reading), so
by default ``N`` is refused. A file someone else wrote may hold it, and the reader accepts it:
``as_read=True`` (what :func:`rewrite_nem` passes) writes such days back as they were read, with
``N`` qualities, the 10-minute voltage channels the reader also accepts, a blank unit of measure
and a blank UpdateDateTime kept blank, so a file read and written back loses nothing.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from datetime import datetime
from itertools import groupby
from pathlib import Path
from typing import TypedDict

from .errors import NemWriteError
from .fields import field_text, format_value, stamp
from .model import (INTERVAL_LENGTHS, READ_INTERVAL_LENGTHS, B2BDetail, Channel, IntervalDay, NemFile,
                    intervals_per_day)
from .writer_nem13 import write_nem13

__all__ = ["format_value", "rewrite_nem", "write_nem12", "write_nem12_file"]

_WRITABLE_QUALITY = re.compile(r"^(A|[ESF]\d{2})$")
_READ_QUALITY = re.compile(r"^(A|N\d{0,2}|[ESF]\d{2})$")  # null data too, as a file we read may hold it


def _channel_record(channel: Channel, as_read: bool) -> str:
    where = f"channel {channel.nmi} {channel.suffix}"
    if not channel.nmi or len(channel.nmi) > 10:
        raise NemWriteError(f"{where}: NMI must be 1-10 characters")
    if channel.interval_length not in (READ_INTERVAL_LENGTHS if as_read else INTERVAL_LENGTHS):
        raise NemWriteError(f"{where}: interval length {channel.interval_length} is not 5, 15 or 30")
    if not channel.suffix or not (channel.uom or as_read):
        raise NemWriteError(f"{where}: NMISuffix and UOM are required")
    fields = ["200", channel.nmi, channel.nmi_configuration or channel.suffix, channel.register_id,
              channel.suffix, channel.mdm_stream, channel.meter_serial, channel.uom,
              str(channel.interval_length),
              channel.next_read.strftime("%Y%m%d") if channel.next_read else ""]
    return ",".join(field_text(f, f"{where} field") for f in fields)


def _day_records(day: IntervalDay, updated: datetime | None, as_read: bool) -> list[str]:
    channel = day.channel
    where = f"{channel.nmi} {channel.suffix} {day.day:%Y-%m-%d}"
    expected = intervals_per_day(channel.interval_length)
    if len(day.values) != expected or len(day.qualities) != expected:
        raise NemWriteError(f"{where}: {len(day.values)} values and {len(day.qualities)} "
                            f"qualities given, {expected} needed for {channel.interval_length}-"
                            "minute intervals")
    reasons = day.reasons or ("",) * expected
    if len(reasons) != expected:
        raise NemWriteError(f"{where}: {len(reasons)} reason codes given, {expected} needed")
    descriptions = day.descriptions or ("",) * expected
    if len(descriptions) != expected:
        raise NemWriteError(f"{where}: {len(descriptions)} reason descriptions given, {expected} needed")
    texts = []
    for i, (value, quality, reason, description) in enumerate(
            zip(day.values, day.qualities, reasons, descriptions), 1):
        try:
            text = format_value(value)
        except NemWriteError as exc:
            raise NemWriteError(f"{where} interval {i}: {exc}") from None
        if text.startswith("-"):
            raise NemWriteError(f"{where} interval {i}: value {text} is negative")
        if not (_READ_QUALITY if as_read else _WRITABLE_QUALITY).match(quality):
            null = " (null data, N, only as read: rewrite_nem or as_read=True)" if quality.startswith("N") else ""
            raise NemWriteError(f"{where} interval {i}: quality {quality!r} cannot be written "
                                f"(A, E<nn>, S<nn> or F<nn>){null}")
        if quality[0] in "SF" and not reason:
            raise NemWriteError(f"{where} interval {i}: quality {quality} needs a reason code")
        field_text(reason, f"{where} interval {i} reason")
        if reason == "0" and not description:  # AEMO: reason code 0 ("free text") needs its description
            raise NemWriteError(f"{where} interval {i}: reason code 0 needs a reason description")
        field_text(description, f"{where} interval {i} reason description")
        texts.append(text)
    runs = [(key, len(list(group))) for key, group in groupby(zip(day.qualities, reasons, descriptions))]
    when = day.updated or updated
    update_stamp = stamp(when, 14) if when else ""
    msats = stamp(day.msats_loaded, 14) if day.msats_loaded else ""
    if len(runs) == 1:
        (quality, reason, description), _ = runs[0]
        lines = [",".join(["300", f"{day.day:%Y%m%d}", *texts, quality, reason, description, update_stamp, msats])]
    else:
        lines = [",".join(["300", f"{day.day:%Y%m%d}", *texts, "V", "", "", update_stamp, msats])]
        start = 1
        for (quality, reason, description), length in runs:
            lines.append(f"400,{start},{start + length - 1},{quality},{reason},{description}")
            start += length
    return lines + [_b2b_record(detail, where) for detail in day.b2b]


def _b2b_record(detail: B2BDetail, where: str) -> str:
    """A 500 record: TransCode, RetServiceOrder, ReadDateTime, IndexRead."""
    if not detail.trans_code:
        raise NemWriteError(f"{where}: a 500 record needs its TransCode")
    fields = ["500", detail.trans_code, detail.ret_service_order,
              stamp(detail.read_at, 14) if detail.read_at else "", detail.index_read]
    return ",".join(field_text(f, f"{where} 500 record field") for f in fields)


def write_nem12(days: Iterable[IntervalDay], *, from_participant: str, to_participant: str,
                created: datetime, updated: datetime | None = None, as_read: bool = False) -> str:
    """The NEM12 text for ``days`` (any order; written sorted by channel, then day).

    ``created`` goes into the 100 header; ``updated`` (default ``created``) is the UpdateDateTime
    of days that carry none (with ``as_read``, such days keep it blank). ``as_read``: the days are
    a file's as read, written back whatever the reader accepted (see the module's docstring).
    """
    ordered = sorted(days, key=lambda d: (d.channel.nmi, d.channel.suffix, d.channel.register_id,
                                          d.channel.interval_length, d.day))
    lines = [",".join(["100", "NEM12", stamp(created, 12),
                       field_text(from_participant, "FromParticipant"),
                       field_text(to_participant, "ToParticipant")])]
    previous: IntervalDay | None = None
    for day in ordered:
        if previous is None or day.channel != previous.channel:
            lines.append(_channel_record(day.channel, as_read))
        elif day.day == previous.day:
            raise NemWriteError(f"{day.channel.nmi} {day.channel.suffix} {day.day:%Y-%m-%d} "
                                "is given twice")
        lines.extend(_day_records(day, updated or (None if as_read else created), as_read))
        previous = day
    lines.append("900")
    return "\n".join(lines) + "\n"


class _Header(TypedDict):
    """The 100 header's fields, as both writers take them."""

    from_participant: str
    to_participant: str
    created: datetime


def rewrite_nem(nem: NemFile) -> str:
    """A file read (``read_nem``) written back: its header and every day or read as read, null data
    included; reading the text gives the same again (NEM12 days, or NEM13 reads)."""
    if nem.created is None:
        raise NemWriteError("the file read has no creation time in its 100 header")
    header: _Header = {"from_participant": nem.from_participant, "to_participant": nem.to_participant,
                       "created": nem.created}
    if nem.version == "NEM13":
        return write_nem13(nem.reads, **header)
    return write_nem12(nem.days, as_read=True, **header)


def write_nem12_file(path: str | os.PathLike[str], days: Iterable[IntervalDay], **header) -> Path:
    """Write the file atomically (a temporary file renamed into place): never half a file."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = write_nem12(days, **header)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target

"""Write NEM13 files: 100 header, a 250 record per basic (accumulation) read pair with its 550
records, 900 end.

We produce no NEM13 of our own; this writes back a file that was read (:func:`rewrite_nem`), so
every field the reader keeps goes out again: register reads and quantities from
:class:`~decimal.Decimal` exactly as read, both reads' date-times, qualities, reason codes and
descriptions, the UpdateDateTime and MSATSLoadDateTime, and the B2B 550 records.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from .errors import NemWriteError
from .model import AccumulationRead
from .fields import field_text, format_value, stamp

__all__ = ["write_nem13"]


def write_nem13(reads: Iterable[AccumulationRead], *, from_participant: str, to_participant: str,
                created: datetime) -> str:
    """The NEM13 text for ``reads``, in the order given."""
    lines = [",".join(["100", "NEM13", stamp(created, 12), field_text(from_participant, "FromParticipant"),
                       field_text(to_participant, "ToParticipant")])]
    for read in reads:
        lines.append(_read_record(read))
        for detail in read.b2b:
            where = f"{read.nmi} register {read.register_id} 550 record field"
            lines.append(",".join(["550", *(field_text(f, where) for f in (
                detail.previous_trans_code, detail.previous_ret_service_order,
                detail.current_trans_code, detail.current_ret_service_order))]))
    lines.append("900")
    return "\n".join(lines) + "\n"


def _read_record(read: AccumulationRead) -> str:
    where = f"{read.nmi} register {read.register_id}"
    if not read.nmi or len(read.nmi) > 10:
        raise NemWriteError(f"{where}: NMI must be 1-10 characters")
    if read.direction not in ("I", "E"):
        raise NemWriteError(f"{where}: direction {read.direction!r} is not I or E")
    values = []
    for name, value in (("previous read", read.previous_value), ("current read", read.current_value),
                        ("quantity", read.quantity)):
        try:
            values.append(format_value(value))
        except NemWriteError as exc:
            raise NemWriteError(f"{where} {name}: {exc}") from None
    fields = ["250", read.nmi, read.nmi_configuration, read.register_id, read.suffix, read.mdm_stream,
              read.meter_serial, read.direction,
              values[0], _when(read.previous_at), read.previous_quality, read.previous_reason,
              read.previous_description,
              values[1], _when(read.current_at), read.current_quality, read.current_reason, read.current_description,
              values[2], read.uom, read.next_read.strftime("%Y%m%d") if read.next_read else "",
              _when(read.updated), _when(read.msats_loaded)]
    return ",".join(field_text(f, f"{where} field") for f in fields)


def _when(moment: datetime | None) -> str:
    return stamp(moment, 14) if moment else ""

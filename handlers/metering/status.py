"""CheckMeterStatus: is the meter communicating, and has it reported tampering?

``online`` is false when the meter's last communications event is COMMS_LOST (until a later
COMMS_RESTORED) or the meter has been removed. ``tamperDetected`` is true when the meter log has a
TAMPER, COVER_OPENED or MAGNETIC_INTERFERENCE event not followed by TAMPER_CLEARED, or the reading
itself carries such an alarm (its ``events`` list, or NEM12 reason code 61 on an interval day).
Only events up to "now" count. Read-only: the meter log is written by the head-end feed
(:meth:`MeteringStore.add_meter_event`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from handlers.marks import reads_event_only
from handlers.metering.clock import Clock, system_clock
from handlers.metering.errors import BadEvent
from handlers.metering.events import reading_event
from handlers.metering.readings import alarm_flags
from handlers.metering.store import TAMPER_EVENTS, MeteringStore, open_store

__all__ = ["check_meter_status", "handler", "tamper_evidence"]


def tamper_evidence(
    store: MeteringStore, meter_id: str, event: Mapping[str, Any], now: datetime,
    log: list[tuple[datetime, str, str | None]] | None = None,
) -> list[dict[str, str]]:
    """Uncleared tamper alarms from the meter log (``log``: the meter's events, when read already)
    and alarms carried by the reading."""
    active: list[dict[str, str]] = []
    for occurred_at, event_type, _detail in store.meter_events(meter_id) if log is None else log:
        if occurred_at > now:
            break
        if event_type in TAMPER_EVENTS:
            active.append(
                {"type": event_type, "at": occurred_at.isoformat(), "source": "METER_LOG"}
            )
        elif event_type == "TAMPER_CLEARED":
            active.clear()
    for flag in sorted(alarm_flags(event) & (TAMPER_EVENTS | {"TAMPER"})):
        active.append({"type": flag, "source": "READING"})
    return active


def check_meter_status(event: object, *, store: MeteringStore, now: datetime) -> dict[str, Any]:
    """``{"meterId", "online", "tamperDetected", "commsStatus", ...}`` for the event's meter."""
    reading = reading_event(event)
    meter_id = reading.get("meterId")
    if not isinstance(meter_id, str) or not meter_id:
        raise BadEvent("meterId: required (a string) to check the meter's status")
    meter = store.require_meter(meter_id)
    last_comms: tuple[datetime, str] | None = None
    log = store.meter_events(meter_id)
    for occurred_at, event_type, _detail in log:
        if occurred_at <= now and event_type in ("COMMS_LOST", "COMMS_RESTORED"):
            last_comms = (occurred_at, event_type)
    if meter.removed_on is not None and meter.removed_on <= now.date():
        comms = "REMOVED"
    elif last_comms is not None and last_comms[1] == "COMMS_LOST":
        comms = "OFFLINE"
    else:
        comms = "ONLINE"
    tamper = tamper_evidence(store, meter_id, reading, now, log)
    return {
        "meterId": meter_id,
        "online": comms == "ONLINE",
        "tamperDetected": bool(tamper),
        "commsStatus": comms,
        "lastCommsEventAt": last_comms[0].isoformat() if last_comms else None,
        "tamperEvents": tamper,
        "checkedAt": now.isoformat(),
    }


@reads_event_only
def handler(
    event: object, context: object = None, *, db: str | None = None, clock: Clock | None = None
) -> dict[str, Any]:
    """Lambda entry point (CheckMeterStatus)."""
    with open_store(db) as store:
        return check_meter_status(event, store=store, now=(clock or system_clock)())

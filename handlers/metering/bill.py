"""GenerateBill: price the reading's usage with the account's tariff and persist the bill.

The bill engine (:mod:`handlers.metering.tariffs`) does the arithmetic; this handler gathers the
inputs (account, tariff schedule, measured usage), assembles the bill document and stores it once
per reading id (``billId`` = ``"BILL-" + readingId``): a retry or a re-run gets the same bill back.

Money on the JSON boundary is a string of dollars with two decimals (``"152.39"``); quantities
are strings too. Returns ``{"bill": {...}}`` with ``lines``, ``taxableSubtotal``, ``gst``,
``gstFreeSubtotal``, ``total`` and ``amountDue`` (the total, or "0.00" for a credit).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from handlers.marks import reads_event_only
from handlers.metering.clock import Clock, system_clock
from handlers.metering.errors import AlreadyBilled, TariffError
from handlers.metering.money import ZERO, format_amount, format_quantity
from handlers.metering.pricing import bill_totals, price_usage
from handlers.metering.store import MeteringStore, open_store
from handlers.metering.usage import measure_event

__all__ = ["PAYMENT_TERMS", "bill_for_reading", "generate_bill", "handler", "set_bill_status"]

PAYMENT_TERMS = timedelta(days=14)
BILLING_ZONE = ZoneInfo("Australia/Sydney")


def bill_for_reading(store: MeteringStore, reading_id: str) -> dict[str, Any] | None:
    """The stored bill document of a reading (with its current status), or None."""
    row = store.conn.execute(
        "SELECT document, status FROM metering_bills WHERE reading_id = ?", (reading_id,)
    ).fetchone()
    return {**json.loads(row["document"]), "status": row["status"]} if row else None


def set_bill_status(store: MeteringStore, bill_id: str, status: str, now: datetime) -> None:
    """Move a bill to ``status`` (ISSUED, HELD, PAID, PAYMENT_DECLINED, AWAITING_PAYMENT...)."""
    store.conn.execute(
        "UPDATE metering_bills SET status = ?, updated_at = ? WHERE bill_id = ?",
        (status, now.isoformat(), bill_id),
    )


def generate_bill(event: object, *, store: MeteringStore, now: datetime) -> dict[str, Any]:
    """Price, store and return the bill for the event's reading."""
    metered = measure_event(event, store)
    reading = metered.reading
    existing = bill_for_reading(store, reading.reading_id)
    if existing is not None:
        return {"bill": existing, "replayed": True}
    account = store.require_account(reading.account_id)
    schedule = store.tariff_schedule(account.tariff_code)
    for tariff in schedule.versions:
        if tariff.unit != metered.unit:
            raise TariffError(
                f"tariff {tariff.code} prices {tariff.unit} but meter {metered.meter.meter_id} "
                f"measures {metered.unit}"
            )
    lines = price_usage(schedule, metered.period_start, metered.period_end, metered.to_usage())
    totals = bill_totals(lines)
    issued = now.astimezone(BILLING_ZONE).date()
    bill_id = f"BILL-{reading.reading_id}"
    document: dict[str, Any] = {
        "billId": bill_id,
        "readingId": reading.reading_id,
        "accountId": account.account_id,
        "customerName": account.customer_name,
        "meterId": metered.meter.meter_id,
        "nmi": reading.nmi,
        "tariffCode": account.tariff_code,
        "periodStart": metered.period_start.isoformat(),
        "periodEnd": metered.period_end.isoformat(),
        "days": metered.days,
        "currency": "AUD",
        "unit": metered.unit,
        "usage": {suffix: format_quantity(q) for suffix, q in sorted(metered.totals.items())},
        "lines": [line.to_json() for line in lines],
        **totals.to_json(),
        "amountDue": format_amount(max(totals.total, ZERO)),
        "issuedOn": issued.isoformat(),
        "dueOn": (issued + PAYMENT_TERMS).isoformat(),
        "status": "ISSUED",
    }
    with store.transaction():
        raced = bill_for_reading(store, reading.reading_id)
        if raced is not None:  # a concurrent copy of this reading got there first
            return {"bill": raced, "replayed": True}
        _refuse_overlap(store, document)
        store.conn.execute(
            "INSERT INTO metering_bills VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                bill_id,
                reading.reading_id,
                account.account_id,
                document["periodStart"],
                document["periodEnd"],
                document["total"],
                "ISSUED",
                json.dumps(document),
                now.isoformat(),
                now.isoformat(),
            ),
        )
    return {"bill": document}


def _refuse_overlap(store: MeteringStore, bill: dict[str, Any]) -> None:
    """:class:`AlreadyBilled` when a bill already issued for the meter covers any day of this one
    (periods are half-open ``[start, end)``: consecutive bills share no day)."""
    earlier = store.conn.execute(
        "SELECT bill_id, reading_id, period_start, period_end FROM metering_bills "
        "WHERE account_id = ? AND json_extract(document, '$.meterId') = ? "
        "AND period_start < ? AND ? < period_end ORDER BY period_start LIMIT 1",
        (bill["accountId"], bill["meterId"], bill["periodEnd"], bill["periodStart"])).fetchone()
    if earlier is not None:
        bill_id, reading_id, start, end = earlier
        raise AlreadyBilled(
            f"meter {bill['meterId']}: the period {bill['periodStart']} to {bill['periodEnd']} of reading "
            f"{bill['readingId']} overlaps bill {bill_id} ({start} to {end}, reading {reading_id}); those days "
            "are billed already (a reading sent again under a new id is not billed twice)")


@reads_event_only
def handler(
    event: Mapping[str, Any],
    context: object = None,
    *,
    db: str | None = None,
    clock: Clock | None = None,
) -> dict[str, Any]:
    """Lambda entry point (GenerateBill)."""
    with open_store(db) as store:
        return generate_bill(event, store=store, now=(clock or system_clock)())

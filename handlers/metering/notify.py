"""NotifyCustomer: write the customer's message to the outbox (BILL_READY or ANOMALY_ALERT).

Nothing is sent from here: messages land in the ``metering_outbox`` table, which a mail/SMS
relay (or a person: ``python -m handlers.metering.outbox``) reads. Each message has a dedupe key
(``BILL_READY:<billId>``, ``ANOMALY_ALERT:<readingId>``), so the machine's Retry never queues it
twice. An ANOMALY_ALERT also puts the reading's bill, if one was generated, on HOLD so it cannot
be paid before review.

Events: ``{"notificationType": "BILL_READY", "reading": <state>, "bill": <bill>}`` and
``{"notificationType": "ANOMALY_ALERT", "reading": <state>}`` (the findings are read from
``billingAnalysis[0]`` or ``analysis[1]`` of the state). Returns the queued message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from handlers.marks import reads_event_only
from handlers.metering.bill import set_bill_status
from handlers.metering.clock import Clock, system_clock
from handlers.metering.errors import BadEvent
from handlers.metering.events import bill_document, lambda_payload, reading_event, require_mapping
from handlers.metering.outbox import message_by_key
from handlers.metering.store import Account, MeteringStore, open_store

__all__ = ["NOTIFICATION_TYPES", "handler", "notify_customer"]

NOTIFICATION_TYPES = ("BILL_READY", "ANOMALY_ALERT")


def _long_date(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.day} {day.strftime('%b %Y')}"


def _bill_ready(
    account: Account, bill: Mapping[str, Any], state: Mapping[str, Any]
) -> tuple[str, str, str]:
    last_day = date.fromordinal(date.fromisoformat(bill["periodEnd"]).toordinal() - 1)
    payment = lambda_payload(state.get("payment"))
    paid = isinstance(payment, Mapping) and payment.get("status") == "PAID"
    how = (
        "It has been paid with your card on file, thank you."
        if paid
        else f"Amount due: ${bill['amountDue']} by {_long_date(bill['dueOn'])}."
    )
    body = (
        f"Hi {account.customer_name}, your bill {bill['billId']} for "
        f"{_long_date(bill['periodStart'])} to {_long_date(last_day.isoformat())} "
        f"({bill['days']} days) is ready. Total ${bill['total']} including GST "
        f"${bill['gst']}. {how}"
    )
    return f"BILL_READY:{bill['billId']}", f"Your energy bill {bill['billId']} is ready", body


def _findings(state: Mapping[str, Any]) -> Mapping[str, Any]:
    for path in (("billingAnalysis", 0), ("analysis", 1)):
        results = state.get(path[0])
        if isinstance(results, list) and len(results) > path[1]:
            found = lambda_payload(results[path[1]])
            if isinstance(found, Mapping) and "isAnomaly" in found:
                return found
    return {}


def _anomaly_alert(account: Account, state: Mapping[str, Any]) -> tuple[str, str, str]:
    reading_id = state.get("readingId")
    if not isinstance(reading_id, str):
        raise BadEvent("reading.readingId: required for an ANOMALY_ALERT")
    findings = _findings(state)
    kind = findings.get("anomalyType") or "UNUSUAL_USAGE"
    body = (
        f"Hi {account.customer_name}, we noticed something unusual ({kind}) in the latest "
        f"reading of meter {state.get('meterId')} (reading {reading_id}). Your bill is on "
        "hold while we check it; you do not need to do anything yet."
    )
    return f"ANOMALY_ALERT:{reading_id}", "We are checking your latest meter reading", body


def notify_customer(event: object, *, store: MeteringStore, now: datetime) -> dict[str, Any]:
    """Queue the message (once per dedupe key) and return it."""
    body_event = require_mapping(event)
    kind = body_event.get("notificationType")
    if kind not in NOTIFICATION_TYPES:
        raise BadEvent(f"notificationType: expected one of {NOTIFICATION_TYPES}, got {kind!r}")
    state = reading_event(body_event)
    bill: Mapping[str, Any] | None = None
    if kind == "BILL_READY":
        bill = bill_document(body_event)
        account_id = bill.get("accountId")
    else:
        account_id = state.get("accountId")
    if not isinstance(account_id, str):
        raise BadEvent("accountId: the notification needs the customer's account id")
    account = store.require_account(account_id)
    if bill is not None:
        key, subject, text = _bill_ready(account, bill, state)
    else:
        key, subject, text = _anomaly_alert(account, state)
    payload = (
        {"billId": bill["billId"]}
        if bill
        else {"readingId": state.get("readingId"), "findings": _findings(state)}
    )
    with store.transaction() as conn:
        earlier = message_by_key(store, key)
        if earlier is not None:
            return {**earlier, "replayed": True}
        conn.execute(
            "INSERT INTO metering_outbox (dedupe_key, account_id, notification_type, channel, "
            "recipient, subject, body, payload, status, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                key,
                account.account_id,
                kind,
                "EMAIL" if account.email else "POST",
                account.email or f"postal address of {account.account_id}",
                subject,
                text,
                json.dumps(payload),
                "PENDING",
                now.isoformat(),
            ),
        )
        if kind == "ANOMALY_ALERT":
            held = conn.execute(
                "SELECT bill_id FROM metering_bills WHERE reading_id = ?", (state.get("readingId"),)
            ).fetchone()
            if held is not None:
                set_bill_status(store, held[0], "HELD", now)
    queued = message_by_key(store, key)
    assert queued is not None
    return queued


@reads_event_only
def handler(
    event: object, context: object = None, *, db: str | None = None, clock: Clock | None = None
) -> dict[str, Any]:
    """Lambda entry point (NotifyCustomer)."""
    with open_store(db) as store:
        return notify_customer(event, store=store, now=(clock or system_clock)())

"""ProcessPayment: charge the bill's amount once, however many times the step is retried.

Idempotent per bill: the bill id is the gateway's idempotency key and ``metering_payments`` holds
at most one payment per bill, so a Retry after a gateway failure, a crash between charging and
recording, or a re-run of the whole execution never charges twice. Every attempt is logged in
``metering_payment_attempts``.

Outcomes (``status``): PAID; DECLINED (the card was refused: returned, not raised, so the
customer is still told their bill is ready); AWAITING_PAYMENT (no card on file, the customer pays
by BPAY); NO_PAYMENT_DUE (a zero or credit bill); HELD (the bill is held for review, nothing
charged). A transient gateway failure raises :class:`PaymentGatewayError` for the machine's Retry.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from handlers.marks import reads_event_only
from handlers.metering.bill import set_bill_status
from handlers.metering.clock import Clock, system_clock
from handlers.metering.errors import BadEvent, PaymentGatewayError, UnknownAccount
from handlers.metering.events import bill_document, require_mapping
from handlers.metering.gateway import PaymentGateway, SimulatedGateway, fail_first_from_env
from handlers.metering.money import format_amount
from handlers.metering.store import MeteringStore, open_store

__all__ = ["GatewayFactory", "handler", "payment_for_bill", "process_payment"]

GatewayFactory = Callable[[MeteringStore], PaymentGateway]
BILL_STATUS = {
    "PAID": "PAID",
    "DECLINED": "PAYMENT_DECLINED",
    "AWAITING_PAYMENT": "AWAITING_PAYMENT",
    "NO_PAYMENT_DUE": "PAID",
}


def payment_for_bill(store: MeteringStore, bill_id: str) -> dict[str, Any] | None:
    """The recorded payment of a bill, or None."""
    row = store.conn.execute(
        "SELECT * FROM metering_payments WHERE bill_id = ?", (bill_id,)
    ).fetchone()
    if row is None:
        return None
    attempts = store.conn.execute(
        "SELECT COUNT(*) FROM metering_payment_attempts WHERE bill_id = ?", (bill_id,)
    ).fetchone()[0]
    return {
        "paymentId": row["payment_id"],
        "billId": bill_id,
        "accountId": row["account_id"],
        "amount": row["amount"],
        "status": row["status"],
        "chargeId": row["charge_id"],
        "attempts": attempts,
    }


def _log_attempt(
    store: MeteringStore, bill_id: str, now: datetime, outcome: str, detail: str
) -> None:
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO metering_payment_attempts (bill_id, attempted_at, outcome, detail) "
            "VALUES (?, ?, ?, ?)",
            (bill_id, now.isoformat(), outcome, detail),
        )


def process_payment(
    event: object, *, store: MeteringStore, now: datetime, gateway: PaymentGateway
) -> dict[str, Any]:
    """Charge the event's bill (once) and record the outcome."""
    bill_id = str(bill_document(require_mapping(event))["billId"])
    earlier = payment_for_bill(store, bill_id)
    if earlier is not None:
        return {**earlier, "replayed": True}
    row = store.conn.execute(
        "SELECT account_id, document, status FROM metering_bills WHERE bill_id = ?", (bill_id,)
    ).fetchone()
    if row is None:
        raise BadEvent(f"bill.billId: bill {bill_id!r} is not in the database")
    if row["status"] == "HELD":
        return {"billId": bill_id, "status": "HELD", "amount": "0.00", "attempts": 0}
    account = store.account(row["account_id"])
    if account is None:
        raise UnknownAccount(f"account {row['account_id']!r} of bill {bill_id} is missing")
    amount = Decimal(json.loads(row["document"])["amountDue"])
    charge_id = None
    if amount <= 0:
        status, detail = "NO_PAYMENT_DUE", "nothing to charge"
    elif not account.payment_token:
        status, detail = "AWAITING_PAYMENT", "no card on file; pay by BPAY"
    else:
        try:
            result = gateway.charge(
                idempotency_key=bill_id, token=account.payment_token, amount=amount, now=now
            )
        except PaymentGatewayError as exc:
            _log_attempt(store, bill_id, now, "GATEWAY_ERROR", str(exc))
            raise
        status = "PAID" if result.status == "SUCCEEDED" else "DECLINED"
        charge_id, detail = result.charge_id, result.message
    payment_id = f"PAY-{bill_id}"
    with store.transaction() as conn:
        raced = payment_for_bill(store, bill_id)
        if raced is not None:  # a concurrent copy recorded the same (idempotent) charge
            return {**raced, "replayed": True}
        conn.execute(
            "INSERT INTO metering_payment_attempts (bill_id, attempted_at, outcome, detail) "
            "VALUES (?, ?, ?, ?)",
            (bill_id, now.isoformat(), status, detail),
        )
        conn.execute(
            "INSERT INTO metering_payments VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                payment_id,
                bill_id,
                account.account_id,
                format_amount(amount),
                status,
                charge_id,
                now.isoformat(),
            ),
        )
        set_bill_status(store, bill_id, BILL_STATUS[status], now)
    recorded = payment_for_bill(store, bill_id)
    assert recorded is not None
    return recorded


@reads_event_only
def handler(
    event: object,
    context: object = None,
    *,
    db: str | None = None,
    clock: Clock | None = None,
    gateway: GatewayFactory | None = None,
) -> dict[str, Any]:
    """Lambda entry point (ProcessPayment); the gateway defaults to the simulated one."""
    with open_store(db) as store:
        chosen = (
            gateway(store) if gateway else SimulatedGateway(store, fail_first=fail_first_from_env())
        )
        return process_payment(event, store=store, now=(clock or system_clock)(), gateway=chosen)

"""The payment gateway seam, and an offline simulated gateway with test tokens.

Like a card processor's test mode, the simulated gateway's behaviour is chosen by the account's
payment token, so a sample input can exercise every path of the billing machine:

==================  ===================================================================
``tok_visa`` etc.   any other token: the charge succeeds
``tok_declined``    the card is declined (a business outcome, returned, not raised)
``tok_flaky``       the first 2 requests per idempotency key fail with a gateway error, then
                    the charge succeeds (exercises the machine's Retry)
``tok_down``        every request fails with a gateway error (Retry exhausted -> PaymentError)
==================  ===================================================================

``SimulatedGateway(store, fail_first=n)`` makes the first ``n`` requests per key fail whatever
the token; the default handler reads ``n`` from ``$ASLRUN_GATEWAY_FAIL_FIRST``. Charges are
idempotent per key, as real gateways' idempotency keys are: repeating a request after a success
returns the same charge and never charges twice. The gateway's own records live in the
``metering_gateway_*`` tables, standing in for the processor's side.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from handlers.metering.errors import PaymentGatewayError
from handlers.metering.store import MeteringStore

__all__ = ["ChargeResult", "PaymentGateway", "SimulatedGateway", "fail_first_from_env"]

FLAKY_FAILURES = 2


@dataclass(frozen=True)
class ChargeResult:
    """What the gateway answered: SUCCEEDED with a charge id, or DECLINED with a reason."""

    status: str
    charge_id: str | None
    message: str


class PaymentGateway(Protocol):
    """Charge ``amount`` dollars to ``token``; raise PaymentGatewayError for transient failures."""

    def charge(
        self, *, idempotency_key: str, token: str, amount: Decimal, now: datetime
    ) -> ChargeResult: ...


def fail_first_from_env() -> int:
    """``$ASLRUN_GATEWAY_FAIL_FIRST`` as an int (0 when unset); a bad value is a clear error."""
    raw = os.environ.get("ASLRUN_GATEWAY_FAIL_FIRST", "").strip()
    if not raw:
        return 0
    if not raw.isdigit():
        raise ValueError(f"ASLRUN_GATEWAY_FAIL_FIRST must be a whole number, got {raw!r}")
    return int(raw)


class SimulatedGateway:
    """An offline gateway over the metering database (see the module docstring)."""

    def __init__(self, store: MeteringStore, *, fail_first: int = 0) -> None:
        self.store = store
        self.fail_first = fail_first

    def _count_request(self, key: str) -> int:
        """Record one more request for ``key`` (committed even if the request then fails)."""
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO metering_gateway_requests VALUES (?, 1) ON CONFLICT(idempotency_key) "
                "DO UPDATE SET attempts = attempts + 1",
                (key,),
            )
            row = conn.execute(
                "SELECT attempts FROM metering_gateway_requests WHERE idempotency_key = ?", (key,)
            ).fetchone()
        return int(row[0])

    def charge(
        self, *, idempotency_key: str, token: str, amount: Decimal, now: datetime
    ) -> ChargeResult:
        """Charge once per key; see the module docstring for the test tokens."""
        done = self.store.conn.execute(
            "SELECT charge_id FROM metering_gateway_charges WHERE idempotency_key = ?",
            (idempotency_key,),
        ).fetchone()
        if done is not None:
            return ChargeResult("SUCCEEDED", done[0], "already charged (idempotent repeat)")
        attempt = self._count_request(idempotency_key)
        if (
            attempt <= self.fail_first
            or token == "tok_down"
            or (token == "tok_flaky" and attempt <= FLAKY_FAILURES)
        ):
            raise PaymentGatewayError(
                f"payment gateway unavailable (simulated) on attempt {attempt} for "
                f"{idempotency_key}"
            )
        if token == "tok_declined":
            return ChargeResult("DECLINED", None, "card declined (simulated)")
        charge_id = "ch_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO metering_gateway_charges VALUES (?, ?, ?, ?, ?)",
                (idempotency_key, charge_id, token, str(amount), now.isoformat()),
            )
        return ChargeResult("SUCCEEDED", charge_id, "charged (simulated)")

"""The Lambda functions of the billing and bulk machines, by FunctionName.

``HANDLERS`` binds each FunctionName to its module's ``handler(event, context)``, which uses the
default database (``$ASLRUN_DB``, else ``.aslrun/aslrun.sqlite3``) and the system clock, exactly
as deployed. ``build_handlers(db=..., clock=..., gateway=...)`` binds the same functions to an
explicit database, clock and payment gateway: what tests and reproducible runs use::

    from aslrun import StateMachine
    from handlers.metering.lambdas import build_handlers

    machine = StateMachine.from_file("machines/billing.asl.json", substitutions=...)
    machine.execute(reading, handlers=build_handlers(db="run.sqlite3"))
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from typing import Any

from handlers.metering import anomaly, bill, notify, payment, status, usage, validate
from handlers.metering.clock import Clock
from handlers.metering.payment import GatewayFactory

__all__ = ["HANDLERS", "Handler", "build_handlers"]

Handler = Callable[[Any, Any], Any]

HANDLERS: Mapping[str, Handler] = {
    "ValidateMeterReading": validate.handler,
    "CheckMeterStatus": status.handler,
    "CalculateUsage": usage.handler,
    "DetectAnomaly": anomaly.handler,
    "GenerateBill": bill.handler,
    "ProcessPayment": payment.handler,
    "NotifyCustomer": notify.handler,
}


def build_handlers(
    *,
    db: str | os.PathLike[str] | None = None,
    clock: Clock | None = None,
    gateway: GatewayFactory | None = None,
) -> dict[str, Handler]:
    """``HANDLERS`` bound to a database path, a clock and (for ProcessPayment) a gateway."""
    path = os.fspath(db) if db is not None else None
    bound: dict[str, Handler] = {
        name: functools.partial(fn, db=path, clock=clock)  # type: ignore[call-arg]
        for name, fn in HANDLERS.items()
    }
    bound["ProcessPayment"] = functools.partial(
        payment.handler, db=path, clock=clock, gateway=gateway
    )
    return bound

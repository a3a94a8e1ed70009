"""The metering tests' fleet, clock and event builders (plain functions and constants).

Test modules import these from here, not from a conftest: two conftest modules share the name
``conftest``, so ``from conftest import NOW`` reads whichever was imported last and collection
would depend on order. The fixtures built on them (db_path, store, clock) stay in
tests/handlers/metering/conftest.py.

Meters (all read 12 Sep 2024 09:30 -> 14 Oct 2024 10:00 NEM time unless a test says otherwise):

- MTR-1 / ACC-1: single phase, interval, solar export enabled, RES-FLAT (price change 1 Oct)
- MTR-2 / ACC-2: three phase basic meter, 5 digits, RES-BLOCK with controlled load;
  registers E1 = 99900.0, E2 = 100.0 at the previous read
- MTR-3 / ACC-3: gas basic meter, 5 digits, GAS-BLOCK; register E1 = 1000.0 m3
- MTR-4 / ACC-4: single phase, interval, no export, RES-TOU, no card on file
"""

from __future__ import annotations

import copy
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from fixtures.metering.plans import plan_tariffs
from handlers.metering.periods import NEM_TZ
from handlers.metering.store import Account, Meter, MeteringStore

NOW = datetime(2024, 10, 14, 12, 0, tzinfo=NEM_TZ)
PREVIOUS_AT = datetime(2024, 9, 12, 9, 30, tzinfo=NEM_TZ)
READ_AT = datetime(2024, 10, 14, 10, 0, tzinfo=NEM_TZ)


def _meter(meter_id: str, account_id: str, nmi: str, **overrides: Any) -> Meter:
    values: dict[str, Any] = dict(
        meter_id=meter_id,
        account_id=account_id,
        nmi=nmi,
        fuel="ELECTRICITY",
        phases=1,
        register_digits=6,
        max_demand=Decimal(15),
        installed_on=date(2020, 1, 1),
        removed_on=None,
        export_enabled=False,
        heating_value=Decimal("38.6"),
        pressure_factor=Decimal("1.02"),
    )
    values.update(overrides)
    return Meter(**values)


def seed(store: MeteringStore) -> None:
    """Write the fleet described in the module docstring."""
    with store.transaction():
        for tariff in plan_tariffs():
            store.put_tariff(tariff)
        accounts = [
            ("ACC-1", "RES-FLAT", "tok_visa"),
            ("ACC-2", "RES-BLOCK", "tok_visa"),
            ("ACC-3", "GAS-BLOCK", "tok_visa"),
            ("ACC-4", "RES-TOU", None),
        ]
        for account_id, tariff, token in accounts:
            store.put_account(
                Account(
                    account_id,
                    f"Customer {account_id}",
                    f"{account_id.lower()}@example.com",
                    tariff,
                    token,
                    "ACTIVE",
                )
            )
        store.put_meter(_meter("MTR-1", "ACC-1", "4100000001", export_enabled=True))
        store.put_meter(
            _meter(
                "MTR-2", "ACC-2", "4100000002", phases=3, register_digits=5, max_demand=Decimal(45)
            )
        )
        store.put_meter(
            _meter(
                "MTR-3",
                "ACC-3",
                "5200000003",
                fuel="GAS",
                register_digits=5,
                max_demand=Decimal(12),
            )
        )
        store.put_meter(_meter("MTR-4", "ACC-4", "4100000004"))
        store.advance_register("MTR-2", "E1", Decimal("99900.0"), PREVIOUS_AT, None)
        store.advance_register("MTR-2", "E2", Decimal("100.0"), PREVIOUS_AT, None)
        store.advance_register("MTR-3", "E1", Decimal("1000.0"), PREVIOUS_AT, None)


def interval_event(
    meter: str = "MTR-1",
    *,
    start: date = date(2024, 9, 12),
    end: date = date(2024, 10, 14),
    value: Any = 0.5,
    export: Any = None,
    reading_id: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """An INTERVAL reading with every E1 interval = ``value`` (and B1 = ``export`` if given)."""
    number = meter.split("-")[1]
    days = [start + timedelta(days=i) for i in range((end - start).days)]
    intervals: dict[str, Any] = {
        "E1": [{"date": d.isoformat(), "values": [value] * 48} for d in days]
    }
    if export is not None:
        intervals["B1"] = [{"date": d.isoformat(), "values": [export] * 48} for d in days]
    event = {
        "readingId": reading_id or f"RD-{meter}-{end.isoformat()}",
        "meterId": meter,
        "accountId": f"ACC-{number}",
        "nmi": f"410000000{number}",
        "readingType": "INTERVAL",
        "unit": "kWh",
        "readAt": datetime.combine(end, time(0, 5), NEM_TZ).isoformat(),
        "periodStart": start.isoformat(),
        "periodEnd": end.isoformat(),
        "intervalLength": 30,
        "intervals": intervals,
    }
    event.update(fields)
    return event


def basic_event(
    meter: str = "MTR-2",
    *,
    registers: dict[str, Any] | None = None,
    reading_id: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """An ACCUMULATION reading read at READ_AT; previous indexes come from the database."""
    number = meter.split("-")[1]
    registers = registers if registers is not None else {"E1": "348.0", "E2": "260.0"}
    nmi = f"520000000{number}" if meter == "MTR-3" else f"410000000{number}"
    event = {
        "readingId": reading_id or f"RD-{meter}-basic",
        "meterId": meter,
        "accountId": f"ACC-{number}",
        "nmi": nmi,
        "readingType": "ACCUMULATION",
        "unit": "m3" if meter == "MTR-3" else "kWh",
        "readAt": READ_AT.isoformat(),
        "registers": [{"suffix": s, "currentRead": v} for s, v in registers.items()],
    }
    event.update(fields)
    return event


def wrapped(payload: Any) -> dict[str, Any]:
    """What lambda:invoke puts at a ResultPath."""
    return {"ExecutedVersion": "$LATEST", "Payload": payload, "StatusCode": 200}


def deep(event: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(event)

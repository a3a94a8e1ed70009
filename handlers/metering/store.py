"""The metering database layer: meters, accounts, tariffs, registers and meter events.

:func:`open_store` opens (creating on first use) the embedded SQLite database through
:mod:`handlers.db`: an explicit path, else ``$ASLRUN_DB``, else ``.aslrun/aslrun.sqlite3``. The
handlers' own ledgers (readings, usage, bills, payments, outbox) keep their SQL next to the
handler that owns them and reach the connection as ``store.conn``; every write happens inside
``store.transaction()`` so a failure leaves no half-written rows.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any

from handlers.db import apply_schema, shared_connection, transaction
from handlers.metering.errors import UnknownAccount
from handlers.metering.schema import SCHEMA
from handlers.metering.tariff_model import Tariff, TariffSchedule

__all__ = [
    "DEFAULT_GAS_MAX_FLOW",
    "TAMPER_EVENTS",
    "Account",
    "Meter",
    "MeteringStore",
    "open_store",
]

DEFAULT_KW_PER_PHASE = Decimal(15)
DEFAULT_GAS_MAX_FLOW = Decimal(12)  # m3/h, our default for a residential gas meter
DEFAULT_HEATING_VALUE = Decimal("38.6")  # MJ/m3
DEFAULT_PRESSURE_FACTOR = Decimal("1.02")
TAMPER_EVENTS = frozenset({"TAMPER", "COVER_OPENED", "MAGNETIC_INTERFERENCE"})
COMMS_EVENTS = ("COMMS_LOST", "COMMS_RESTORED")


@dataclass(frozen=True)
class Meter:
    """A meter as installed at a site; ``max_demand`` is kW (electricity) or m3/h (gas)."""

    meter_id: str
    account_id: str
    nmi: str
    fuel: str
    phases: int
    register_digits: int
    max_demand: Decimal
    installed_on: date
    removed_on: date | None
    export_enabled: bool
    heating_value: Decimal
    pressure_factor: Decimal

    @property
    def rollover_at(self) -> Decimal:
        """The register value that wraps to zero: 10 ** digits."""
        return Decimal(10) ** self.register_digits


@dataclass(frozen=True)
class Account:
    """A customer account: who is billed, on which tariff, paying with which token."""

    account_id: str
    customer_name: str
    email: str | None
    tariff_code: str
    payment_token: str | None
    status: str


def _meter(row: sqlite3.Row) -> Meter:
    return _meter_of(tuple(row.keys()), tuple(row))


@functools.lru_cache(maxsize=4096)
def _meter_of(columns: tuple[str, ...], values: tuple[Any, ...]) -> Meter:
    """The meter a stored row describes, made once per distinct row: each handler of a reading
    reads its meter (a Lambda keeps nothing between calls), and a frozen :class:`Meter` made again
    from the same values parsed its Decimals and dates each time."""
    row = dict(zip(columns, values))
    gas = row["fuel"] == "GAS"
    default_demand = DEFAULT_GAS_MAX_FLOW if gas else DEFAULT_KW_PER_PHASE * row["phases"]
    return Meter(
        meter_id=row["meter_id"],
        account_id=row["account_id"],
        nmi=row["nmi"],
        fuel=row["fuel"],
        phases=row["phases"],
        register_digits=row["register_digits"],
        max_demand=Decimal(row["max_demand"]) if row["max_demand"] else default_demand,
        installed_on=date.fromisoformat(row["installed_on"]),
        removed_on=date.fromisoformat(row["removed_on"]) if row["removed_on"] else None,
        export_enabled=bool(row["export_enabled"]),
        heating_value=Decimal(row["heating_value"] or DEFAULT_HEATING_VALUE),
        pressure_factor=Decimal(row["pressure_factor"] or DEFAULT_PRESSURE_FACTOR),
    )


@functools.lru_cache(maxsize=4096)
def _account_of(columns: tuple[str, ...], values: tuple[Any, ...]) -> Account:
    """The account a stored row describes, made once per distinct row (as :func:`_meter_of`)."""
    return Account(**dict(zip(columns, values)))


@functools.lru_cache(maxsize=256)
def _schedule_of(tariff_code: str, definitions: tuple[str, ...]) -> TariffSchedule:
    """The schedule the stored definitions (JSON texts, oldest first) describe, parsed once per
    distinct texts: every reading of an account prices against the same few versions, and a
    :class:`Tariff` is frozen, so one parse serves them all (and the bill engine's per-day band
    cache then finds the very same tariff object)."""
    return TariffSchedule(
        [Tariff.from_json(json.loads(text), where=f"tariff {tariff_code}") for text in definitions]
    )


class MeteringStore(AbstractContextManager["MeteringStore"]):
    """One open connection to the metering tables; use as a context manager to close it (a
    connection the thread shares, from :func:`open_store`, stays open for the next call)."""

    def __init__(self, conn: sqlite3.Connection, *, owned: bool = True) -> None:
        self.conn = conn
        self.owned = owned

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.owned:
            self.conn.close()

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """All writes inside happen, or none do (``with store.transaction() as conn:``)."""
        return transaction(self.conn)

    # --- reference data -------------------------------------------------------------------

    def put_tariff(self, tariff: Tariff) -> None:
        """Insert or replace one tariff version."""
        with self.transaction():
            self.conn.execute(
                "INSERT OR REPLACE INTO metering_tariffs VALUES (?, ?, ?)",
                (tariff.code, tariff.effective_from.isoformat(), json.dumps(tariff.to_json())),
            )

    def tariff_schedule(self, tariff_code: str) -> TariffSchedule:
        """Every version of a tariff; :class:`UnknownAccount` when the code has none."""
        rows = self.conn.execute(
            "SELECT definition FROM metering_tariffs WHERE tariff_code = ? ORDER BY effective_from",
            (tariff_code,),
        ).fetchall()
        if not rows:
            raise UnknownAccount(f"tariff {tariff_code!r} is not in the database")
        return _schedule_of(tariff_code, tuple(row["definition"] for row in rows))

    def put_account(self, account: Account) -> None:
        """Insert or replace an account."""
        with self.transaction():
            self.conn.execute(
                "INSERT OR REPLACE INTO metering_accounts VALUES (?, ?, ?, ?, ?, ?)",
                (
                    account.account_id,
                    account.customer_name,
                    account.email,
                    account.tariff_code,
                    account.payment_token,
                    account.status,
                ),
            )

    def account(self, account_id: str) -> Account | None:
        """The account, or None."""
        row = self.conn.execute(
            "SELECT * FROM metering_accounts WHERE account_id = ?", (account_id,)
        ).fetchone()
        return _account_of(tuple(row.keys()), tuple(row)) if row else None

    def require_account(self, account_id: str) -> Account:
        """The account, or :class:`UnknownAccount` naming it."""
        found = self.account(account_id)
        if found is None:
            raise UnknownAccount(f"account {account_id!r} is not in the database")
        return found

    def put_meter(self, meter: Meter, *, explicit_max_demand: bool = True) -> None:
        """Insert or replace a meter (``explicit_max_demand=False`` stores the phase default)."""
        with self.transaction():
            self.conn.execute(
                "INSERT OR REPLACE INTO metering_meters VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    meter.meter_id,
                    meter.account_id,
                    meter.nmi,
                    meter.fuel,
                    meter.phases,
                    meter.register_digits,
                    str(meter.max_demand) if explicit_max_demand else None,
                    meter.installed_on.isoformat(),
                    meter.removed_on.isoformat() if meter.removed_on else None,
                    int(meter.export_enabled),
                    str(meter.heating_value),
                    str(meter.pressure_factor),
                ),
            )

    def meter(self, meter_id: str) -> Meter | None:
        """The meter, or None."""
        row = self.conn.execute(
            "SELECT * FROM metering_meters WHERE meter_id = ?", (meter_id,)
        ).fetchone()
        return _meter(row) if row else None

    def require_meter(self, meter_id: str) -> Meter:
        """The meter, or :class:`UnknownAccount` naming it."""
        found = self.meter(meter_id)
        if found is None:
            raise UnknownAccount(f"meter {meter_id!r} is not in the database")
        return found

    # --- registers (the meters' cumulative counters) --------------------------------------

    def register(self, meter_id: str, suffix: str) -> tuple[Decimal, datetime] | None:
        """The last accepted value of a register and when it was read, or None."""
        row = self.conn.execute(
            "SELECT value, read_at FROM metering_registers WHERE meter_id = ? AND suffix = ?",
            (meter_id, suffix),
        ).fetchone()
        if row is None:
            return None
        return Decimal(row["value"]), datetime.fromisoformat(row["read_at"])

    def advance_register(
        self, meter_id: str, suffix: str, value: Decimal, read_at: datetime, reading_id: str | None
    ) -> None:
        """Record a newer register value (an older read never moves the counter back)."""
        current = self.register(meter_id, suffix)
        if current is not None and current[1] >= read_at:
            return
        with self.transaction():
            self.conn.execute(
                "INSERT OR REPLACE INTO metering_registers VALUES (?, ?, ?, ?, ?)",
                (meter_id, suffix, str(value), read_at.isoformat(), reading_id),
            )

    # --- meter events (communications, tamper alarms) -------------------------------------

    def add_meter_event(
        self, meter_id: str, occurred_at: datetime, event_type: str, detail: str | None = None
    ) -> None:
        """Append a meter event (COMMS_LOST, COMMS_RESTORED, TAMPER, TAMPER_CLEARED...)."""
        with self.transaction():
            self.conn.execute(
                "INSERT INTO metering_meter_events (meter_id, occurred_at, event_type, detail) "
                "VALUES (?, ?, ?, ?)",
                (meter_id, occurred_at.isoformat(), event_type, detail),
            )

    def clear_meter_events(self, meter_id: str) -> None:
        """Forget a meter's log (fixtures rebuilding a sample database)."""
        with self.transaction():
            self.conn.execute("DELETE FROM metering_meter_events WHERE meter_id = ?", (meter_id,))

    def meter_events(self, meter_id: str) -> list[tuple[datetime, str, str | None]]:
        """The meter's events, oldest first."""
        rows = self.conn.execute(
            "SELECT occurred_at, event_type, detail FROM metering_meter_events "
            "WHERE meter_id = ? ORDER BY occurred_at, event_id",
            (meter_id,),
        ).fetchall()
        return [(datetime.fromisoformat(r[0]), r[1], r[2]) for r in rows]


_TABLES = SCHEMA.count("CREATE TABLE IF NOT EXISTS")


def open_store(path: str | os.PathLike[str] | None = None) -> MeteringStore:
    """Open the metering database (created with its tables on first use).

    The connection is the thread's shared one (:func:`handlers.db.shared_connection`): a handler
    called a thousand times opens the file once. The schema is applied only when a metering table
    is missing: one catalogue query per connection (a file replaced gets a new one) instead of some
    thirty idempotent statements on every call.
    """
    conn = shared_connection(path)
    if _WITH_TABLES.get(id(conn)) is not conn:  # (the connection is kept: by identity, not by an id reused)
        present = conn.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 'metering\\_%' "
            "ESCAPE '\\'"
        ).fetchone()[0]
        if present < _TABLES:
            apply_schema(conn, SCHEMA)
        with _WITH_TABLES_LOCK:
            _WITH_TABLES[id(conn)] = conn
            while len(_WITH_TABLES) > _WITH_TABLES_KEPT:
                del _WITH_TABLES[next(iter(_WITH_TABLES))]
    return MeteringStore(conn, owned=False)


#: shared connections known to have the metering tables (checked once per connection, not per call:
#: a connection is opened afresh when its file is replaced), the latest few
_WITH_TABLES: dict[int, sqlite3.Connection] = {}
_WITH_TABLES_LOCK = threading.Lock()
_WITH_TABLES_KEPT = 64

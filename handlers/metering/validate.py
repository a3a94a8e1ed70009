"""ValidateMeterReading: is this reading fit to bill? Returns ``{"isValid", "errors", ...}``.

Rules (DOMAIN.md, "Validation and anomalies"; error codes in brackets):

- required fields present [MISSING_FIELD], well-typed [INVALID_FIELD, INVALID_TIMESTAMP];
- every value numeric, finite and >= 0 [INVALID_READING_VALUE]; NEM day rows complete
  [INVALID_INTERVAL_COUNT] and covering the period without gaps [INCOMPLETE_INTERVAL_DATA];
- the meter exists and belongs to the account and NMI [UNKNOWN_METER, METER_ACCOUNT_MISMATCH,
  NMI_MISMATCH]; the unit suits its fuel [INVALID_UNIT];
- not in the future beyond 5 minutes of slack [FUTURE_TIMESTAMP]; within the meter's install
  period [OUTSIDE_INSTALL_PERIOD]; the period has at least one day [INVALID_PERIOD];
- registers: an index below 10^digits; current >= previous unless a plausible rollover:
  10^digits - previous + current <= max demand x hours (15 kW single phase, 45 kW three phase,
  12 m3/h gas) [REGISTER_WENT_BACKWARDS]; any advance or interval above max demand x hours is
  physically impossible [IMPLAUSIBLE_USAGE]; a previous index must be known [MISSING_PREVIOUS_READ];
- a second reading of the same meter and type within 24 h of an accepted one is skipped
  [DUPLICATE_READING, ``"duplicate": true``]; a reused reading id with different content is refused
  [READING_ID_CONFLICT]. The same reading id and content again (a retry) gets its first verdict.

A valid reading is recorded and advances the meter's registers in the same transaction as the
duplicate check, so two copies validated concurrently cannot both pass.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from handlers.marks import reads_event_only
from handlers.metering.clock import Clock, system_clock
from handlers.metering.errors import ReferenceDataMissing
from handlers.metering.metered import PreviousRead, unit_factor
from handlers.metering.periods import NEM_TZ, days_between, iter_days, nem_date
from handlers.metering.reading_log import find_duplicate, record_result, stored_result
from handlers.metering.readings import ELECTRIC_UNITS, Issue, Reading, content_hash, parse_reading, same_content
from handlers.metering.store import Meter, MeteringStore, open_store

__all__ = ["FUTURE_SLACK", "handler", "validate_reading"]

FUTURE_SLACK = timedelta(minutes=5)


def _no_reference_data(store: MeteringStore, meter_id: str) -> ReferenceDataMissing:
    """A reading for a meter of a database that registers no meter at all: most likely not the
    database meant (run from another directory, $ASLRUN_DB unset): say which one was opened and the
    way out. Judging the reading INVALID there would record a wrong verdict for a good reading."""
    files = [row[2] for row in store.conn.execute("PRAGMA database_list") if row[1] == "main"]
    where = files[0] if files and files[0] else "an in-memory database"
    return ReferenceDataMissing(
        f"meter {meter_id!r} cannot be checked: the database {where} registers no meter at all. Load the "
        "sample sites with `python -m fixtures.metering.samples --fresh` (it writes $ASLRUN_DB, else "
        ".aslrun/aslrun.sqlite3 under the current directory), or point $ASLRUN_DB at the database that "
        "has them")


def _identity_issues(reading: Reading, meter: Meter | None) -> list[Issue]:
    if meter is None:
        return [Issue("UNKNOWN_METER", "meterId", f"meter {reading.meter_id!r} is not registered")]
    issues = []
    if meter.account_id != reading.account_id:
        issues.append(
            Issue(
                "METER_ACCOUNT_MISMATCH",
                "accountId",
                f"meter {meter.meter_id} belongs to account {meter.account_id}, "
                f"not {reading.account_id}",
            )
        )
    if meter.nmi != reading.nmi:
        issues.append(
            Issue(
                "NMI_MISMATCH",
                "nmi",
                f"meter {meter.meter_id} is on NMI {meter.nmi}, not {reading.nmi}",
            )
        )
    gas_unit = reading.unit not in ELECTRIC_UNITS
    if gas_unit != (meter.fuel == "GAS"):
        issues.append(
            Issue(
                "INVALID_UNIT",
                "unit",
                f"unit {reading.unit} does not suit a {meter.fuel.lower()} meter",
            )
        )
    return issues


def _install_issue(meter: Meter, first: date, last: date, where: str) -> Issue | None:
    """Days ``first``..``last`` (inclusive) must fall while the meter was installed."""
    if first < meter.installed_on:
        return Issue(
            "OUTSIDE_INSTALL_PERIOD",
            where,
            f"{first.isoformat()} is before meter {meter.meter_id} was installed "
            f"({meter.installed_on.isoformat()})",
        )
    if meter.removed_on is not None and last >= meter.removed_on:
        return Issue(
            "OUTSIDE_INSTALL_PERIOD",
            where,
            f"{last.isoformat()} is on or after meter {meter.meter_id} was removed "
            f"({meter.removed_on.isoformat()})",
        )
    return None


def _capacity_factor(reading: Reading, meter: Meter) -> Decimal:
    """Converts the reading's unit to the unit max demand is stated in (kW x h or m3)."""
    if meter.fuel == "ELECTRICITY":
        return unit_factor(reading, meter)
    if reading.unit == "MJ":
        return 1 / unit_factor(replace(reading, unit="m3"), meter)
    return Decimal(1)


def _interval_issues(reading: Reading, meter: Meter) -> tuple[list[Issue], date, date]:
    issues: list[Issue] = []
    e1 = reading.intervals["E1"]
    start = reading.period_start or min(row.day for row in e1)
    end = reading.period_end or max(row.day for row in e1) + timedelta(days=1)
    if end <= start:
        problem = Issue(
            "INVALID_PERIOD", "periodEnd", f"periodEnd {end} must be after periodStart {start}"
        )
        return [problem], start, end
    expected = list(iter_days(start, end))
    for suffix, rows in reading.intervals.items():
        days = [row.day for row in rows]
        where = f"intervals.{suffix}"
        repeated = sorted(d for d, seen in Counter(days).items() if seen > 1)
        if repeated:
            issues.append(
                Issue("INVALID_FIELD", where, f"{where} repeats {repeated[0].isoformat()}")
            )
        present = set(days)
        missing = [d for d in expected if d not in present]
        extra = sorted(d for d in set(days) if not start <= d < end)
        if missing or extra:
            if missing:
                more = f" and {len(missing) - 1} more day(s)" if len(missing) > 1 else ""
                detail = f"missing {missing[0].isoformat()}{more}"
            else:
                detail = f"has {extra[0].isoformat()} outside the period"
            issues.append(
                Issue(
                    "INCOMPLETE_INTERVAL_DATA",
                    where,
                    f"{where} must cover {start.isoformat()} to {end.isoformat()} "
                    f"(end exclusive): {detail}",
                )
            )
    if datetime(end.year, end.month, end.day, tzinfo=NEM_TZ) > reading.read_at + FUTURE_SLACK:
        issues.append(
            Issue(
                "FUTURE_TIMESTAMP",
                "periodEnd",
                f"interval data up to {end.isoformat()} cannot be complete at readAt "
                f"{reading.read_at.isoformat()}",
            )
        )
    install = _install_issue(meter, start, end - timedelta(days=1), "intervals.E1")
    if install:
        issues.append(install)
    limit = meter.max_demand * Decimal(reading.interval_minutes or 30) / 60
    factor = _capacity_factor(reading, meter)
    for suffix, rows in reading.intervals.items():
        for index, row in enumerate(rows):
            if factor >= 0 and row.values and row.highest * factor <= limit:  # type: ignore[operator]
                continue  # x factor (>= 0) keeps the order: no value of the day is above the limit
            for slot, value in enumerate(row.values):
                if value * factor > limit:
                    issues.append(
                        Issue(
                            "IMPLAUSIBLE_USAGE",
                            f"intervals.{suffix}[{index}].values[{slot}]",
                            f"{value} {reading.unit} in {reading.interval_minutes} min exceeds "
                            f"what max demand {meter.max_demand} can deliver ({limit})",
                        )
                    )
                    break
    return issues, start, end


def _register_issues(
    store: MeteringStore, reading: Reading, meter: Meter
) -> tuple[list[Issue], dict[str, PreviousRead], date | None, date | None]:
    issues: list[Issue] = []
    previous: dict[str, PreviousRead] = {}
    factor = _capacity_factor(reading, meter)
    for index, (suffix, register) in enumerate(reading.registers.items()):
        where = f"registers[{index}]"
        if register.current >= meter.rollover_at:
            issues.append(
                Issue(
                    "INVALID_READING_VALUE",
                    f"{where}.currentRead",
                    f"{register.current} does not fit a {meter.register_digits}-digit register",
                )
            )
            continue
        if register.previous is not None:
            if reading.previous_read_at is None:
                issues.append(
                    Issue(
                        "MISSING_FIELD",
                        "previousReadAt",
                        "previousReadAt is required with previousRead",
                    )
                )
                continue
            before = PreviousRead(register.previous, reading.previous_read_at)
        else:
            known = store.register(meter.meter_id, suffix)
            if known is None or known[1] >= reading.read_at:
                issues.append(
                    Issue(
                        "MISSING_PREVIOUS_READ",
                        f"{where}.previousRead",
                        f"no earlier {suffix} read is recorded for meter {meter.meter_id}; "
                        "send previousRead and previousReadAt",
                    )
                )
                continue
            before = PreviousRead(*known)
        previous[suffix] = before
        hours = Decimal((reading.read_at - before.read_at).total_seconds()) / 3600
        if hours <= 0:
            issues.append(
                Issue(
                    "INVALID_PERIOD",
                    "readAt",
                    f"readAt must be after the previous read ({before.read_at.isoformat()})",
                )
            )
            continue
        capacity = meter.max_demand * hours
        if register.current >= before.value:
            advance = (register.current - before.value) * factor
            if advance > capacity:
                issues.append(
                    Issue(
                        "IMPLAUSIBLE_USAGE",
                        f"{where}.currentRead",
                        f"{suffix} advanced {advance} in {hours:.1f} h, more than "
                        f"max demand {meter.max_demand} x hours = {capacity:.1f}",
                    )
                )
        else:
            wrapped = (meter.rollover_at - before.value + register.current) * factor
            if wrapped > capacity:
                issues.append(
                    Issue(
                        "REGISTER_WENT_BACKWARDS",
                        f"{where}.currentRead",
                        f"{suffix} fell from {before.value} to {register.current}; a "
                        f"rollover would mean {wrapped} in {hours:.1f} h, more than "
                        f"{capacity:.1f}",
                    )
                )
    if not previous:
        return issues, previous, None, None
    started = min(p.read_at for p in previous.values())
    start, end = nem_date(started), nem_date(reading.read_at)
    if end <= start:
        issues.append(
            Issue(
                "INVALID_PERIOD",
                "readAt",
                "the previous and current reads fall on the same NEM day",
            )
        )
    install = _install_issue(meter, start, max(start, end - timedelta(days=1)), "previousReadAt")
    if install:
        issues.append(install)
    return issues, previous, start, end


def _verdict(
    reading_id: str | None,
    meter_id: str | None,
    issues: list[Issue],
    *,
    status: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "isValid": not issues,
        "status": status or ("VALID" if not issues else "INVALID"),
        "readingId": reading_id,
        "meterId": meter_id,
        "errors": [issue.to_json() for issue in issues],
        **extra,
    }


def validate_reading(
    event: Mapping[str, Any], *, store: MeteringStore, now: datetime
) -> dict[str, Any]:
    """Judge one reading against its fields and the database; record the verdict."""
    reading, issues = parse_reading(event)
    raw_id = event.get("readingId") if isinstance(event, Mapping) else None
    raw_meter = event.get("meterId") if isinstance(event, Mapping) else None
    if reading is None:
        result = _verdict(
            raw_id if isinstance(raw_id, str) else None,
            raw_meter if isinstance(raw_meter, str) else None,
            issues,
        )
        if isinstance(raw_id, str) and isinstance(raw_meter, str) and raw_id:
            with store.transaction():
                if stored_result(store, raw_id) is None:
                    record_result(
                        store,
                        result,
                        content_hash=content_hash(event),
                        account_id=None,
                        reading_type=None,
                        read_at=None,
                        received_at=now,
                    )
        return result

    fingerprint = content_hash(event)
    with store.transaction():
        earlier = stored_result(store, reading.reading_id)
        if earlier is not None:
            if not same_content(earlier[0], event, fingerprint):
                return _verdict(
                    reading.reading_id,
                    reading.meter_id,
                    [
                        Issue(
                            "READING_ID_CONFLICT",
                            "readingId",
                            f"reading {reading.reading_id} was already received with other content",
                        )
                    ],
                )
            if earlier[1]["status"] == "VALID":
                return {**earlier[1], "replayed": True}
        result = _judge(store, reading, now)
        record_result(
            store,
            result,
            content_hash=fingerprint,
            account_id=reading.account_id,
            reading_type=reading.reading_type,
            read_at=reading.read_at,
            received_at=now,
        )
        if result["isValid"]:
            for suffix, register in reading.registers.items():
                store.advance_register(
                    reading.meter_id, suffix, register.current, reading.read_at, reading.reading_id
                )
    return result


def _judge(store: MeteringStore, reading: Reading, now: datetime) -> dict[str, Any]:
    meter = store.meter(reading.meter_id)
    if meter is None and not store.conn.execute("SELECT EXISTS (SELECT 1 FROM metering_meters)").fetchone()[0]:
        raise _no_reference_data(store, reading.meter_id)  # inside the verdict's transaction: nothing recorded
    identity = _identity_issues(reading, meter)
    if meter is None or identity:
        # the wrong meter, account or unit: measuring against this meter would only add noise
        return _verdict(reading.reading_id, reading.meter_id, identity)
    issues = []
    if reading.read_at > now + FUTURE_SLACK:
        issues.append(
            Issue(
                "FUTURE_TIMESTAMP",
                "readAt",
                f"readAt {reading.read_at.isoformat()} is in the future "
                f"(now {now.astimezone(UTC).isoformat()})",
            )
        )
    twin = find_duplicate(
        store, reading.reading_id, reading.meter_id, reading.reading_type, reading.read_at
    )
    if twin is not None:
        return _verdict(
            reading.reading_id,
            reading.meter_id,
            [
                Issue(
                    "DUPLICATE_READING",
                    "readingId",
                    f"meter {reading.meter_id} already has {reading.reading_type} reading {twin} "
                    "within 24 hours; this one is skipped",
                )
            ],
            status="DUPLICATE",
            duplicate=True,
            duplicateOf=twin,
        )
    previous: dict[str, PreviousRead] = {}
    start: date | None
    end: date | None
    if reading.is_interval:
        found, start, end = _interval_issues(reading, meter)
    else:
        found, previous, start, end = _register_issues(store, reading, meter)
    issues.extend(found)
    extra: dict[str, Any] = {}
    if start and end and end > start:
        extra.update(
            periodStart=start.isoformat(), periodEnd=end.isoformat(), days=days_between(start, end)
        )
    if previous:
        extra["previousReads"] = {
            s: {"value": str(p.value), "readAt": p.read_at.isoformat()} for s, p in previous.items()
        }
    return _verdict(reading.reading_id, reading.meter_id, issues, duplicate=False, **extra)


@reads_event_only
def handler(
    event: Mapping[str, Any],
    context: object = None,
    *,
    db: str | None = None,
    clock: Clock | None = None,
) -> dict[str, Any]:
    """Lambda entry point (ValidateMeterReading)."""
    with open_store(db) as store:
        return validate_reading(event, store=store, now=(clock or system_clock)())

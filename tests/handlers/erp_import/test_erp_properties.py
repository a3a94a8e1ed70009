"""Properties: the German day against an independent DST rule, and re-imports that change nothing."""

from datetime import UTC, datetime, timedelta

from erp_support import import_readings, reading, reading_config, rows, seed_meters
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.erp_import import open_database
from handlers.erp_import.timestamps import BERLIN, parse_timestamp


def _last_sunday(year: int, month: int) -> datetime:
    """01:00 UTC on the last Sunday of ``month`` (March or October; EU rule since 1996)."""
    day = datetime(year, month + 1, 1, 1, tzinfo=UTC) - timedelta(days=1)
    while day.weekday() != 6:
        day -= timedelta(days=1)
    return day


def _berlin_day_by_rule(moment: datetime) -> str:
    summer = _last_sunday(moment.year, 3) <= moment < _last_sunday(moment.year, 10)
    return (moment + timedelta(hours=2 if summer else 1)).date().isoformat()


@given(st.datetimes(min_value=datetime(1997, 1, 1), max_value=datetime(2037, 12, 31)))
def test_german_day_matches_the_eu_dst_rule(naive_utc):
    moment = naive_utc.replace(tzinfo=UTC)
    text = moment.isoformat().replace("+00:00", "Z")
    assert parse_timestamp(text).berlin_day == _berlin_day_by_rule(moment)


@given(st.datetimes(min_value=datetime(1997, 1, 1), max_value=datetime(2037, 12, 31)))
def test_naive_round_trip_through_berlin(naive_utc):
    """A UTC instant written as Berlin wall time (naive) reads back as the same instant,
    except in the autumn overlap hour, which we read as its first (summer) occurrence."""
    moment = naive_utc.replace(tzinfo=UTC, microsecond=0)
    wall = moment.astimezone(BERLIN)
    parsed = parse_timestamp(wall.replace(tzinfo=None).isoformat())
    if wall.fold == 0:
        assert parsed.utc == moment
    else:
        assert parsed.utc == moment - timedelta(hours=1)


_values = st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    offsets=st.lists(st.integers(min_value=0, max_value=400 * 24), min_size=0, max_size=12, unique=True),
    values=st.lists(_values, min_size=12, max_size=12),
    strict=st.booleans(),
)
def test_reimporting_the_same_payload_changes_nothing(tmp_path_factory, offsets, values, strict):
    conn = open_database(tmp_path_factory.mktemp("prop") / "db.sqlite3")
    seed_meters(conn)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    payload = [
        reading(f"R{i}", (start + timedelta(hours=h)).isoformat(), values[i]) for i, h in enumerate(offsets)
    ]
    config = reading_config(reading_matching="strict-date" if strict else "external_id", mode="upsert-prune-scope")
    first = import_readings(conn, payload, config)
    stored = rows(conn)
    second = import_readings(conn, payload, config)
    assert rows(conn) == stored
    counts = second["counts"]
    assert counts["created"] == counts["updated"] == counts["pruned"] == counts["errors"] == 0
    # Every reading is accounted for once, and at most one reading per German day was stored.
    assert sum(first["counts"][k] for k in ("created", "updated", "skipped")) == len(payload)
    days = [r["berlin_day"] for r in stored]
    assert len(days) == len(set(days))
    conn.close()

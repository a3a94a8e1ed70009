"""The synthetic retailer generator: seeded and repeatable, varied in every way the pipeline
cares about, and internally consistent (bills add up to the meter data they were billed from)."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import date, timedelta

import pytest

from fixtures.bua.generate import generate, main
from fixtures.bua.retailer import RetailerSpec
from handlers.bua.store import unpack_wh
from tests.helpers.once_per_run import once_per_run

SPEC = RetailerSpec(accounts=1000, seed=11)


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    """The retailer of SPEC, generated once for the whole test run (whichever xdist workers run
    this module's tests), each worker reading it through a connection of its own."""
    result = once_per_run("bua-fixture-snapshot", tmp_path_factory,
                          lambda: generate(tmp_path_factory.mktemp("fixture") / "snap.sqlite3", SPEC))
    path = result["path"]
    conn = sqlite3.connect(path)
    yield result, conn, path
    conn.close()


def digest(path) -> str:
    conn = sqlite3.connect(path)
    h = hashlib.sha256()
    for table in ("tariff", "nmi", "register", "account", "bill", "interval_read", "basic_read"):
        for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3"):
            h.update(repr(row).encode())
    conn.close()
    return h.hexdigest()


def test_same_seed_same_snapshot_other_seed_other_snapshot(tmp_path):
    small = RetailerSpec(accounts=60, seed=11)  # what is compared is the seed, not the size
    first = generate(tmp_path / "first.sqlite3", small)
    again = generate(tmp_path / "again.sqlite3", small)
    assert digest(again["path"]) == digest(first["path"])
    other = generate(tmp_path / "other.sqlite3", RetailerSpec(accounts=60, seed=12))
    assert digest(other["path"]) != digest(first["path"])
    with pytest.raises(FileExistsError):
        generate(tmp_path / "again.sqlite3", small)


def test_the_retailer_is_varied(snapshot):
    result, conn, _ = snapshot
    assert result["accounts"] == 1000
    one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    assert one("SELECT COUNT(DISTINCT jurisdiction) FROM nmi") == 6
    assert one("SELECT COUNT(DISTINCT customer_class) FROM account") == 2
    assert one("SELECT COUNT(DISTINCT tariff_type) FROM tariff") == 3
    assert one("SELECT COUNT(DISTINCT bill_cycle) FROM account") == 2
    assert one("SELECT COUNT(DISTINCT bill_day) FROM account") >= 20
    assert one("SELECT COUNT(*) FROM nmi WHERE interval_length = 15") > 5
    assert one("SELECT COUNT(DISTINCT effective_from) FROM tariff") == 2  # July price change
    assert one("SELECT COUNT(*) FROM interval_read WHERE quality = 'V' AND est_intervals >= 3") > 100
    assert one("SELECT COUNT(*) FROM interval_read WHERE quality = 'E14'") > 10
    # new accounts with no bill at all, closed accounts, registers that rolled over
    assert one("SELECT COUNT(*) FROM account a WHERE NOT EXISTS (SELECT 1 FROM bill b WHERE "
               "b.account_id = a.account_id)") > 10
    assert one("SELECT COUNT(*) FROM account WHERE close_date IS NOT NULL") > 5
    assert one("SELECT COUNT(*) FROM basic_read r JOIN basic_read s ON s.nmi = r.nmi AND "
               "s.read_date = (SELECT MIN(read_date) FROM basic_read t WHERE t.nmi = r.nmi AND "
               "t.read_date > r.read_date) WHERE s.value_wh < r.value_wh") > 3
    # quarterly accounts not yet due: last bill more than a month before the period end
    assert one("SELECT COUNT(*) FROM account a WHERE bill_cycle = 'QUARTERLY' AND close_date IS "
               "NULL AND (SELECT MAX(period_end) FROM bill b WHERE b.account_id = a.account_id) "
               "< '2024-08-31'") > 50


def test_interval_gaps_exist_in_the_unbilled_days(snapshot):
    _, conn, _ = snapshot
    gaps = conn.execute(
        "SELECT COUNT(*) FROM account a JOIN nmi n ON n.nmi = a.nmi AND n.meter_type = 'INTERVAL' "
        "WHERE a.open_date < '2024-08-01' AND a.close_date IS NULL AND (SELECT COUNT(*) FROM "
        "interval_read r WHERE r.nmi = a.nmi AND r.day >= '2024-09-01') < 30").fetchone()[0]
    assert gaps > 10


def test_bills_match_the_meter_data_they_were_billed_from(snapshot):
    _, conn, _ = snapshot
    checked = 0
    for account, nmi, start, end, usage in conn.execute(
            "SELECT b.account_id, a.nmi, b.period_start, b.period_end, b.usage_wh FROM bill b "
            "JOIN account a ON a.account_id = b.account_id JOIN nmi n ON n.nmi = a.nmi "
            "AND n.meter_type = 'INTERVAL' WHERE b.period_start >= '2024-04-01' LIMIT 300"):
        rows = conn.execute("SELECT day, wh, day_wh FROM interval_read WHERE nmi = ? AND day >= ? "
                            "AND day < ?", (nmi, start, end)).fetchall()
        days = (date.fromisoformat(end) - date.fromisoformat(start)).days
        assert all(unpack_wh(r[1]).sum() == r[2] for r in rows)
        if len(rows) == days:
            assert sum(r[2] for r in rows) == usage, account
            checked += 1
    assert checked > 100
    for nmi, start, end, usage, digits in conn.execute(
            "SELECT a.nmi, b.period_start, b.period_end, b.usage_wh, g.digits FROM bill b JOIN "
            "account a ON a.account_id = b.account_id JOIN register g ON g.nmi = a.nmi LIMIT 300"):
        first = conn.execute("SELECT value_wh FROM basic_read WHERE nmi = ? AND read_date = ?",
                             (nmi, start)).fetchone()
        last = conn.execute("SELECT value_wh FROM basic_read WHERE nmi = ? AND read_date = ?",
                            (nmi, end)).fetchone()
        assert (last[0] - first[0]) % (10 ** digits * 1000) == usage


def test_no_data_on_or_after_the_run_date(snapshot):
    _, conn, _ = snapshot
    assert conn.execute("SELECT MAX(day) FROM interval_read").fetchone()[0] == \
        (SPEC.run_date - timedelta(days=1)).isoformat()
    assert conn.execute("SELECT MAX(issued_date) FROM bill").fetchone()[0] < "2024-10-01"
    assert conn.execute("SELECT MAX(read_date) FROM basic_read").fetchone()[0] < "2024-10-01"


def test_command_line(tmp_path, capsys):
    assert main([str(tmp_path / "cli.sqlite3"), "--accounts", "20", "--seed", "3"]) == 0
    assert '"accounts": 20' in capsys.readouterr().out

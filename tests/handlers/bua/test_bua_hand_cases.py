"""Accrual figures worked out by hand (see conftest.py for the snapshot), through every stage.

M(d) = 10,000 Wh every day in the NSW residential flat segment; flat tariff 100 c/day + 30 c/kWh.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import numpy as np
import pytest

from fixtures.bua.builder import SnapshotBuilder
from handlers.bua.pipeline import run_pipeline
from handlers.bua.store import unpack_wh
from handlers.db import connect
from handlers.nem12 import read_nem

from fixtures.bua.cases import RUN, build_cases, cases_event, lines_of, scalar_of, summary_of


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """The hand-made cases after a complete run, once for the module: its tests only read it
    (conftest's ``finished`` runs the pipeline again for each test that may change it)."""
    cases = cases_event(tmp_path_factory.mktemp("cases"))
    report = run_pipeline(cases)
    conn = sqlite3.connect(cases["db"])
    conn.row_factory = sqlite3.Row
    yield {"event": cases, "report": report, "conn": conn}
    conn.close()


def read_at(conn, nmi, day, source="BUA"):
    row = conn.execute("SELECT value_wh FROM basic_read WHERE nmi = ? AND read_date = ? AND "
                       "source = ?", (nmi, day, source)).fetchone()
    return row[0] if row else None


def test_every_stage_succeeds(finished):
    stages = finished["report"]["stages"]
    assert all(s["status"] == "SUCCEEDED" for s in stages.values()), stages


def test_profile_is_10_kwh_a_day_and_excludes_days_over_5_percent_estimated(finished):
    conn = finished["conn"]
    rows = conn.execute("SELECT day, wh FROM macro_profile WHERE run_date = ? AND jurisdiction = "
                        "'NSW' AND customer_class = 'RESIDENTIAL' AND tariff_type = 'FLAT'",
                        (RUN,)).fetchall()
    assert rows[0]["day"] == "2024-04-05"  # the oldest reference period (account E)
    assert {round(r["wh"], 6) for r in rows} == {10_000.0}
    # 5 Sep: P1's wild day (3 of 48 intervals estimated) was left out
    measured = conn.execute("SELECT accounts, avg_wh FROM segment_profile WHERE run_date = ? AND "
                            "jurisdiction = 'NSW' AND customer_class = 'RESIDENTIAL' AND "
                            "tariff_type = 'FLAT' AND day = '2024-09-05'", (RUN,)).fetchone()
    assert tuple(measured) == (2, 10_000.0)


def test_pro_rating_950_over_31_days_times_12_is_367_74(finished):
    conn = finished["conn"]
    scalar = scalar_of(conn, "A")
    assert scalar["flag"] == "BILLED"
    assert abs(scalar["scalar"] - 950 / 310) < 1e-12
    summary = summary_of(conn, "A")
    assert summary["unbilled_days"] == 12
    assert summary["estimated_wh"] == 367_742  # 950 / 31 x 12 = 367.7419 kWh
    assert Decimal(summary["estimated_wh"]).scaleb(-3).quantize(Decimal("0.01")) == Decimal("367.74")
    assert read_at(conn, "NMI000000A", "2024-10-01") == 12_345_000 + 367_742
    lines = lines_of(conn, "A")
    assert [(r["kind"], r["quantity"], r["amount_cents"]) for r in lines] == [
        ("SUPPLY", "12", 1200), ("USAGE", "367.742", 11032)]
    assert (summary["amount_cents"], summary["gst_cents"]) == (12232, 1223)


def test_missing_interval_day_is_estimated_written_as_nem12_and_loaded(finished):
    conn = finished["conn"]
    row = conn.execute("SELECT * FROM interval_read WHERE nmi = 'NMI000000C' AND day = '2024-09-20'"
                       ).fetchone()
    assert (row["source"], row["run_date"], row["quality"], row["day_wh"]) == ("BUA", RUN, "E14", 10_000)
    assert list(unpack_wh(row["wh"])) == [209] * 16 + [208] * 32  # the segment's shape that day
    (path,) = (finished["event"]["config"]["output_dir"] + "/nem12/BUA_20241001_00000.csv",)
    nem = read_nem(path)
    days = {(d.channel.nmi, d.day.isoformat()): d for d in nem.days}
    day = days[("NMI000000C", "2024-09-20")]
    assert day.total == Decimal("10.000") and set(day.qualities) == {"E14"}
    summary = summary_of(conn, "C")
    assert (summary["actual_wh"], summary["estimated_wh"]) == (150_000, 10_000)
    assert (summary["amount_cents"], summary["gst_cents"]) == (4800 + 1600, 640)


def test_meter_rollover_wraps_the_estimated_read(finished):
    conn = finished["conn"]
    assert scalar_of(conn, "D")["scalar"] == 1.0
    # 99,900 kWh + 21 days x 10 kWh = 100,110 kWh on a 5-digit register: reads 110 kWh
    assert read_at(conn, "NMI000000D", "2024-10-01") == 110_000
    summary = summary_of(conn, "D")
    assert summary["estimated_wh"] == 210_000
    assert (summary["amount_cents"], summary["gst_cents"]) == (6300 + 2100, 840)


def test_account_not_yet_due_accrues_every_month_since_its_last_bill(finished):
    conn = finished["conn"]
    summary = summary_of(conn, "E")
    assert summary["unbilled_days"] == 88 and summary["estimated_wh"] == 880_000
    assert read_at(conn, "NMI000000E", "2024-10-01") == 1_410_000 + 880_000
    by_month = {}
    for line in lines_of(conn, "E"):
        by_month.setdefault(line["month"], []).append((line["kind"], line["quantity"],
                                                       line["amount_cents"]))
    assert by_month == {
        "2024-07": [("SUPPLY", "27", 2700), ("USAGE", "270.000", 8100)],
        "2024-08": [("SUPPLY", "31", 3100), ("USAGE", "310.000", 9300)],
        "2024-09": [("SUPPLY", "30", 3000), ("USAGE", "300.000", 9000)],
    }
    assert (summary["amount_cents"], summary["gst_cents"]) == (35200, 3520)


def test_account_with_no_history_gets_k_1_and_is_flagged(finished):
    conn = finished["conn"]
    assert tuple(scalar_of(conn, "F")[k] for k in ("scalar", "flag")) == (1.0, "NO_HISTORY")
    assert read_at(conn, "NMI000000F", "2024-10-01") == 4_000_000 + 100_000
    summary = summary_of(conn, "F")
    assert summary["flags"].startswith("NO_HISTORY")
    assert (summary["amount_cents"], summary["gst_cents"]) == (3000 + 1000, 400)


def test_new_interval_account_is_scaled_from_its_own_meter_days(finished):
    conn = finished["conn"]
    assert tuple(scalar_of(conn, "G")[k] for k in ("scalar", "flag")) == (1.0, "METERED")
    row = conn.execute("SELECT day_wh, source FROM interval_read WHERE nmi = 'NMI000000G' AND "
                       "day = '2024-09-28'").fetchone()
    assert tuple(row) == (20_000, "BUA")  # M(28 Sep) interpolated between 27 and 29 Sep
    fill = conn.execute("SELECT fill FROM segment_profile WHERE run_date = ? AND jurisdiction = "
                        "'NSW' AND customer_class = 'BUSINESS' AND day = '2024-09-28'",
                        (RUN,)).fetchone()[0]
    assert fill == "INTERPOLATED"
    assert (summary_of(conn, "G")["amount_cents"]) == 4200 + 700


def test_profile_accounts_are_accrued_from_their_actual_data(finished):
    conn = finished["conn"]
    p1 = summary_of(conn, "P1")
    assert (p1["actual_wh"], p1["estimated_wh"]) == (29 * 10_000 + 50_000, 0)
    assert (p1["amount_cents"], p1["gst_cents"]) == (10200 + 3000, 1320)


def test_export_csvs_hold_ex_gst_gst_and_monthly_lines(finished):
    out = finished["event"]["config"]["output_dir"]
    import csv

    with open(f"{out}/export/csv/BUAAccountSummary.csv", newline="") as handle:
        rows = {r["account_id"]: r for r in csv.DictReader(handle)}
    assert set(rows) == {"A", "C", "D", "E", "F", "G", "P1", "P2"}
    assert (rows["A"]["first_unbilled_day"], rows["A"]["last_unbilled_day"]) == ("2024-09-19",
                                                                                  "2024-09-30")
    assert (rows["A"]["accrued_ex_gst"], rows["A"]["gst"], rows["A"]["accrued_inc_gst"]) == (
        "122.32", "12.23", "134.55")
    assert rows["A"]["estimated_kwh"] == "367.742" and rows["A"]["last_billed_day"] == "2024-09-18"
    with open(f"{out}/export/csv/InvoiceLineItemMonthly.csv", newline="") as handle:
        lines = [r for r in csv.DictReader(handle) if r["account_id"] == "E"]
    assert [(r["month"], r["kind"], r["amount_ex_gst"]) for r in lines] == [
        ("2024-07", "SUPPLY", "27.00"), ("2024-07", "USAGE", "81.00"),
        ("2024-08", "SUPPLY", "31.00"), ("2024-08", "USAGE", "93.00"),
        ("2024-09", "SUPPLY", "30.00"), ("2024-09", "USAGE", "90.00")]
    assert sum(Decimal(r["gst"]) for r in lines) == Decimal("35.20")
    outbound = f"{out}/outbound/BUA/BUAAccountSummary.csv"
    assert open(outbound).read() == open(f"{out}/export/csv/BUAAccountSummary.csv").read()


def test_bill_across_months_12_sep_to_14_oct_puts_19_of_32_days_in_september(tmp_path):
    def add(snap):
        snap.basic_nmi("NMI000000B", "NSW")
        snap.account("B", "NMI000000B", "NSW-RES-FLAT")
        snap.bill("B", "2024-08-12", "2024-09-12", usage_wh=620_000)  # 31 days, k = 2
        snap.basic_read("NMI000000B", "2024-09-12", 7_000_000)

    conn = _run_on_15_october(tmp_path, add, period_end="2024-10-14")
    lines = [tuple(row) for row in conn.execute("SELECT month, kind, quantity, amount_cents FROM invoice_line "
                                                "WHERE account_id = 'B' ORDER BY line_no")]
    # 32 days, 640 kWh: September 19/32 (19 days, 380 kWh), October 13/32
    assert lines == [("2024-09", "SUPPLY", "19", 1900), ("2024-09", "USAGE", "380.000", 11400),
                     ("2024-10", "SUPPLY", "13", 1300), ("2024-10", "USAGE", "260.000", 7800)]
    assert conn.execute("SELECT value_wh FROM basic_read WHERE nmi = 'NMI000000B' AND source = "
                        "'BUA'").fetchone()[0] == 7_640_000
    september = sum(r[3] for r in lines if r[0] == "2024-09")
    assert Decimal(september) / Decimal(sum(r[3] for r in lines)) == Decimal(19) / Decimal(32)
    conn.close()


def test_estimates_never_feed_back_into_the_profile(finished):
    conn = finished["conn"]
    estimated = conn.execute("SELECT COUNT(*) FROM interval_read WHERE source = 'BUA'").fetchone()[0]
    assert estimated == 2  # C on 20 Sep, G on 28 Sep
    assert np.isclose(conn.execute("SELECT SUM(wh) FROM macro_profile WHERE run_date = ? AND "
                                   "customer_class = 'RESIDENTIAL'", (RUN,)).fetchone()[0],
                      10_000 * conn.execute("SELECT COUNT(*) FROM bua_date WHERE run_date = ?",
                                            (RUN,)).fetchone()[0])


def _run_on_15_october(tmp_path, add, *, period_end="2024-10-01"):
    """A run on 15 Oct of the hand-made cases (the period from 1 Sep to ``period_end``), with accounts
    ``add`` puts in; the snapshot's meter data reaches 15 Oct, so actual reads after a period ending
    on 1 Oct can exist. The run database, open (rows by name)."""
    snapshot = build_cases(tmp_path / "snap.sqlite3", data_end="2024-10-15")
    snap = SnapshotBuilder(connect(snapshot))
    add(snap)
    snap.close()
    event = {"run_date": "2024-10-15", "db": str(tmp_path / "run.sqlite3"), "snapshot": str(snapshot),
             "period_start": "2024-09-01", "period_end": period_end,
             "config": {"min_segment_accounts": 1, "output_dir": str(tmp_path / "out")}}
    run_pipeline(event)
    conn = sqlite3.connect(event["db"])
    conn.row_factory = sqlite3.Row
    return conn


def test_a_later_actual_read_calibrates_an_account_without_history(tmp_path):
    # H moved in on 1 Sep (read 1,000 kWh), no bill yet; read again on 11 Oct at 2,200 kWh: 30 kWh a
    # day, three times the segment's 10. k = 1 (the national average) would accrue 300 kWh.
    def add(snap):
        snap.basic_nmi("NMI000000H", "NSW")
        snap.account("H", "NMI000000H", "NSW-RES-FLAT", open_date="2024-09-01")
        snap.basic_read("NMI000000H", "2024-09-01", 1_000_000)
        snap.basic_read("NMI000000H", "2024-10-11", 2_200_000)

    conn = _run_on_15_october(tmp_path, add)
    scalar = conn.execute("SELECT * FROM micro_scalar WHERE account_id = 'H'").fetchone()
    assert (scalar["flag"], scalar["reference_start"], scalar["reference_end"], scalar["reference_wh"]) == (
        "LATER_READ", "2024-09-01", "2024-10-11", 1_200_000)
    assert abs(scalar["scalar"] - 3.0) < 1e-12
    assert read_at(conn, "NMI000000H", "2024-10-01") == 1_900_000  # 30 days x 30 kWh, below 2,200
    summary = conn.execute("SELECT * FROM invoice_summary WHERE account_id = 'H'").fetchone()
    assert summary["estimated_wh"] == 900_000
    assert summary["flags"].startswith("LATER_READ")
    assert (summary["amount_cents"], summary["gst_cents"]) == (3000 + 27000, 3000)
    conn.close()


def test_a_later_actual_read_keeps_the_estimated_read_below_it(tmp_path):
    # J: billed 10 Aug - 10 Sep at the segment's 10 kWh a day (k = 1), then used 5 kWh a day: read on
    # 5 Oct at 5,125 kWh. The bill's k would estimate 5,210 kWh on 1 Oct: a register running backwards.
    def add(snap):
        snap.basic_nmi("NMI000000J", "NSW")
        snap.account("J", "NMI000000J", "NSW-RES-FLAT")
        snap.bill("J", "2024-08-10", "2024-09-10", usage_wh=310_000)
        snap.basic_read("NMI000000J", "2024-08-10", 4_690_000)
        snap.basic_read("NMI000000J", "2024-09-10", 5_000_000)
        snap.basic_read("NMI000000J", "2024-10-05", 5_125_000)

    conn = _run_on_15_october(tmp_path, add)
    scalar = conn.execute("SELECT * FROM micro_scalar WHERE account_id = 'J'").fetchone()
    assert scalar["flag"] == "LATER_READ" and abs(scalar["scalar"] - 0.5) < 1e-12
    assert read_at(conn, "NMI000000J", "2024-10-01") == 5_105_000  # 21 days x 5 kWh
    assert read_at(conn, "NMI000000J", "2024-10-01") < 5_125_000
    assert conn.execute("SELECT estimated_wh FROM invoice_summary WHERE account_id = 'J'").fetchone()[0] == 105_000
    # A, read last on 19 Sep and not since, keeps its bill's scalar
    assert conn.execute("SELECT flag FROM micro_scalar WHERE account_id = 'A'").fetchone()[0] == "BILLED"
    conn.close()


def test_a_later_read_past_the_registers_last_digit_is_counted_across_the_rollover(tmp_path):
    # K: a 5-digit register read at 99,950 kWh on 11 Sep and at 100 kWh on 11 Oct: 150 kWh in 30 days,
    # 5 kWh a day. The read on 21 Oct is after the run date (15 Oct) and is not used.
    def add(snap):
        snap.basic_nmi("NMI000000K", "NSW", digits=5)
        snap.account("K", "NMI000000K", "NSW-RES-FLAT", open_date="2024-09-11")
        snap.basic_read("NMI000000K", "2024-09-11", 99_950_000)
        snap.basic_read("NMI000000K", "2024-10-11", 100_000)
        snap.basic_read("NMI000000K", "2024-10-21", 150_000)

    conn = _run_on_15_october(tmp_path, add)
    scalar = conn.execute("SELECT * FROM micro_scalar WHERE account_id = 'K'").fetchone()
    assert (scalar["flag"], scalar["reference_end"], scalar["reference_wh"]) == ("LATER_READ", "2024-10-11", 150_000)
    assert read_at(conn, "NMI000000K", "2024-10-01") == 99_950_000 + 100_000 - 100_000_000  # wrapped: 50 kWh
    conn.close()

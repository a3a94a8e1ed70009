"""Accrual figures worked out by hand (see conftest.py for the snapshot), through every stage.

M(d) = 10,000 Wh every day in the NSW residential flat segment; flat tariff 100 c/day + 30 c/kWh.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import numpy as np

from fixtures.bua.builder import SnapshotBuilder
from handlers.bua.pipeline import run_pipeline
from handlers.bua.store import unpack_wh
from handlers.db import connect
from handlers.nem12 import read_nem

from fixtures.bua.cases import RUN, build_cases, lines_of, scalar_of, summary_of


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
    snapshot = build_cases(tmp_path / "snap.sqlite3", data_end="2024-10-15")
    snap = SnapshotBuilder(connect(snapshot))
    snap.basic_nmi("NMI000000B", "NSW")
    snap.account("B", "NMI000000B", "NSW-RES-FLAT")
    snap.bill("B", "2024-08-12", "2024-09-12", usage_wh=620_000)  # 31 days, k = 2
    snap.basic_read("NMI000000B", "2024-09-12", 7_000_000)
    snap.close()
    event = {"run_date": "2024-10-15", "db": str(tmp_path / "run.sqlite3"), "snapshot": str(snapshot),
             "period_start": "2024-09-01", "period_end": "2024-10-14",
             "config": {"min_segment_accounts": 1, "output_dir": str(tmp_path / "out")}}
    run_pipeline(event)
    conn = sqlite3.connect(event["db"])
    lines = conn.execute("SELECT month, kind, quantity, amount_cents FROM invoice_line WHERE "
                         "account_id = 'B' ORDER BY line_no").fetchall()
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

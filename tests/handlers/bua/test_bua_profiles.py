"""Segment profiles: marking invalid profiles and filling them (interpolation, jurisdiction-wide,
national), validation anomalies, and the 5 % estimated-interval exclusion."""

from __future__ import annotations

import sqlite3
from datetime import date

import numpy as np
import pytest

from fixtures.bua.builder import SnapshotBuilder, flat_tariff, tou_tariff
from handlers.bua import accounts
from handlers.bua.pipeline import run_stage
from handlers.bua.profile_fix import _fill_one

SHAPE = np.full(48, 1 / 48)


def entry(values, statuses=None):
    wh = np.array(values, dtype=float)
    return {"wh": wh, "shape": np.tile(SHAPE, (len(wh), 1)),
            "status": statuses or ["OK" if np.isfinite(v) and v >= 0 else "MISSING" for v in wh]}


def parent(values):
    wh = np.array(values, dtype=float)
    return {"final_wh": wh, "final_shape": np.tile(SHAPE, (len(wh), 1))}


def test_a_short_gap_between_good_days_is_interpolated():
    wh, _, fill = _fill_one(entry([10, np.nan, np.nan, 40]), None, 3, "NSW/RESIDENTIAL/FLAT")
    assert list(wh) == [10, 20, 30, 40]
    assert fill == [None, "INTERPOLATED", "INTERPOLATED", None]


def test_a_negative_day_is_marked_bad_and_interpolated():
    wh, _, fill = _fill_one(entry([10, -5, 30], ["OK", "NEGATIVE", "OK"]), None, 3, "x/y/z")
    assert list(wh) == [10, 20, 30] and fill[1] == "INTERPOLATED"


def test_a_long_gap_takes_the_jurisdiction_profile_scaled_to_the_segment():
    own = entry([20, 20, np.nan, np.nan, np.nan, np.nan, 20])
    above = parent([10, 10, 12, 14, 16, 18, 10])
    wh, _, fill = _fill_one(own, above, 3, "NSW/RESIDENTIAL/FLAT")
    assert list(wh) == [20, 20, 24, 28, 32, 36, 20]  # twice the jurisdiction, as on good days
    assert fill[2:6] == ["JURISDICTION_SCALED"] * 4


def test_a_gap_at_the_window_edge_is_not_interpolated():
    wh, _, fill = _fill_one(entry([np.nan, 10, 10]), parent([7, 5, 5]), 3, "NSW/BUSINESS/TOU")
    assert list(wh) == [14, 10, 10] and fill[0] == "JURISDICTION_SCALED"


def test_a_thin_segment_takes_the_level_above_whole():
    own = entry([99, 99, 99], ["THIN"] * 3)
    wh, _, fill = _fill_one(own, parent([5, 6, 7]), 3, "TAS/BUSINESS/BLOCK")
    assert list(wh) == [5, 6, 7] and fill == ["JURISDICTION"] * 3
    wh, _, fill = _fill_one(own, parent([5, 6, 7]), 3, "TAS/*/*")
    assert fill == ["NATIONAL"] * 3


def test_the_nation_fills_its_edges_from_the_nearest_good_day():
    wh, _, fill = _fill_one(entry([np.nan, np.nan, 8, 9, np.nan]), None, 1, "*/*/*")
    assert list(wh) == [8, 8, 8, 9, 9] and fill == ["NEAREST", "NEAREST", None, None, "NEAREST"]


def test_no_interval_data_at_all_gives_a_flat_profile_so_estimates_are_average_daily_load():
    wh, shape, fill = _fill_one(entry([np.nan] * 4, ["THIN"] * 4), None, 3, "*/*/*")
    assert list(wh) == [1, 1, 1, 1] and fill == ["FLAT"] * 4
    assert np.allclose(shape.sum(axis=1), 1)


@pytest.fixture
def two_segments(tmp_path):
    """NSW residential: 2 flat accounts at 10 kWh, 3 time-of-use accounts at 20 kWh a day."""
    snap = SnapshotBuilder.create(tmp_path / "snap.sqlite3")
    snap.tariff("FLAT", flat_tariff("FLAT"))
    snap.tariff("TOU", tou_tariff("TOU"))
    for i in range(5):
        nmi, kind = f"NMI000000{i}", "FLAT" if i < 2 else "TOU"
        snap.interval_nmi(nmi, "NSW")
        snap.account(f"A{i}", nmi, kind)
        snap.bill(f"A{i}", "2024-08-01", "2024-09-01", usage_wh=31 * (10_000 if i < 2 else 20_000))
        spike = ["2024-09-15"] if i >= 2 else []
        snap.interval_days(nmi, "2024-08-01", "2024-10-01", day_wh=10_000 if i < 2 else 20_000,
                           skip=spike)
        for day in spike:
            snap.interval_day(nmi, day, [2_000] * 48)  # 96 kWh: a spike in the TOU segment
    snap.close()
    event = {"run_date": "2024-10-01", "db": str(tmp_path / "run.sqlite3"),
             "snapshot": str(tmp_path / "snap.sqlite3"),
             "config": {"min_segment_accounts": 3, "output_dir": str(tmp_path / "out")}}
    for stage in ("restore", "segments"):
        run_stage(event, stage)
    conn = sqlite3.connect(event["db"])
    yield conn
    conn.close()


def test_a_segment_below_the_account_minimum_is_filled_from_its_jurisdiction(two_segments):
    conn = two_segments
    summary = dict(conn.execute("SELECT tariff_type, valid || ' ' || COALESCE(reason, '') || ' ' || "
                                "COALESCE(fill, '') FROM segment_summary WHERE customer_class = "
                                "'RESIDENTIAL'").fetchall())
    assert summary == {"FLAT": "0 2 interval accounts (< 3) JURISDICTION", "TOU": "1  "}
    flat = conn.execute("SELECT wh, source FROM macro_profile WHERE tariff_type = 'FLAT' AND "
                        "day = '2024-09-01'").fetchone()
    assert flat == (16_000.0, "JURISDICTION")  # (2 x 10 + 3 x 20) / 5 kWh
    tou = conn.execute("SELECT wh, source FROM macro_profile WHERE tariff_type = 'TOU' AND "
                       "day = '2024-09-01'").fetchone()
    assert tou == (20_000.0, "MEASURED")


def test_validation_reports_a_spike_day_without_failing(two_segments):
    anomalies = two_segments.execute("SELECT customer_class, tariff_type, day, kind FROM "
                                     "segment_anomaly").fetchall()
    assert ("RESIDENTIAL", "TOU", "2024-09-15", "HIGH") in anomalies


def test_the_macro_profile_is_read_once_until_the_segments_stage_writes_it_again(finished):
    """steps_profile.load_profile keeps the profile (read-only) under the token create_macro_profile
    writes with it: the same object until the profile is written again, then the new values."""
    from handlers.bua.events import open_context
    from handlers.bua.profile_fix import create_macro_profile
    from handlers.bua.steps_profile import load_profile

    event = finished["event"]
    with open_context(event) as ctx:
        first = load_profile(ctx)
        assert load_profile(ctx) is first
        with pytest.raises(ValueError):
            first.wh[0, 0] = 1.0  # kept for every batch: nobody may change it
        day = ctx.conn.execute("SELECT MIN(day) FROM segment_profile WHERE run_date = ? AND customer_class <> '*' "
                               "AND final_wh IS NOT NULL", (ctx.key,)).fetchone()[0]
        ctx.conn.execute("UPDATE segment_profile SET final_wh = final_wh + 1000 WHERE run_date = ? AND day = ?",
                         (ctx.key, day))
        create_macro_profile(ctx.conn, ctx.info)  # the segments stage's last step, again
        again = load_profile(ctx)
        assert again is not first
        offset = again.offset(date.fromisoformat(day))
        assert np.allclose(again.wh[:, offset], first.wh[:, offset] + 1000)
        ctx.conn.execute("DELETE FROM macro_profile_version")  # a database written before the token
        assert load_profile(ctx) is not load_profile(ctx)


def _window_of(tmp_path, first_days, config=None):
    """The profile window's first day for interval meters whose data begins on ``first_days``;
    every account's reference bill runs from 2024-06-01 (the run's period is September 2024)."""
    snap = SnapshotBuilder.create(tmp_path / "snap.sqlite3")
    snap.tariff("FLAT", flat_tariff("FLAT"))
    for i, first in enumerate(first_days):
        nmi = f"NMI000000{i}"
        snap.interval_nmi(nmi, "NSW")
        snap.account(f"A{i}", nmi, "FLAT", open_date="2024-01-01")
        snap.bill(f"A{i}", "2024-06-01", "2024-09-01", usage_wh=92 * 10_000)
        snap.interval_days(nmi, first, "2024-10-01", day_wh=10_000)
    snap.close()
    event = {"run_date": "2024-10-01", "db": str(tmp_path / "run.sqlite3"),
             "snapshot": str(tmp_path / "snap.sqlite3"),
             "config": {"output_dir": str(tmp_path / "out"), **(config or {})}}
    for stage in ("restore", "segments"):
        run_stage(event, stage)
    with sqlite3.connect(event["db"]) as conn:
        return conn.execute("SELECT window_start FROM bua_run").fetchone()[0]


@pytest.mark.parametrize(("first_days", "lookback", "window"), [
    (["2024-07-15", "2024-08-01"], None, "2024-07-15"),  # no meter has data that early: its first day
    (["2024-08-01", "2024-05-20", "2024-07-15"], None, "2024-06-01"),  # one has: the reference period
    (["2024-05-20", "2024-08-01"], None, "2024-06-01"),  # the first NMI has
    (["2024-08-01", "2024-06-01"], None, "2024-06-01"),
    (["2024-08-01", "2024-06-02"], None, "2024-06-02"),
    (["2024-08-01", "2024-06-20"], 100, "2024-06-23"),  # never before the lookback limit
    (["2024-08-01", "2024-07-20"], 100, "2024-07-20"),
])
@pytest.mark.parametrize("nmis_per_reader", [1000, 1])  # (the NMIs in one range, or each in its own)
def test_the_window_reaches_back_to_the_reference_bills_or_the_first_meter_data(
        tmp_path, monkeypatch, first_days, lookback, window, nmis_per_reader):
    monkeypatch.setattr(accounts, "_NMIS_PER_READER", nmis_per_reader)
    config = {"max_lookback_days": lookback} if lookback else None
    assert _window_of(tmp_path, first_days, config) == window


def test_a_run_whose_paths_hold_uri_characters_restores_and_profiles(tmp_path, monkeypatch):
    """The snapshot and run database are opened read-only by name ('#', '?', '%' escaped)."""
    monkeypatch.setattr(accounts, "_NMIS_PER_READER", 1)  # (the window's readers, by name too)
    odd = tmp_path / "data #1?%41"
    odd.mkdir()
    snap = SnapshotBuilder.create(odd / "snap #?.sqlite3")
    snap.tariff("FLAT", flat_tariff("FLAT"))
    for i, first in enumerate(["2024-07-15", "2024-08-01"]):
        snap.interval_nmi(f"NMI000000{i}", "NSW")
        snap.account(f"A{i}", f"NMI000000{i}", "FLAT", open_date="2024-01-01")
        snap.bill(f"A{i}", "2024-06-01", "2024-09-01", usage_wh=92 * 10_000)
        snap.interval_days(f"NMI000000{i}", first, "2024-10-01", day_wh=10_000)
    snap.close()
    event = {"run_date": "2024-10-01", "db": str(odd / "run #?%.sqlite3"),
             "snapshot": str(odd / "snap #?.sqlite3"), "config": {"output_dir": str(tmp_path / "out")}}
    for stage in ("restore", "segments"):
        run_stage(event, stage)
    with sqlite3.connect(event["db"]) as conn:
        assert conn.execute("SELECT window_start FROM bua_run").fetchone()[0] == "2024-07-15"
    assert sorted(p.name for p in odd.iterdir() if not p.name.endswith(("-wal", "-shm"))) == \
        ["run #?%.sqlite3", "snap #?.sqlite3"]

"""DetectAnomaly: each rule at and around its threshold, ranking, and persistence."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.helpers.metering import NOW, basic_event, interval_event, wrapped

from handlers.metering import anomaly
from handlers.metering.anomaly import detect_anomaly
from handlers.metering.store import Account
from handlers.metering.metered import highest_per_day
from handlers.metering.usage import calculate_usage, store_usage_record


def add_history(store, meter="MTR-1", account="ACC-1", daily=24, periods=6, days=30):
    """``periods`` earlier 30-day periods of ``daily`` kWh a day, ending on 12 Sep 2024."""
    end = date(2024, 9, 12)
    for index in range(periods):
        start = end - timedelta(days=days)
        store_usage_record(
            store,
            {
                "readingId": f"H-{meter}-{index}",
                "meterId": meter,
                "accountId": account,
                "periodStart": start.isoformat(),
                "periodEnd": end.isoformat(),
                "days": days,
                "unit": "kWh",
                "totalUsage": f"{daily * days}.000",
            },
            NOW,
        )
        end = start


def detect(store, event):
    return detect_anomaly(event, store=store, now=NOW)


def types(result):
    return [finding["type"] for finding in result["anomalies"]]


def test_clean_reading(store):
    add_history(store)
    result = detect(store, interval_event())  # 24 kWh a day, like its history
    assert result["isAnomaly"] is False and result["anomalyType"] is None
    assert result["historicalAverageDailyUsage"] == "24.000" and result["ratioToHistory"] == "1.00"


def test_high_above_two_and_a_half_times_history(store):
    add_history(store, daily=9)
    # 24 / 9 = 2.67 > 2.5
    result = detect(store, interval_event())
    assert result["anomalyType"] == "HIGH" and result["anomalies"][0]["ratio"] == "2.67"
    add_history(store, meter="MTR-4", account="ACC-4", daily=10)
    # 24 / 10 = 2.4: not high
    assert detect(store, interval_event("MTR-4"))["isAnomaly"] is False


def test_low_below_a_fifth_of_history(store):
    add_history(store, daily=130)
    # 24 / 130 = 0.18 < 0.2
    assert types(detect(store, interval_event())) == ["LOW"]


def test_history_needs_three_periods(store):
    add_history(store, daily=2, periods=2)
    result = detect(store, interval_event())
    assert result["isAnomaly"] is False and result["historyPeriods"] == 2
    add_history(store, daily=2, periods=3)
    assert detect(store, interval_event())["anomalyType"] == "HIGH"


def test_history_excludes_this_reading_and_later_periods(store):
    add_history(store, daily=24)
    event = interval_event(value=2)  # 96 kWh a day: HIGH against 24
    calculate_usage(event, store=store, now=NOW)  # its own record must not dilute the history
    assert detect(store, event)["anomalyType"] == "HIGH"


def test_zero_run_of_three_days(store):
    event = interval_event()
    for row in event["intervals"]["E1"][5:8]:
        row["values"] = [0] * 48
    result = detect(store, event)
    assert result["anomalies"] == [{"type": "ZERO", "consecutiveZeroDays": 3}]
    two = interval_event(reading_id="RD-two")
    for row in two["intervals"]["E1"][5:7]:
        row["values"] = [0] * 48
    assert detect(store, two)["isAnomaly"] is False


def test_zero_is_not_flagged_on_a_closed_account(store):
    store.put_account(Account("ACC-1", "Gone", None, "RES-FLAT", None, "CLOSED"))
    assert detect(store, interval_event(value=0))["isAnomaly"] is False


def test_zero_whole_period_on_a_basic_meter_is_zero_not_low(store):
    add_history(store, meter="MTR-2", account="ACC-2", daily=14)
    result = detect(store, basic_event(registers={"E1": "99900.0", "E2": "100"}))
    assert types(result) == ["ZERO"] and result["anomalies"][0]["consecutiveZeroDays"] == 32


def test_spike_over_twice_the_third_highest_and_one_kwh(store):
    event = interval_event()
    event["intervals"]["E1"][3]["values"][36] = 1.2  # > 2 x 0.5 and > 1 kWh
    result = detect(store, event)
    assert result["anomalies"] == [
        {
            "type": "SPIKE",
            "date": "2024-09-15",
            "interval": 37,
            "value": "1.200",
            "thirdHighest": "0.500",
        }
    ]


def test_no_spike_under_one_kwh_or_with_company(store):
    small = interval_event(value=0.3)
    small["intervals"]["E1"][3]["values"][36] = 0.95  # > 2 x 0.3 but not > 1 kWh
    assert detect(store, small)["isAnomaly"] is False
    pair = interval_event(reading_id="RD-pair")
    for slot in (36, 37, 38):  # three high intervals: the third highest is high too
        pair["intervals"]["E1"][3]["values"][slot] = 1.4
    assert detect(store, pair)["isAnomaly"] is False


def test_reverse_flow(store):
    # MTR-4 is not set up for export, yet B1 shows energy leaving
    result = detect(store, interval_event("MTR-4", export=0.01))
    assert result["anomalies"][0]["type"] == "REVERSE_FLOW"
    assert result["anomalies"][0]["exported"] == "15.360"
    # MTR-1 exports legitimately
    assert detect(store, interval_event(export=0.1))["isAnomaly"] is False
    reported = detect(store, interval_event(reading_id="RD-rev", events=["REVERSE_ENERGY"]))
    assert types(reported) == ["REVERSE_FLOW"]


def test_tamper_and_ranking(store):
    store.add_meter_event("MTR-1", NOW - timedelta(days=3), "MAGNETIC_INTERFERENCE")
    event = interval_event()
    event["intervals"]["E1"][3]["values"][36] = 3.0
    result = detect(store, event)
    assert types(result) == ["TAMPER", "SPIKE"] and result["anomalyType"] == "TAMPER"


def test_findings_are_stored_once(store):
    event = interval_event(events=["TAMPER"])
    detect(store, event)
    detect(store, event)
    rows = store.conn.execute(
        "SELECT anomaly_type FROM metering_anomalies WHERE reading_id = ?", (event["readingId"],)
    ).fetchall()
    assert [row[0] for row in rows] == ["TAMPER"]


def test_accepts_the_billing_state_with_its_results(store):
    add_history(store, daily=9)
    state = {
        **interval_event(),
        "validation": wrapped({"isValid": True}),
        "usage": wrapped({"usageRecord": {"totalUsage": "1.000"}}),
    }
    assert detect(store, state)["anomalyType"] == "HIGH"


@pytest.mark.parametrize(
    "thresholds",
    [("HIGH_FACTOR", "2.5"), ("LOW_FACTOR", "0.2"), ("ZERO_DAYS", 3), ("MIN_HISTORY_PERIODS", 3)],
)
def test_defaults_are_those_of_the_domain_notes(thresholds):
    name, value = thresholds
    assert str(getattr(anomaly.Thresholds, name)) == str(value)


def test_lambda_entry_point(db_path, clock):
    assert anomaly.handler(interval_event(), None, db=db_path, clock=clock)["isAnomaly"] is False


def _spike_by_full_sort(rows):
    """The rule as first written: every interval ranked by (value, day, slot), highest first."""
    ranked = sorted(((value, day, slot) for day, row in rows.items() for slot, value in enumerate(row)),
                    reverse=True)
    return ranked[:3]


@settings(max_examples=200)
@given(st.lists(st.lists(st.sampled_from(["0", "0.5", "1.2", "1.201", "2.5", "3"]).map(Decimal), max_size=5),
                min_size=1, max_size=5))
def test_the_spike_rule_ranks_the_three_highest_as_a_full_sort_does_ties_included(days):
    """_spike finds the third-highest value first and ranks only the intervals at or above it: the
    same three (value, day, slot), in the same order, as ranking every interval (ties resolved to
    the later day and slot) on days with few distinct values, short and empty days."""
    start = date(2024, 9, 1)
    rows = {start + timedelta(days=i): tuple(values) for i, values in enumerate(days)}
    metered = SimpleNamespace(unit="kWh", intervals={"E1": rows}, day_maxima=lambda suffix: highest_per_day(rows))
    found = anomaly._spike(metered)
    ranked = _spike_by_full_sort(rows)
    if len(ranked) < 3:
        assert found is None
        return
    top, day, slot = ranked[0]
    third = ranked[2][0]
    if top > 2 * third and top > 1:
        assert found == {"type": "SPIKE", "date": day.isoformat(), "interval": slot + 1,
                         "value": f"{top:.3f}", "thirdHighest": f"{third:.3f}"}
    else:
        assert found is None

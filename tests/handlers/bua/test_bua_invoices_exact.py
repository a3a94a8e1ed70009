"""The invoice simulation of one batch, row for row (issue 21).

One small run database holds every kind of account the simulation meets: basic and interval
meters, flat and time-of-use tariffs, a register that rolls over, a basic meter on a time-of-use
tariff (the segment's half-hour shape), interval days missing at invoice time, an account with no
read, accounts whose tariff is unknown or bad, and rows the batch must not see (accounts outside
its range, of another run, with nothing unbilled; reads after the period, of another run's
estimates, of another channel or register). ``invoice_line`` and ``invoice_summary`` are compared
whole with the figures worked out below.

Profile: M(d) = 10,000 Wh every day of September in both segments; the flat segment's shape is even,
the time-of-use segment's puts 1/4 of the day in 00:00-00:30 (off peak) and 3/4 in 15:00-15:30
(peak on weekdays). Flat tariff: 100 c/day + 30 c/kWh. Time-of-use: 105 c/day, peak 45 c, shoulder
28 c, off peak 18 c. 27 Sep 2024 is a Friday, 28 Sep a Saturday (all off peak).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures.bua.builder import flat_tariff, tou_tariff
from handlers.bua.config import RunInfo, parse_config
from handlers.bua.events import Batch
from handlers.bua.invoices import _gst_shares, simulate_batch
from handlers.metering.milli import decimals_of_thousandths

from tests.helpers.bua_accruals import KEY, TOU_KEY, RunDb, half_hour_shape, profile_of

RUN = "2024-10-01"
OLD = "2024-09-01"
QUARTER_THREE_QUARTERS = half_hour_shape({0: 0.25, 30: 0.75})
BAD_TARIFF = "tariff BAD from 2020-01-01.supplyCentsPerDay: Field required"


def _profile():
    return profile_of({KEY: [10_000.0] * 30, TOU_KEY: [10_000.0] * 30}, start=date(2024, 9, 1),
                      shapes={TOU_KEY: QUARTER_THREE_QUARTERS})


def _fifteen_minute(values: dict[int, int]) -> list[int]:
    return [values.get(i, 0) for i in range(96)]


def _build() -> RunDb:
    db = RunDb()
    db.tariff("FLAT", flat_tariff("FLAT", supply="100", rate="30"))
    db.tariff("TOU", tou_tariff("TOU", supply="105.0", peak="45.0", shoulder="28.0", off_peak="18.0"),
              kind="TOU")
    bad = flat_tariff("BAD")
    del bad["supplyCentsPerDay"]
    db.tariff("BAD", bad)

    def basic(account, nmi, unbilled, k, flag, *, tariff="FLAT", segment=KEY, run=RUN, digits=5):
        db.account(run, account, nmi, tariff_code=tariff, meter_type="BASIC", unbilled=unbilled,
                   segment=segment)
        db.scalar(run, account, k, flag)
        if digits:
            db.register(nmi, "1", "E1", digits)

    # outside the batch ACC02..ACC90: they would be priced if the range were ignored
    for account in ("ACC01", "ACC99"):
        basic(account, f"N{account}", ("2024-09-20", RUN), 1.0, "BILLED")
        db.basic_read(f"N{account}", "2024-09-20", 0)
    # in range but nothing unbilled; and an account of another run only
    basic("ACC60", "NACC60", None, 1.0, "BILLED")
    basic("ACC70", "NACC70", ("2024-09-20", RUN), 1.0, "BILLED", run=OLD)
    db.basic_read("NACC70", "2024-09-20", 0)

    # ACC10: 5-digit register (id 2, E1) rolling over; register 1 is feed-in (B1), not read
    basic("ACC10", "NB1", ("2024-09-20", RUN), 1.0, "BILLED", digits=0)
    db.register("NB1", "1", "B1", 6)
    db.register("NB1", "2", "E1", 5)
    db.basic_read("NB1", "2024-09-20", 99_990_000, register_id="2")
    db.basic_read("NB1", "2024-09-25", 10_000, register_id="2")              # +20 kWh across the wrap
    db.basic_read("NB1", RUN, 70_000, register_id="2", source="BUA", run_date=RUN)  # +60 kWh
    db.basic_read("NB1", "2024-09-27", 5, register_id="2", source="BUA", run_date="2024-09-15")
    db.basic_read("NB1", "2024-10-02", 90_000, register_id="2")              # after the period
    db.basic_read("NB1", "2024-09-22", 123, register_id="1")                 # the other register
    # ACC11: no read at all; ACC12: one read on its first day, none after
    basic("ACC11", "NB3", ("2024-09-29", RUN), 1.0, "NO_HISTORY")
    basic("ACC12", "NB4", ("2024-09-28", "2024-09-30"), 1.5, "BILLED", digits=7)
    db.basic_read("NB4", "2024-09-28", 5_000_000)
    # ACC20: tariff not in the table; ACC21: a tariff whose definition is bad
    basic("ACC20", "NE1", ("2024-09-25", RUN), 1.0, "BILLED", tariff="NOPE")
    db.basic_read("NE1", "2024-09-25", 1_000)
    db.account(RUN, "ACC21", "NE2", tariff_code="BAD", meter_type="INTERVAL",
               unbilled=("2024-09-26", RUN), interval_length=30)
    db.scalar(RUN, "ACC21", 1.0, "CLIPPED")
    for day in range(26, 31):
        db.interval_day("NE2", f"2024-09-{day}", [10] * 48)

    # ACC30: flat interval meter; 30 Sep has only another run's estimate: estimated at invoice
    db.account(RUN, "ACC30", "NI1", tariff_code="FLAT", meter_type="INTERVAL",
               unbilled=("2024-09-28", RUN), interval_length=30)
    db.scalar(RUN, "ACC30", 2.0, "BILLED")
    db.interval_day("NI1", "2024-09-27", [7] * 48)                           # before the period
    db.interval_day("NI1", "2024-09-28", [100] * 40 + [0] * 8)               # 4,000 Wh metered
    db.interval_day("NI1", "2024-09-28", [50] * 48, suffix="E2")             # another channel
    db.interval_day("NI1", "2024-09-29", [125] * 48, source="BUA", run_date=RUN)  # 6,000 Wh
    db.interval_day("NI1", "2024-09-30", [1] * 48, source="BUA", run_date=OLD)
    db.interval_day("NI1", RUN, [9] * 48)                                    # after the period
    # ACC40: 15-minute meter on time of use: Friday metered, Saturday estimated (k = 0.5)
    db.account(RUN, "ACC40", "NT1", tariff_code="TOU", meter_type="INTERVAL",
               unbilled=("2024-09-27", "2024-09-29"), interval_length=15, segment=TOU_KEY)
    db.scalar(RUN, "ACC40", 0.5, "METERED")
    db.interval_day("NT1", "2024-09-27", _fifteen_minute({0: 1_000, 60: 2_000}))
    # ACC41: 15-minute meter with no day at all, 10 Wh a day (average daily load)
    db.account(RUN, "ACC41", "NT2", tariff_code="TOU", meter_type="INTERVAL",
               unbilled=("2024-09-27", "2024-09-28"), interval_length=15, segment=TOU_KEY)
    db.scalar(RUN, "ACC41", 0.0, "ADL", adl_wh=10.0)
    # ACC42: interval meter whose length is not recorded, no day at all
    db.account(RUN, "ACC42", "NT3", tariff_code="FLAT", meter_type="INTERVAL",
               unbilled=("2024-09-30", RUN), interval_length=None)
    db.scalar(RUN, "ACC42", 0.2, "NO_HISTORY")
    # ACC50: basic meter on time of use: 20 kWh over Friday and Saturday, shaped by the segment
    basic("ACC50", "NBT", ("2024-09-27", "2024-09-29"), 1.0, "BILLED", tariff="TOU", segment=TOU_KEY)
    db.basic_read("NBT", "2024-09-27", 1_000_000)
    db.basic_read("NBT", "2024-09-29", 1_020_000, source="BUA", run_date=RUN)

    # earlier results: this run's rows of the batch are replaced, other rows stay
    for run, account in ((RUN, "ACC60"), (RUN, "ACC01"), (OLD, "ACC10")):
        db.conn.execute("INSERT INTO invoice_summary VALUES (?, ?, 1, 1, 1, 1, 1, 'OLD')",
                        (run, account))
        db.conn.execute("INSERT INTO invoice_line VALUES (?, ?, 1, '2024-09', 'SUPPLY', 'old', NULL, "
                        "'2024-09-01', '2024-09-02', '1', 'day', '1', 1, 0, 0)", (run, account))
    return db


def _line(account, no, kind, description, band, start, end, quantity, unit, rate, cents, gst):
    return (RUN, account, no, start[:7], kind, description, band, start, end, quantity, unit, rate,
            cents, gst, 0)


def _supply(account, no, start, end, days, rate, cents, gst):
    return _line(account, no, "SUPPLY", "Daily supply charge", None, start, end, str(days), "day",
                 rate, cents, gst)


def _usage(account, no, start, end, kwh, cents, gst):
    return _line(account, no, "USAGE", "General usage", None, start, end, kwh, "kWh", "30", cents, gst)


def _band(account, no, band, start, end, kwh, rate, cents, gst):
    words = {"PEAK": "peak", "OFF_PEAK": "off peak"}[band]
    return _line(account, no, "USAGE", f"General usage {words}", band, start, end, kwh, "kWh", rate,
                 cents, gst)


EXPECTED_LINES = [
    _line("ACC01", 1, "SUPPLY", "old", None, "2024-09-01", "2024-09-02", "1", "day", "1", 1, 0),
    # 11 days, 20 kWh actual then 60 kWh estimated: $11.00 + $24.00, GST $3.50 shared 110 / 240
    _supply("ACC10", 1, "2024-09-20", RUN, 11, "100", 1100, 110),
    _usage("ACC10", 2, "2024-09-20", RUN, "80.000", 2400, 240),
    # 2 days x 10 kWh (k = 1, no read): $2.00 + $6.00, GST 20 / 60
    _supply("ACC11", 1, "2024-09-29", RUN, 2, "100", 200, 20),
    _usage("ACC11", 2, "2024-09-29", RUN, "20.000", 600, 60),
    # 2 days x 15 kWh after its only read: $2.00 + $9.00, GST 20 / 90
    _supply("ACC12", 1, "2024-09-28", "2024-09-30", 2, "100", 200, 20),
    _usage("ACC12", 2, "2024-09-28", "2024-09-30", "30.000", 900, 90),
    # 4 + 6 + 20 (2 x 10 kWh at invoice) = 30 kWh: $3.00 + $9.00, GST 30 / 90
    _supply("ACC30", 1, "2024-09-28", RUN, 3, "100", 300, 30),
    _usage("ACC30", 2, "2024-09-28", RUN, "30.000", 900, 90),
    # Friday 1 kWh off peak + 2 kWh peak; Saturday 5 kWh (all off peak): $2.10 + $0.90 + $1.08;
    # GST 10 % of $4.08 = 41 c, shared 21.10 / 9.04 / 10.85 -> 21 / 9 / 11
    _supply("ACC40", 1, "2024-09-27", "2024-09-29", 2, "105.0", 210, 21),
    _band("ACC40", 2, "PEAK", "2024-09-27", "2024-09-29", "2.000", "45.0", 90, 9),
    _band("ACC40", 3, "OFF_PEAK", "2024-09-27", "2024-09-29", "6.000", "18.0", 108, 11),
    # 10 Wh in quarter hours of 1.25, 1.25, 3.75, 3.75 Wh -> 1, 1, 4, 4: 2 Wh off peak, 8 peak
    _supply("ACC41", 1, "2024-09-27", "2024-09-28", 1, "105.0", 105, 11),
    _band("ACC41", 2, "PEAK", "2024-09-27", "2024-09-28", "0.008", "45.0", 0, 0),
    _band("ACC41", 3, "OFF_PEAK", "2024-09-27", "2024-09-28", "0.002", "18.0", 0, 0),
    # one day of 0.2 x 10 kWh in half hours: $1.00 + $0.60, GST 10 / 6
    _supply("ACC42", 1, "2024-09-30", RUN, 1, "100", 100, 10),
    _usage("ACC42", 2, "2024-09-30", RUN, "2.000", 60, 6),
    # 10 kWh a day shaped 2.5 / 7.5: Friday 2.5 off peak + 7.5 peak, Saturday 10 off peak:
    # $2.10 + $3.38 (337.5 c) + $2.25; GST 77 c shared 20.92 / 33.67 / 22.41 -> 21 / 34 / 22
    _supply("ACC50", 1, "2024-09-27", "2024-09-29", 2, "105.0", 210, 21),
    _band("ACC50", 2, "PEAK", "2024-09-27", "2024-09-29", "7.500", "45.0", 338, 34),
    _band("ACC50", 3, "OFF_PEAK", "2024-09-27", "2024-09-29", "12.500", "18.0", 225, 22),
]

EXPECTED_SUMMARIES = [
    (OLD, "ACC10", 1, 1, 1, 1, 1, "OLD"),
    (RUN, "ACC01", 1, 1, 1, 1, 1, "OLD"),
    (RUN, "ACC10", 11, 20_000, 60_000, 3500, 350, "BILLED"),
    (RUN, "ACC11", 2, 0, 20_000, 800, 80, "NO_HISTORY;NO_READ_AT_START"),
    (RUN, "ACC12", 2, 0, 30_000, 1100, 110, "BILLED;ESTIMATED_AFTER_LAST_READ"),
    (RUN, "ACC20", 6, 0, 0, 0, 0,
     "BILLED;ESTIMATED_AFTER_LAST_READ;ERROR: tariff NOPE is not in the tariff table"),
    (RUN, "ACC21", 5, 0, 0, 0, 0, f"CLIPPED;ERROR: {BAD_TARIFF}"),
    (RUN, "ACC30", 3, 4_000, 26_000, 1200, 120, "BILLED;DAYS_ESTIMATED_AT_INVOICE"),
    (RUN, "ACC40", 2, 3_000, 5_000, 408, 41, "METERED;DAYS_ESTIMATED_AT_INVOICE"),
    (RUN, "ACC41", 1, 0, 10, 105, 11, "ADL;DAYS_ESTIMATED_AT_INVOICE"),
    (RUN, "ACC42", 1, 0, 2_000, 160, 16, "NO_HISTORY;DAYS_ESTIMATED_AT_INVOICE"),
    (RUN, "ACC50", 2, 0, 20_000, 773, 77, "BILLED"),
]


@pytest.fixture
def simulated():
    db = _build()
    run = RunInfo(run_date=date(2024, 10, 1), period_start=date(2024, 9, 1),
                  period_end=date(2024, 10, 1), config=parse_config(None))
    result = simulate_batch(db.conn, run, Batch("invoiceruns", 1, "ACC02", "ACC90", 11), _profile())
    yield db, result
    db.conn.close()


def test_the_batch_reports_its_accounts_lines_and_errors(simulated):
    _, result = simulated
    assert result == {"accounts": 10, "invoice_lines": 19, "account_errors": 2}


def test_invoice_lines_of_every_account_kind(simulated):
    db, _ = simulated
    lines = db.rows("SELECT * FROM invoice_line WHERE run_date = ? ORDER BY account_id, line_no", RUN)
    assert lines == EXPECTED_LINES
    assert db.rows("SELECT account_id FROM invoice_line WHERE run_date = ?", OLD) == [("ACC10",)]


def test_invoice_summaries_of_every_account_kind(simulated):
    db, _ = simulated
    summaries = db.rows("SELECT * FROM invoice_summary ORDER BY run_date DESC, account_id")
    assert sorted(summaries) == sorted(EXPECTED_SUMMARIES)


def test_monthly_gst_adds_up_to_each_invoices_gst(simulated):
    db, _ = simulated
    by_account = dict(db.rows("SELECT account_id, SUM(gst_cents) FROM invoice_line WHERE run_date = ? "
                              "AND account_id BETWEEN 'ACC02' AND 'ACC90' GROUP BY account_id", RUN))
    invoice = dict(db.rows("SELECT account_id, gst_cents FROM invoice_summary WHERE run_date = ? AND "
                           "account_id BETWEEN 'ACC02' AND 'ACC90' AND gst_cents > 0", RUN))
    assert by_account == invoice


def test_gst_is_shared_in_proportion_to_the_amounts_to_the_cent():
    # $1.00 GST over $10.00 and $0.50: 95.24 and 4.76 cents -> 95 and 5; a negative amount gets none
    assert _gst_shares([Decimal("-5.00"), Decimal("10.00"), Decimal("0.50")], Decimal("1.00")) == [0, 95, 5]
    assert _gst_shares([Decimal("0.40"), Decimal("0.40"), Decimal("3.20")], Decimal("0.40")) == [4, 4, 32]


def test_kwh_of_a_wh_figure_comes_from_the_processs_three_decimal_memo():
    from handlers.bua.invoices import _KWH

    assert _KWH is decimals_of_thousandths(3)  # (one memo for the invoice step and its channels)
    assert _KWH[1_234] == Decimal("1.234") and str(_KWH[1_234]) == "1.234" and _KWH[1_234] is _KWH[1_234]


def test_accounts_of_another_run_outside_the_batch_or_fully_billed_are_not_priced(simulated):
    db, _ = simulated
    assert db.rows("SELECT COUNT(*) FROM invoice_summary WHERE account_id IN ('ACC70', 'ACC99', "
                   "'ACC60')") == [(0,)]
    assert db.rows("SELECT COUNT(*) FROM invoice_line WHERE account_id IN ('ACC70', 'ACC99', "
                   "'ACC60')") == [(0,)]


def _exact(channel):
    """A channel's figures as text (Decimal equality ignores the exponent; the invoice's text does not)."""
    return (str(channel.total), channel.interval_minutes,
            [(d, str(q)) for d, q in channel.daily.items()],
            [(d, [str(q) for q in row]) for d, row in channel.intervals.items()])


@settings(max_examples=60, deadline=None)
@given(data=st.data(), minutes=st.sampled_from([5, 15, 30]), days=st.integers(1, 6),
       shaped=st.lists(st.booleans(), min_size=6, max_size=6))
def test_a_time_of_use_channel_is_what_from_intervals_makes_of_the_same_rows(data, minutes, days,
                                                                              shaped):
    """_channel checks and sums a time-of-use account's days as a whole (one numpy pass) and hands
    them to ChannelUsage.from_checked_intervals: the very Decimals from_intervals gives."""
    from handlers.bua.invoices import _KWH, _channel
    from handlers.bua.usage import AccountUsage
    from handlers.metering.consumption import ChannelUsage

    per_day = 1440 // minutes
    start = date(2024, 9, 20)  # (inside the profile's September)
    usage = AccountUsage(start=start, end=date.fromordinal(start.toordinal() + days),
                         daily=np.array(data.draw(st.lists(st.integers(0, 10**6), min_size=days,
                                                           max_size=days)), dtype=np.int64),
                         estimated=np.zeros(days, dtype=bool), interval_length=minutes)
    for offset in range(days):
        if not shaped[offset]:  # a metered day (int32 blob view), else the segment's shape
            values = data.draw(st.lists(st.integers(0, 2**31 - 1), min_size=per_day, max_size=per_day))
            usage.intervals[usage.day(offset)] = np.array(values, dtype="<i4")
    got = _channel(usage, True, _KWH, _profile(), TOU_KEY)
    rows = {usage.day(d): got.intervals[usage.day(d)] for d in range(days)}
    expected = ChannelUsage.from_intervals(rows, interval_minutes=minutes)
    assert _exact(got) == _exact(expected)
    for offset in range(days):
        if not shaped[offset]:
            assert [int(q.scaleb(3)) for q in got.intervals[usage.day(offset)]] == \
                usage.intervals[usage.day(offset)].tolist()


def test_a_negative_or_short_interval_day_is_refused_as_from_intervals_refuses_it():
    from handlers.bua.invoices import _KWH, _channel
    from handlers.bua.usage import AccountUsage
    from handlers.metering.tariffs import TariffError

    start = date(2024, 9, 27)
    usage = AccountUsage(start=start, end=date(2024, 9, 28), daily=np.array([10], dtype=np.int64),
                         estimated=np.zeros(1, dtype=bool))
    usage.intervals[start] = np.array([-1] + [0] * 47, dtype="<i4")
    with pytest.raises(TariffError, match="energy must not be negative"):
        _channel(usage, True, _KWH, _profile(), TOU_KEY)
    usage.intervals[start] = np.zeros(47, dtype="<i4")
    with pytest.raises(TariffError, match="expected 48 intervals of 30 min, got 47"):
        _channel(usage, True, _KWH, _profile(), TOU_KEY)

"""GenerateBill on the fixture fleet, against figures worked out by hand in the comments."""

from __future__ import annotations

import json
from datetime import date

import pytest
from tests.helpers.metering import NOW, basic_event, interval_event, wrapped

from handlers.metering import bill
from handlers.metering.bill import generate_bill
from handlers.metering.errors import AlreadyBilled, TariffError, UnknownAccount
from handlers.metering.store import Account
from handlers.metering.tariff_model import Tariff
from handlers.metering.usage import calculate_usage


def make(store, event):
    return generate_bill(event, store=store, now=NOW)["bill"]


def lines(document):
    return [(l["kind"], l.get("band"), l["quantity"], l["amount"]) for l in document["lines"]]


def test_flat_tariff_with_solar_across_a_price_change(store):
    """MTR-1, RES-FLAT: 105.6 c/day, 31.2 c/kWh, feed-in 5.0 until 30 Sep; then 112.2, 33.0, 4.0.

    24 kWh a day used, 4.8 exported, 12 Sep - 14 Oct: 19 days before the change, 13 after.
    """
    document = make(store, interval_event(export=0.1))
    assert lines(document) == [
        ("SUPPLY", None, "19", "20.06"),  # 19 x 105.6c = 2006.4c
        ("USAGE", None, "456.000", "142.27"),  # 456 x 31.2c = 14227.2c
        ("FEED_IN", None, "91.200", "-4.56"),  # 91.2 x 5.0c = 456c, a credit
        ("SUPPLY", None, "13", "14.59"),  # 13 x 112.2c = 1458.6c
        ("USAGE", None, "312.000", "102.96"),  # 312 x 33.0c = 10296c
        ("FEED_IN", None, "62.400", "-2.50"),  # 62.4 x 4.0c = 249.6c
    ]
    # taxable 20.06 + 142.27 + 14.59 + 102.96 = 279.88; GST 27.988 -> 27.99; credits -7.06
    assert (
        document["taxableSubtotal"],
        document["gst"],
        document["gstFreeSubtotal"],
        document["total"],
        document["amountDue"],
    ) == ("279.88", "27.99", "-7.06", "300.81", "300.81")
    assert document["billId"] == "BILL-RD-MTR-1-2024-10-14"
    assert (document["periodStart"], document["periodEnd"], document["days"]) == (
        "2024-09-12",
        "2024-10-14",
        32,
    )
    assert document["issuedOn"] == "2024-10-14" and document["dueOn"] == "2024-10-28"
    assert document["usage"] == {"B1": "153.600", "E1": "768.000"}


def test_block_tariff_with_controlled_load_and_a_rollover(store):
    # MTR-2, RES-BLOCK: 98.0 c/day; first 1750 kWh per 91 days at 29.5c, then 33.8c; controlled
    # load 17.6c plus 3.3 c/day. E1 rolled over: 448 kWh; E2: 160 kWh; 32 days.
    # Threshold 1750 x 32/91 = 615.385 kWh > 448, so everything is in block 1.
    document = make(store, basic_event())
    assert lines(document) == [
        ("SUPPLY", None, "32", "31.36"),  # 32 x 98c
        ("USAGE", "BLOCK 1", "448.000", "132.16"),  # 448 x 29.5c = 13216c
        ("CONTROLLED_LOAD_SUPPLY", None, "32", "1.06"),  # 32 x 3.3c = 105.6c
        ("CONTROLLED_LOAD", None, "160.000", "28.16"),  # 160 x 17.6c
    ]
    # taxable 192.74; GST 19.274 -> 19.27; total 212.01
    assert (document["gst"], document["total"]) == ("19.27", "212.01")


def test_gas_block_tariff_in_megajoules(store):
    # MTR-3, GAS-BLOCK: 68.0 c/day; first 50 MJ a day at 4.1c, then 3.2c. 80 m3 = 3149.76 MJ;
    # 32 days: block 1 up to 1600 MJ (65.60), block 2 1549.76 MJ x 3.2c = 49.59232 -> 49.59
    document = make(store, basic_event("MTR-3", registers={"E1": "1080"}))
    assert lines(document) == [
        ("SUPPLY", None, "32", "21.76"),
        ("USAGE", "BLOCK 1", "1600.000", "65.60"),
        ("USAGE", "BLOCK 2", "1549.760", "49.59"),
    ]
    # taxable 136.95; GST 13.695 -> 13.70 (half up); total 150.65
    assert (document["gst"], document["total"], document["unit"]) == ("13.70", "150.65", "MJ")


def test_time_of_use_bill(store):
    # MTR-4, RES-TOU, Mon 1 - Mon 8 Jul 2024, 1 kWh per half hour: peak 60 kWh x 52.8c = 31.68;
    # shoulder 90 x 29.7c = 26.73; off-peak 186 x 19.8c = 36.828 -> 36.83;
    # supply 7 x 115.5c = 808.5c -> 8.09 (half up)
    document = make(
        store, interval_event("MTR-4", start=date(2024, 7, 1), end=date(2024, 7, 8), value=1)
    )
    assert lines(document) == [
        ("SUPPLY", None, "7", "8.09"),
        ("USAGE", "PEAK", "60.000", "31.68"),
        ("USAGE", "SHOULDER", "90.000", "26.73"),
        ("USAGE", "OFF_PEAK", "186.000", "36.83"),
    ]
    # taxable 103.33; GST 10.333 -> 10.33; total 113.66
    assert document["total"] == "113.66"


def test_a_credit_bill_has_nothing_due(store):
    document = make(store, interval_event(value=0.01, export=1.5))
    assert document["total"].startswith("-") and document["amountDue"] == "0.00"


def test_bill_is_stored_once_and_returned_again(store):
    first = make(store, interval_event())
    again = generate_bill(interval_event(), store=store, now=NOW)
    assert again["replayed"] is True and again["bill"] == first
    rows = store.conn.execute("SELECT status, total, document FROM metering_bills").fetchall()
    assert len(rows) == 1 and rows[0]["status"] == "ISSUED" and rows[0]["total"] == first["total"]
    assert json.loads(rows[0]["document"])["lines"] == first["lines"]


def test_a_reading_resent_under_a_new_id_is_not_billed_twice(store):
    first = make(store, interval_event(reading_id="RD-1"))
    with pytest.raises(AlreadyBilled, match=r"meter MTR-1: the period 2024-09-20 to 2024-10-14 of reading RD-2 "
                                            r"overlaps bill BILL-RD-1 \(2024-09-12 to 2024-10-14, reading RD-1\)"):
        make(store, interval_event(reading_id="RD-2", start=date(2024, 9, 20)))
    assert [r["bill_id"] for r in store.conn.execute("SELECT bill_id FROM metering_bills")] == [first["billId"]]


def test_the_following_period_is_billed(store):
    make(store, interval_event(reading_id="RD-1"))
    following = make(store, interval_event(reading_id="RD-2", start=date(2024, 10, 14), end=date(2024, 11, 13)))
    assert (following["periodStart"], following["periodEnd"]) == ("2024-10-14", "2024-11-13")  # [start, end): no day twice


def test_both_machines_event_shapes(store):
    event = interval_event()
    usage_record = calculate_usage(event, store=store, now=NOW)["usageRecord"]
    billing_state = {**event, "usage": wrapped({"usageRecord": usage_record})}
    bulk_payload = {
        "reading": {**event, "analysis": [wrapped({"usageRecord": usage_record})]},
        "usage": usage_record,
    }
    assert make(store, billing_state) == make(store, bulk_payload)


def test_missing_tariff_is_a_named_error(store):
    store.put_account(Account("ACC-1", "Customer", None, "RES-GONE", None, "ACTIVE"))
    with pytest.raises(UnknownAccount, match="tariff 'RES-GONE'"):
        make(store, interval_event())


def test_tariff_unit_must_match_the_meter(store):
    store.put_account(Account("ACC-3", "Customer", None, "RES-FLAT", None, "ACTIVE"))
    with pytest.raises(TariffError, match="prices kWh but meter MTR-3 measures MJ"):
        make(store, basic_event("MTR-3", registers={"E1": "1080"}))


def test_no_tariff_in_force_for_the_period(store):
    store.put_tariff(
        Tariff.from_json(
            {
                "code": "NEW",
                "effectiveFrom": "2024-10-01",
                "supplyCentsPerDay": "1",
                "usage": {"kind": "FLAT", "centsPerUnit": "1"},
            }
        )
    )
    store.put_account(Account("ACC-1", "Customer", None, "NEW", None, "ACTIVE"))
    with pytest.raises(TariffError, match="no tariff in force on 2024-09-12"):
        make(store, interval_event())
    assert store.conn.execute("SELECT COUNT(*) FROM metering_bills").fetchone()[0] == 0


def test_lambda_entry_point(db_path, clock):
    assert bill.handler(interval_event(), None, db=db_path, clock=clock)["bill"]["total"]

"""CheckMeterStatus: communications and tamper evidence from the meter log and the reading."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from tests.helpers.metering import NOW, interval_event

from handlers.metering import status
from handlers.metering.errors import BadEvent, UnknownAccount
from handlers.metering.periods import NEM_TZ
from handlers.metering.status import check_meter_status


def at(day, hour=12):
    return datetime(2024, 10, day, hour, tzinfo=NEM_TZ)


def test_a_quiet_meter_is_online_and_untampered(store):
    result = check_meter_status(interval_event(), store=store, now=NOW)
    assert result["online"] is True and result["tamperDetected"] is False
    assert result["commsStatus"] == "ONLINE" and result["tamperEvents"] == []


def test_lost_communications_make_it_offline_until_restored(store):
    store.add_meter_event("MTR-1", at(2), "COMMS_LOST")
    result = check_meter_status(interval_event(), store=store, now=NOW)
    assert (result["online"], result["commsStatus"]) == (False, "OFFLINE")
    assert result["lastCommsEventAt"] == at(2).isoformat()
    store.add_meter_event("MTR-1", at(5), "COMMS_RESTORED")
    assert check_meter_status(interval_event(), store=store, now=NOW)["online"] is True


def test_events_after_now_do_not_count(store):
    store.add_meter_event("MTR-1", NOW + timedelta(hours=1), "COMMS_LOST")
    store.add_meter_event("MTR-1", NOW + timedelta(hours=1), "TAMPER")
    result = check_meter_status(interval_event(), store=store, now=NOW)
    assert result["online"] is True and result["tamperDetected"] is False


@pytest.mark.parametrize("kind", ["TAMPER", "COVER_OPENED", "MAGNETIC_INTERFERENCE"])
def test_tamper_alarm_in_the_log_until_cleared(store, kind):
    store.add_meter_event("MTR-1", at(3), kind, "cover opened")
    result = check_meter_status(interval_event(), store=store, now=NOW)
    assert result["tamperDetected"] is True
    assert result["tamperEvents"] == [
        {"type": kind, "at": at(3).isoformat(), "source": "METER_LOG"}
    ]
    store.add_meter_event("MTR-1", at(4), "TAMPER_CLEARED")
    assert check_meter_status(interval_event(), store=store, now=NOW)["tamperDetected"] is False


def test_tamper_reported_with_the_reading(store):
    flagged = interval_event(events=["TAMPER"])
    assert check_meter_status(flagged, store=store, now=NOW)["tamperEvents"] == [
        {"type": "TAMPER", "source": "READING"}
    ]
    coded = interval_event()
    coded["intervals"]["E1"][3]["reasonCode"] = 61  # NEM12: tampered
    assert check_meter_status(coded, store=store, now=NOW)["tamperDetected"] is True


def test_a_removed_meter_is_not_online(store):
    store.put_meter(replace(store.meter("MTR-1"), removed_on=date(2024, 10, 1)))
    result = check_meter_status(interval_event(), store=store, now=NOW)
    assert (result["online"], result["commsStatus"]) == (False, "REMOVED")


def test_reads_the_state_of_the_billing_machine_and_wrapped_events(store):
    state = {**interval_event(), "validation": {"Payload": {"isValid": True}, "StatusCode": 200}}
    assert check_meter_status(state, store=store, now=NOW)["meterId"] == "MTR-1"
    assert check_meter_status({"reading": state}, store=store, now=NOW)["online"] is True


def test_bad_events_are_named(store):
    with pytest.raises(BadEvent, match="meterId"):
        check_meter_status({"nmi": "x"}, store=store, now=NOW)
    with pytest.raises(UnknownAccount, match="MTR-404"):
        check_meter_status({"meterId": "MTR-404"}, store=store, now=NOW)
    with pytest.raises(BadEvent, match="JSON object"):
        check_meter_status("MTR-1", store=store, now=NOW)


def test_lambda_entry_point(db_path, clock):
    assert status.handler(interval_event(), None, db=db_path, clock=clock)["online"] is True

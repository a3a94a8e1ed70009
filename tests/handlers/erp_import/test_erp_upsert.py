"""Upsert: external_id matching, strict-date matching (German days), deduplication by reading date."""

import json
import logging

from erp_support import BASE_READING_CONFIG, import_readings, reading, reading_config, rows


def test_create_then_unchanged_then_updated(seeded):
    first = import_readings(seeded, [reading("R1", "2024-01-15T08:00:00Z", 100), reading("R2", "2024-02-15T08:00:00Z", 200)])
    assert first["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "deleted": 0, "pruned": 0, "skipped": 0, "errors": 0}
    assert first["status"] == "ok"
    again = import_readings(seeded, [reading("R1", "2024-01-15T08:00:00Z", 100), reading("R2", "2024-02-15T08:00:00Z", 200)])
    assert (again["counts"]["unchanged"], again["counts"]["created"]) == (2, 0)
    changed = import_readings(seeded, [reading("R1", "2024-01-15T08:00:00Z", 150)])
    assert changed["counts"]["updated"] == 1
    assert [(r["external_id"], r["value"]) for r in rows(seeded)] == [("R1", 150), ("R2", 200)]


def test_stored_row(seeded):
    import_readings(seeded, [reading("R1", "2024-03-31T00:30:00+01:00", 12500.5)])
    (row,) = rows(seeded)
    assert row["external_id"] == "R1"
    assert row["timestamp"] == "2024-03-30T23:30:00Z"
    assert row["berlin_day"] == "2024-03-31"
    assert row["source"] == "ERP"
    assert row["value"] == 12500.5
    meter = seeded.execute("SELECT attributes FROM erp_meter WHERE id = ?", (row["meter_id"],)).fetchone()[0]
    assert json.loads(meter)["external_id"] == "M1"


def test_external_id_is_matched_within_meter_and_counter(seeded):
    import_readings(seeded, [reading("R1", "2024-01-15T08:00:00Z", 1, counter="C1")])
    other_counter = import_readings(seeded, [reading("R1", "2024-03-15T08:00:00Z", 2, counter="C2")])
    other_meter = import_readings(seeded, [reading("R1", "2024-05-15T08:00:00Z", 3, meter="M2")])
    assert other_counter["counts"]["created"] == 1 and other_meter["counts"]["created"] == 1
    assert len(rows(seeded)) == 3


def test_extra_attributes_root_access_and_expressions(seeded):
    fields = BASE_READING_CONFIG["fields"] + [
        {"attribute": "batch_id", "field": "$$.batchId"},
        {"attribute": "unit", "constant": "kWh"},
        {"attribute": "consumption", "jsonataExpression": "meter_value - previous"},
        {"attribute": "tagged", "jsonataExpression": "$$.batchId & '/' & reading_id"},
        {"attribute": "channel", "field": "meta.channels[1]"},
    ]
    report = import_readings(
        seeded,
        [reading("R1", "2024-01-15T08:00:00Z", 12500.5, previous=12000.0, meta={"channels": ["E1", "B1"]})],
        reading_config(fields=fields),
        batchId="BATCH-2024-01-15",
    )
    assert report["errors"] == []
    attributes = json.loads(rows(seeded)[0]["attributes"])
    assert attributes == {"batch_id": "BATCH-2024-01-15", "unit": "kWh", "consumption": 500.5, "tagged": "BATCH-2024-01-15/R1", "channel": "B1"}


def test_short_form_unique_id_from_mapped_attribute_and_from_raw_field(seeded):
    mapped = reading_config(
        meter={"unique_ids": ["meter_number"]},
        meter_counter=None,
        fields=BASE_READING_CONFIG["fields"] + [{"attribute": "meter_number", "field": "meterId"}],
    )
    raw = reading_config(meter={"unique_ids": ["meter_number"]}, meter_counter=None)
    a = import_readings(seeded, [reading("R1", "2024-01-15T08:00:00Z", 1, meterId="NO-M1")], mapped)
    b = import_readings(seeded, [reading("R2", "2024-03-15T08:00:00Z", 2, meter_number="NO-M2")], raw)
    assert a["counts"]["created"] == b["counts"]["created"] == 1
    assert [r["meter_id"] for r in rows(seeded)] == [1, 2]
    assert [r["counter_id"] for r in rows(seeded)] == [None, None]


# --- strict-date ------------------------------------------------------------------------------

ECP_CONFIG = reading_config(
    reading_matching="strict-date",
    fields=[
        {"attribute": "external_id", "field": "reading_id"},
        {"attribute": "timestamp", "field": "read_at"},
        {"attribute": "source", "constant": "ECP"},
        {"attribute": "value", "field": "meter_value"},
    ],
)
STRICT = reading_config(reading_matching="strict-date")


def test_ecp_echo_round_trip_updates_the_portal_reading(seeded):
    portal = import_readings(seeded, [reading(None, "2024-03-31T09:17:23+02:00", 4711)], ECP_CONFIG)
    assert portal["counts"]["created"] == 1
    (ecp,) = rows(seeded)
    assert (ecp["external_id"], ecp["source"]) == (None, "ECP")
    # The ERP echoes it back with its own id and a truncated (date-only, German) timestamp.
    echo = import_readings(seeded, [reading("ERP-1", "2024-03-31", 4711)], STRICT)
    assert echo["counts"]["updated"] == 1
    (row,) = rows(seeded)
    assert row["id"] == ecp["id"]
    assert (row["external_id"], row["source"], row["timestamp"]) == ("ERP-1", "ERP", "2024-03-30T23:00:00Z")
    # A second echo finds it by external id: nothing to change.
    assert import_readings(seeded, [reading("ERP-1", "2024-03-31", 4711)], STRICT)["counts"]["unchanged"] == 1


def test_without_strict_date_the_echo_is_only_deduplicated(seeded):
    import_readings(seeded, [reading(None, "2024-03-31T09:17:23+02:00", 4711)], ECP_CONFIG)
    echo = import_readings(seeded, [reading("ERP-1", "2024-03-31", 4711)])
    assert echo["counts"]["skipped"] == 1
    (row,) = rows(seeded)
    assert (row["external_id"], row["source"]) == (None, "ECP")


def test_strict_date_matches_across_utc_midnight_on_the_23_hour_day(seeded):
    import_readings(seeded, [reading(None, "2024-03-30T23:30:00Z", 1)], ECP_CONFIG)  # 00:30 CET on 31st
    report = import_readings(seeded, [reading("E1", "2024-03-31T21:59:00Z", 2)], STRICT)  # 23:59 CEST on 31st
    assert report["counts"]["updated"] == 1
    assert [(r["external_id"], r["value"]) for r in rows(seeded)] == [("E1", 2)]


def test_strict_date_matches_across_the_25_hour_day(seeded):
    import_readings(seeded, [reading(None, "2024-10-26T22:00:00Z", 1)], ECP_CONFIG)  # 00:00 CEST on 27th
    report = import_readings(seeded, [reading("E1", "2024-10-27T22:30:00Z", 2)], STRICT)  # 23:30 CET on 27th
    assert report["counts"]["updated"] == 1
    assert len(rows(seeded)) == 1


def test_strict_date_does_not_match_the_previous_german_day(seeded):
    # 23:30 local on consecutive days: 25 hours apart across the autumn change -> a new reading.
    import_readings(seeded, [reading(None, "2024-10-26T21:30:00Z", 1)], ECP_CONFIG)  # 23:30 CEST 26th
    report = import_readings(seeded, [reading("E1", "2024-10-27T22:30:00Z", 2)], STRICT)  # 23:30 CET 27th
    assert report["counts"]["created"] == 1
    assert [r["berlin_day"] for r in rows(seeded)] == ["2024-10-26", "2024-10-27"]


def test_different_german_days_only_23_hours_apart_are_different_readings(seeded):
    # 23:30 local on 30 and 31 March are only 23 hours apart (clocks spring forward), but they are two
    # reading dates: seed 002 judges duplicates "based on ... reading date", not on elapsed hours.
    import_readings(seeded, [reading(None, "2024-03-30T22:30:00Z", 1)], ECP_CONFIG)
    report = import_readings(seeded, [reading("E1", "2024-03-31T21:30:00Z", 2)], STRICT)
    assert report["counts"]["created"] == 1
    assert [r["berlin_day"] for r in rows(seeded)] == ["2024-03-30", "2024-03-31"]


def test_daily_midnight_readings_across_the_spring_change_are_all_kept(seeded):
    # Berlin midnight on 30, 31 March and 1 April: 24 and then 23 hours apart. None is a duplicate.
    payload = [reading(f"D{n}", at, n) for n, at in enumerate(
        ["2024-03-29T23:00:00Z", "2024-03-30T23:00:00Z", "2024-03-31T22:00:00Z"])]
    report = import_readings(seeded, payload)
    assert [i["action"] for i in report["items"]] == ["created"] * 3


def test_strict_date_several_matches_is_an_error_and_nothing_changes(seeded, caplog):
    import_readings(seeded, [reading(None, "2024-03-31T00:30:00+01:00", 1)], ECP_CONFIG)
    # A second portal reading that day, with a portal id and another type so deduplication lets it in.
    typed = reading_config(fields=ECP_CONFIG["fields"] + [{"attribute": "reading_type", "constant": "control"}])
    import_readings(seeded, [reading("ECP-2", "2024-03-31T20:00:00+02:00", 2)], typed)
    before = rows(seeded)
    assert len(before) == 2
    with caplog.at_level(logging.ERROR, logger="handlers.erp_import.readings"):
        report = import_readings(seeded, [reading("E1", "2024-03-31", 3)], STRICT)
    assert report["counts"]["errors"] == 1
    (error,) = report["errors"]
    assert error["error"]["code"] == "AMBIGUOUS_READING_MATCH"
    assert error["error"]["details"]["reading_ids"] == [r["id"] for r in before]
    assert rows(seeded) == before
    assert "2 existing readings match by date 2024-03-31" in caplog.text


def test_strict_date_claims_a_portal_reading_that_has_a_portal_id(seeded):
    import_readings(seeded, [reading("ECP-1", "2024-03-31T09:00:00+02:00", 1)], reading_config(fields=ECP_CONFIG["fields"]))
    report = import_readings(seeded, [reading("E1", "2024-03-31", 1)], STRICT)
    assert report["counts"]["updated"] == 1
    assert [(r["external_id"], r["source"]) for r in rows(seeded)] == [("E1", "ERP")]


def test_strict_date_updates_the_days_one_reading_even_from_the_same_source(seeded):
    # Seed 002: strict-date matches meter + counter + direction on the German day, and "a single match:
    # updates the existing reading with ERP data". A second ERP reading of that day (its own id) is that
    # update, not a duplicate skipped with its value lost.
    payload = [reading("R0", "2024-01-12T23:00:00Z", 5), reading("R1", "2024-01-13T00:00:00Z", 6)]
    first = import_readings(seeded, payload, STRICT)
    assert [i["action"] for i in first["items"]] == ["created", "updated"]
    assert [(r["external_id"], r["value"]) for r in rows(seeded)] == [("R1", 6)]
    # importing the same payload again changes nothing: the earlier reading does not overwrite the later
    again = import_readings(seeded, payload, STRICT)
    assert [i["action"] for i in again["items"]] == ["skipped", "unchanged"]
    assert [(r["external_id"], r["value"]) for r in rows(seeded)] == [("R1", 6)]


def test_strict_date_respects_direction_when_given(seeded):
    portal = reading_config(
        reading_matching="strict-date",
        fields=ECP_CONFIG["fields"] + [{"attribute": "direction", "field": "dir"}],
    )
    with_direction = reading_config(
        reading_matching="strict-date",
        fields=BASE_READING_CONFIG["fields"] + [{"attribute": "direction", "field": "dir"}],
    )
    import_readings(seeded, [reading(None, "2024-03-31T08:00:00+02:00", 1, dir="feed-in")], portal)
    # Other direction: no strict-date candidate, and deduplication only compares the same direction.
    assert import_readings(seeded, [reading(None, "2024-03-31T09:00:00+02:00", 2, dir="feed-out")], portal)["counts"]["created"] == 1
    # Direction given: only the feed-in portal reading of that day is a candidate.
    report = import_readings(seeded, [reading("C", "2024-03-31T10:00:00+02:00", 3, dir="feed-in")], with_direction)
    assert report["counts"]["updated"] == 1
    assert sorted((r["external_id"] or "-", r["direction"], r["value"]) for r in rows(seeded)) == [
        ("-", "feed-out", 2),
        ("C", "feed-in", 3),
    ]


def test_missing_external_id_is_allowed_only_with_strict_date(seeded):
    strict = import_readings(seeded, [reading(None, "2024-01-15T08:00:00Z", 1)], STRICT)
    assert strict["counts"]["created"] == 1
    default = import_readings(seeded, [reading(None, "2024-06-15T08:00:00Z", 1)])
    assert default["errors"][0]["error"] == {"code": "MISSING_FIELD", "details": {"field": "external_id"}}


def test_naive_timestamps_are_berlin_time_and_kept_as_given(seeded):
    import_readings(seeded, [reading("R1", "2024-07-01T00:30:00", 1)])
    (row,) = rows(seeded)
    assert (row["timestamp"], row["berlin_day"]) == ("2024-06-30T22:30:00Z", "2024-07-01")
    assert json.loads(row["attributes"]) == {"timestamp_as_given": "2024-07-01T00:30:00"}
    import_readings(seeded, [reading("R1", "2024-06-30T22:30:00Z", 1)])  # same instant, with offset
    assert json.loads(rows(seeded)[0]["attributes"]) == {}


# --- deduplication ----------------------------------------------------------------------------


def test_dedup_is_by_german_reading_date(seeded):
    import_readings(seeded, [reading("BASE", "2024-05-10T12:00:00Z", 1)])  # 14:00 CEST on 10 May
    cases = [
        ("LAST-SECOND-OF-THE-DAY", "2024-05-10T21:59:59Z", "skipped"),  # 23:59:59 CEST, 10 May
        ("FIRST-SECOND-OF-THE-DAY", "2024-05-09T22:00:00Z", "skipped"),  # 00:00:00 CEST, 10 May
        ("NEXT-DAY", "2024-05-10T22:00:00Z", "created"),  # 00:00 CEST, 11 May: 8 hours later
        ("DAY-BEFORE", "2024-05-09T21:59:59Z", "created"),  # 23:59:59 CEST, 9 May
    ]
    for reading_id, at, action in cases:
        report = import_readings(seeded, [reading(reading_id, at, 2)])
        assert report["items"][0]["action"] == action, reading_id
    assert [r["external_id"] for r in rows(seeded)] == ["BASE", "NEXT-DAY", "DAY-BEFORE"]


def test_dedup_skip_names_the_existing_reading(seeded):
    import_readings(seeded, [reading("BASE", "2024-05-10T12:00:00Z", 1)])
    report = import_readings(seeded, [reading("OTHER", "2024-05-10T18:00:00Z", 1)])
    item = report["items"][0]
    assert item["action"] == "skipped" and item["reading_id"] == 1
    assert item["note"] == ("duplicate of reading 1 (2024-05-10T12:00:00Z): the same reading date, "
                            "2024-05-10 (German day)")


def test_dedup_keys_counter_and_reading_type(seeded):
    typed = reading_config(fields=BASE_READING_CONFIG["fields"] + [{"attribute": "reading_type", "field": "type"}])
    import_readings(seeded, [reading("A", "2024-05-10T12:00:00Z", 1, type="actual")], typed)
    other_counter = import_readings(seeded, [reading("B", "2024-05-10T13:00:00Z", 1, counter="C2", type="actual")], typed)
    other_type = import_readings(seeded, [reading("C", "2024-05-10T14:00:00Z", 1, type="estimate")], typed)
    untyped = import_readings(seeded, [reading("D", "2024-05-10T15:00:00Z", 1)])  # type unspecified: any type
    same_type = import_readings(seeded, [reading("E", "2024-05-10T16:00:00Z", 1, type="actual")], typed)
    assert [r["items"][0]["action"] for r in (other_counter, other_type, untyped, same_type)] == [
        "created",
        "created",
        "skipped",
        "skipped",
    ]


def test_dedup_inside_one_payload(seeded):
    report = import_readings(seeded, [reading("A", "2024-05-10T12:00:00Z", 1), reading("B", "2024-05-10T13:00:00Z", 1)])
    assert [i["action"] for i in report["items"]] == ["created", "skipped"]


def test_dedup_without_counters_uses_the_meter(seeded):
    no_counter = reading_config(meter_counter=None)
    report = import_readings(seeded, [reading("HT", "2024-05-10T12:00:00Z", 1), reading("NT", "2024-05-10T12:00:00Z", 2)], no_counter)
    # Same meter, same time, no type: the documented rule makes the second a duplicate.
    assert [i["action"] for i in report["items"]] == ["created", "skipped"]

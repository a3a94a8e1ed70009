"""mode: delete (external_id, strict-date fallback) and mode: upsert-prune-scope."""

from erp_support import BASE_READING_CONFIG, import_readings, reading, reading_config, rows

from handlers.erp_import import run_import

# The documentation's deletion examples (one reading per payload, no jsonataExpression).
DELETE = {
    "mode": "delete",
    "meter": {"unique_ids": [{"attribute": "external_id", "field": "meter_id"}]},
    "fields": [{"attribute": "external_id", "field": "reading_id"}],
}
DELETE_STRICT = {
    "mode": "delete",
    "reading_matching": "strict-date",
    "meter": {"unique_ids": [{"attribute": "external_id", "field": "meter_id"}]},
    "fields": [{"attribute": "external_id", "field": "reading_id"}, {"attribute": "timestamp", "field": "timestamp"}],
}
PRUNE = reading_config(mode="upsert-prune-scope")
PRUNE_ERP = reading_config(mode="upsert-prune-scope", scope={"source": "ERP"})
ECP = reading_config(
    reading_matching="strict-date",
    fields=BASE_READING_CONFIG["fields"][:2] + [{"attribute": "source", "constant": "ECP"}, BASE_READING_CONFIG["fields"][3]],
)


def delete(conn, config, payload):
    return run_import({"meter_readings": [config]}, payload, conn)


def test_delete_by_external_id_on_any_counter(seeded):
    import_readings(seeded, [reading("R-67890", "2025-02-01T10:00:00Z", 1, counter="C2"), reading("R-1", "2025-03-01T10:00:00Z", 1)])
    report = delete(seeded, DELETE, {"meter_id": "M1", "reading_id": "R-67890", "timestamp": "2025-02-01T10:00:00Z"})
    assert report["counts"]["deleted"] == 1
    assert [r["external_id"] for r in rows(seeded)] == ["R-1"]


def test_delete_is_scoped_to_the_meter(seeded):
    import_readings(seeded, [reading("R-67890", "2025-02-01T10:00:00Z", 1, meter="M2")])
    report = delete(seeded, DELETE, {"meter_id": "M1", "reading_id": "R-67890"})
    assert report["counts"] == {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0, "pruned": 0, "skipped": 1, "errors": 0}
    assert report["items"][0]["note"] == "no reading with external_id 'R-67890' on this meter"
    assert len(rows(seeded)) == 1


def test_delete_strict_date_falls_back_to_the_german_day(seeded):
    # A portal reading without an external id, at 00:30 CET on the 23-hour day.
    import_readings(seeded, [reading(None, "2024-03-30T23:30:00Z", 1)], ECP)
    report = delete(seeded, DELETE_STRICT, {"meter_id": "M1", "reading_id": "R-67890", "timestamp": "2024-03-31"})
    assert report["counts"]["deleted"] == 1
    assert report["items"][0]["note"] == "matched by German date"
    assert rows(seeded) == []


def test_delete_strict_date_prefers_the_external_id(seeded):
    import_readings(seeded, [reading("R1", "2024-05-01T08:00:00Z", 1), reading("R2", "2024-06-01T08:00:00Z", 2)])
    report = delete(seeded, DELETE_STRICT, {"meter_id": "M1", "reading_id": "R2", "timestamp": "2024-05-01T08:00:00Z"})
    assert report["items"][0]["external_id"] == "R2"
    assert [r["external_id"] for r in rows(seeded)] == ["R1"]


def test_delete_strict_date_nothing_that_day_is_skipped(seeded):
    import_readings(seeded, [reading("R1", "2024-10-26T21:59:00Z", 1)])  # 23:59 CEST on the 26th
    report = delete(seeded, DELETE_STRICT, {"meter_id": "M1", "reading_id": "X", "timestamp": "2024-10-27T12:00:00+01:00"})
    assert report["counts"]["skipped"] == 1
    assert report["items"][0]["note"] == "no reading on 2024-10-27 (German day) to delete"
    assert len(rows(seeded)) == 1


def test_delete_strict_date_two_readings_that_day_is_an_error(seeded):
    import_readings(seeded, [reading("A", "2024-05-01T06:00:00Z", 1, counter="C1"), reading("B", "2024-05-01T07:00:00Z", 2, counter="C2")])
    report = delete(seeded, DELETE_STRICT, {"meter_id": "M1", "reading_id": "X", "timestamp": "2024-05-01"})
    assert report["errors"][0]["error"]["code"] == "AMBIGUOUS_READING_MATCH"
    assert len(rows(seeded)) == 2


def test_delete_strict_date_without_external_id(seeded):
    import_readings(seeded, [reading("A", "2024-05-01T06:00:00Z", 1)])
    report = delete(seeded, DELETE_STRICT, {"meter_id": "M1", "timestamp": "2024-05-01T20:00:00+02:00"})
    assert report["counts"]["deleted"] == 1


def test_delete_many_through_an_expression(seeded):
    import_readings(seeded, [reading(f"R{n}", f"2024-0{n}-01T08:00:00Z", n) for n in range(1, 5)])
    config = {**DELETE, "jsonataExpression": "$.deletions"}
    payload = {"deletions": [{"meter_id": "M1", "reading_id": "R1"}, {"meter_id": "M1", "reading_id": "R3"}, {"meter_id": "M9", "reading_id": "R4"}]}
    report = delete(seeded, config, payload)
    assert (report["counts"]["deleted"], report["counts"]["errors"]) == (2, 1)
    assert [r["external_id"] for r in rows(seeded)] == ["R2", "R4"]


# --- upsert-prune-scope -----------------------------------------------------------------------


def _existing(conn):
    """C1 of M1 holds ERP readings A, B and a portal reading; C2 and M2 hold one reading each."""
    import_readings(conn, [reading("A", "2024-01-01T08:00:00Z", 1), reading("B", "2024-02-01T08:00:00Z", 2)])
    import_readings(conn, [reading(None, "2024-03-01T08:00:00Z", 3)], ECP)
    import_readings(conn, [reading("OTHER-COUNTER", "2024-01-01T08:00:00Z", 4, counter="C2")])
    import_readings(conn, [reading("OTHER-METER", "2024-01-01T08:00:00Z", 5, meter="M2")])


def test_prune_deletes_what_the_payload_lacks_in_its_meter_and_counter(seeded):
    _existing(seeded)
    report = import_readings(seeded, [reading("B", "2024-02-01T08:00:00Z", 20), reading("C", "2024-04-01T08:00:00Z", 30)], PRUNE)
    assert report["counts"]["pruned"] == 2  # A and the portal reading
    assert report["pruned"][0]["deleted_external_ids"] == ["A", None]
    assert report["pruned"][0]["scope"] == "meter external_id=M1 / counter external_id=C1"
    assert sorted((r["external_id"] or "-", r["value"]) for r in rows(seeded)) == [
        ("B", 20),
        ("C", 30),
        ("OTHER-COUNTER", 4),
        ("OTHER-METER", 5),
    ]


def test_prune_with_source_scope_keeps_other_sources(seeded):
    _existing(seeded)
    report = import_readings(seeded, [reading("B", "2024-02-01T08:00:00Z", 2)], PRUNE_ERP)
    assert report["counts"]["pruned"] == 1
    assert sorted((r["external_id"] or "-", r["source"]) for r in rows(seeded)) == [
        ("-", "ECP"),
        ("B", "ERP"),
        ("OTHER-COUNTER", "ERP"),
        ("OTHER-METER", "ERP"),
    ]


def test_prune_keeps_the_reading_a_duplicate_was_matched_to(seeded):
    _existing(seeded)
    # "A2" is 1 hour after A: skipped as a duplicate, so A represents it and survives.
    report = import_readings(seeded, [reading("A2", "2024-01-01T09:00:00Z", 1), reading("B", "2024-02-01T08:00:00Z", 2)], PRUNE_ERP)
    assert report["counts"]["skipped"] == 1
    assert "A" in {r["external_id"] for r in rows(seeded)}


def test_prune_is_skipped_for_a_scope_with_rejected_readings(seeded):
    _existing(seeded)
    report = import_readings(seeded, [reading("B", "2024-02-01T08:00:00Z", 2), reading("C", "2024-04-01T08:00:00Z", -1)], PRUNE)
    assert report["counts"]["pruned"] == 0
    assert report["warnings"] == [
        "Meter readings configuration (item 0): prune skipped for meter external_id=M1 / counter external_id=C1 "
        "because some of its readings in the payload were rejected"
    ]
    assert len(rows(seeded)) == 5


def test_prune_without_counter_config_scopes_the_whole_meter(seeded):
    _existing(seeded)
    report = import_readings(seeded, [reading("B", "2024-02-01T08:00:00Z", 2)], reading_config(mode="upsert-prune-scope", meter_counter=None))
    assert report["counts"]["pruned"] == 3  # A, the portal reading and OTHER-COUNTER
    assert report["pruned"][0]["scope"] == "meter external_id=M1 (all counters)"
    assert sorted(r["external_id"] for r in rows(seeded)) == ["B", "OTHER-METER"]


def test_zero_readings_prune_the_scope_named_by_the_payload_root(seeded):
    _existing(seeded)
    report = import_readings(seeded, [], PRUNE, meter_id="M1", counter_id="C1")
    assert report["counts"]["pruned"] == 3
    assert sorted(r["external_id"] for r in rows(seeded)) == ["OTHER-COUNTER", "OTHER-METER"]


def test_zero_readings_with_source_scope(seeded):
    _existing(seeded)
    report = import_readings(seeded, [], PRUNE_ERP, meter_id="M1", counter_id="C1")
    assert report["counts"]["pruned"] == 2
    assert sorted(r["external_id"] or "-" for r in rows(seeded)) == ["-", "OTHER-COUNTER", "OTHER-METER"]


def test_zero_readings_through_root_references(seeded):
    _existing(seeded)
    config = reading_config(
        mode="upsert-prune-scope",
        meter={"unique_ids": [{"attribute": "external_id", "field": "$$.meter"}]},
        meter_counter={"unique_ids": [{"attribute": "external_id", "field": "$$.counter"}]},
    )
    report = run_import({"meter_readings": [config]}, {"meter": "M1", "counter": "C2", "readings": []}, seeded)
    assert report["counts"]["pruned"] == 1
    assert "OTHER-COUNTER" not in {r["external_id"] for r in rows(seeded)}


def test_zero_readings_and_no_meter_at_the_root_deletes_nothing(seeded):
    _existing(seeded)
    report = import_readings(seeded, [], PRUNE)
    assert report["counts"]["pruned"] == 0
    assert len(rows(seeded)) == 5
    (warning,) = report["warnings"]
    assert warning.startswith("Meter readings configuration (item 0): the payload yields zero readings and its root names no known meter/counter")
    assert warning.endswith("nothing pruned")


def test_prune_is_idempotent(seeded):
    _existing(seeded)
    payload = [reading("B", "2024-02-01T08:00:00Z", 2)]
    import_readings(seeded, payload, PRUNE)
    again = import_readings(seeded, payload, PRUNE)
    assert (again["counts"]["pruned"], again["counts"]["unchanged"]) == (0, 1)

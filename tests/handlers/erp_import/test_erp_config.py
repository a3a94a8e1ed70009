"""Every configuration check, with the documented texts verbatim where the documentation has one."""

import pytest
from erp_support import BASE_READING_CONFIG, reading_config

from handlers.erp_import import ErpConfigError, parse_config


def problems(config) -> list[str]:
    with pytest.raises(ErpConfigError) as caught:
        parse_config(config)
    return caught.value.problems


def one_problem(config) -> str:
    found = problems(config)
    assert len(found) == 1, found
    return found[0]


def test_documented_missing_required_fields_message():
    config = reading_config(
        fields=[{"attribute": "external_id", "field": "reading_id"}, {"attribute": "value", "field": "meter_value"}]
    )
    with pytest.raises(ErpConfigError) as caught:
        parse_config({"meter_readings": [config]})
    # The documentation's text, character for character.
    assert str(caught.value) == "Meter readings configuration (item 0) is missing required field attributes: timestamp, source"


def test_missing_fields_are_listed_in_documented_order_and_item_is_named():
    config = reading_config(fields=[{"attribute": "unit", "constant": "kWh"}])
    found = problems({"meter_readings": [reading_config(), config]})
    assert found == [
        "Meter readings configuration (item 1) is missing required field attributes: external_id, timestamp, source, value"
    ]


def test_documented_complete_example_is_rejected_as_written():
    """The doc's "Complete Example" maps reading_date, not timestamp, and has no external_id."""
    config = {
        "meter_readings": [
            {
                "jsonataExpression": "readings",
                "meter": {"unique_ids": ["meter_number"]},
                "fields": [
                    {"attribute": "meter_number", "field": "meterId"},
                    {"attribute": "reading_date", "field": "$$.readingDate"},
                    {"attribute": "value", "field": "currentReading"},
                    {"attribute": "source", "constant": "ERP_BATCH_IMPORT"},
                ],
            }
        ]
    }
    assert problems(config) == [
        "Meter readings configuration (item 0) is missing required field attributes: external_id, timestamp",
        "Meter readings configuration (item 0), fields[3]: source 'ERP_BATCH_IMPORT' is not one of ERP, ECP, 360, journey-submission",
    ]


def test_purge_is_not_supported():
    assert one_problem({"meter_readings": [reading_config(mode="purge")]}) == (
        "Meter readings configuration (item 0): mode 'purge' is not supported for meter readings "
        "(use upsert, delete or upsert-prune-scope)"
    )


def test_unknown_mode_and_matching():
    found = problems({"meter_readings": [reading_config(mode="replace", reading_matching="fuzzy-date")]})
    assert found == [
        "Meter readings configuration (item 0): mode 'replace' is not one of upsert, delete, upsert-prune-scope",
        "Meter readings configuration (item 0): reading_matching 'fuzzy-date' is not one of external_id, strict-date",
    ]


@pytest.mark.parametrize("source", ["ERP", "ECP", "360", "journey-submission"])
def test_every_documented_source_is_accepted(source):
    fields = [dict(f) for f in BASE_READING_CONFIG["fields"]]
    fields[2] = {"attribute": "source", "constant": source}
    parse_config({"meter_readings": [reading_config(fields=fields)]})


@pytest.mark.parametrize("reason", ["regular", "irregular", "last", "first", "meter_change", "contract_change", "meter_adjustment", "", None])
def test_every_documented_reason_is_accepted(reason):
    fields = BASE_READING_CONFIG["fields"] + [{"attribute": "reason", "constant": reason}]
    parse_config({"meter_readings": [reading_config(fields=fields)]})


def test_invalid_constant_reason():
    fields = BASE_READING_CONFIG["fields"] + [{"attribute": "reason", "constant": "estimated"}]
    assert one_problem({"meter_readings": [reading_config(fields=fields)]}) == (
        "Meter readings configuration (item 0), fields[4]: reason 'estimated' is not one of regular, irregular, "
        "last, first, meter_change, contract_change, meter_adjustment (or empty/null)"
    )


def test_source_is_case_sensitive():
    fields = [dict(f) for f in BASE_READING_CONFIG["fields"]]
    fields[2] = {"attribute": "source", "constant": "erp"}
    assert "source 'erp' is not one of" in one_problem({"meter_readings": [reading_config(fields=fields)]})


def test_delete_mode_needs_only_external_id():
    config = reading_config(mode="delete", fields=[{"attribute": "external_id", "field": "reading_id"}])
    parsed = parse_config({"meter_readings": [config]})
    assert parsed.readings[0].mode == "delete"


def test_delete_with_strict_date_needs_timestamp():
    config = reading_config(mode="delete", reading_matching="strict-date", fields=[{"attribute": "external_id", "field": "reading_id"}])
    assert one_problem({"meter_readings": [config]}) == (
        "Meter readings configuration (item 0) is missing required field attributes: timestamp"
    )


def test_field_entry_needs_exactly_one_source():
    fields = BASE_READING_CONFIG["fields"] + [
        {"attribute": "unit", "field": "u", "constant": "kWh"},
        {"attribute": "note"},
    ]
    assert problems({"meter_readings": [reading_config(fields=fields)]}) == [
        "Meter readings configuration (item 0), fields[4] (attribute 'unit') needs exactly one of field, constant, jsonataExpression",
        "Meter readings configuration (item 0), fields[5] (attribute 'note') needs exactly one of field, constant, jsonataExpression",
    ]


def test_field_entry_shape_problems():
    fields = BASE_READING_CONFIG["fields"] + ["unit", {"field": "x"}, {"attribute": "a", "field": ""}, {"attribute": "b", "feild": "x"}]
    assert problems({"meter_readings": [reading_config(fields=fields)]}) == [
        "Meter readings configuration (item 0), fields[4] must be an object, got string",
        "Meter readings configuration (item 0), fields[5] needs an 'attribute' name",
        "Meter readings configuration (item 0), fields[6] (attribute 'a'): field must be a path like 'reading_id' or '$$.batchId', got ''",
        "Meter readings configuration (item 0), fields[7] (attribute 'b'): unknown property 'feild' (known: attribute, constant, field, jsonataExpression)",
    ]


def test_attribute_mapped_twice():
    fields = BASE_READING_CONFIG["fields"] + [{"attribute": "value", "constant": 1}]
    assert one_problem({"meter_readings": [reading_config(fields=fields)]}) == (
        "Meter readings configuration (item 0), fields[4]: attribute 'value' is mapped more than once"
    )


def test_jsonata_syntax_errors_are_reported_at_their_place():
    fields = BASE_READING_CONFIG["fields"] + [{"attribute": "consumption", "jsonataExpression": "currentReading -"}]
    found = problems({"meter_readings": [reading_config(jsonataExpression="$.readings[", fields=fields)]})
    assert len(found) == 2
    assert found[0].startswith("Meter readings configuration (item 0): jsonataExpression does not compile: ")
    assert found[1].startswith(
        "Meter readings configuration (item 0), fields[4] (attribute 'consumption'): jsonataExpression does not compile: "
    )


def test_meter_block_is_required_and_checked():
    assert one_problem({"meter_readings": [reading_config(meter=None)]}) == (
        'Meter readings configuration (item 0): meter.unique_ids is required (e.g. {"unique_ids": ["meter_number"]})'
    )
    assert one_problem({"meter_readings": [reading_config(meter={"unique_ids": []})]}) == (
        "Meter readings configuration (item 0): meter.unique_ids must be a non-empty list, got list"
    )
    assert one_problem({"meter_readings": [reading_config(meter={"unique_ids": [{"attribute": "external_id"}]})]}) == (
        'Meter readings configuration (item 0): meter.unique_ids[0] must be an attribute name or {"attribute": ..., "field": ...}'
    )


def test_both_unique_id_forms_parse():
    parsed = parse_config(
        {"meter_readings": [reading_config(meter={"unique_ids": ["meter_number", {"attribute": "external_id", "field": "meter_id"}]})]}
    )
    ids = parsed.readings[0].meter_ids
    assert [(u.attribute, u.field) for u in ids] == [("meter_number", None), ("external_id", "meter_id")]


def test_unknown_property_catches_typos():
    config = reading_config()
    config["reading_maching"] = "strict-date"
    assert one_problem({"meter_readings": [config]}) == (
        "Meter readings configuration (item 0): unknown property 'reading_maching' "
        "(known: fields, jsonataExpression, meter, meter_counter, mode, reading_matching, scope)"
    )


def test_scope_rules():
    assert one_problem({"meter_readings": [reading_config(scope={"source": "ERP"})]}) == (
        "Meter readings configuration (item 0): scope only applies to mode 'upsert-prune-scope' (mode is 'upsert')"
    )
    assert one_problem({"meter_readings": [reading_config(mode="upsert-prune-scope", scope={"source": "SAP"})]}) == (
        "Meter readings configuration (item 0): scope.source 'SAP' is not one of ERP, ECP, 360, journey-submission"
    )
    assert one_problem({"meter_readings": [reading_config(mode="upsert-prune-scope", scope={"source": "ERP", "mode": "x"})]}) == (
        "Meter readings configuration (item 0), scope: unknown property 'mode' (known: source)"
    )
    parsed = parse_config({"meter_readings": [reading_config(mode="upsert-prune-scope", scope={"source": "ECP"})]})
    assert parsed.readings[0].scope_source == "ECP"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ([], "Mapping configuration must be a JSON object with a 'meter_readings' list, got list"),
        ({}, "Mapping configuration has no 'meter_readings' (and no 'entities'): nothing to import"),
        ({"meter_readings": {}}, "Mapping configuration: 'meter_readings' must be a list, got object"),
        ({"meter_readings": ["x"]}, "Meter readings configuration (item 0) must be an object, got string"),
        ({"entities": 3}, "Mapping configuration: 'entities' must be a list, got number"),
    ],
)
def test_top_level_shape(config, message):
    assert one_problem(config) == message


def test_all_problems_are_reported_at_once():
    bad = reading_config(mode="purge", fields=[{"attribute": "value", "field": "v"}])
    found = problems({"meter_readings": [bad, reading_config(meter=None)]})
    assert [p.split(")")[0] for p in found] == [
        "Meter readings configuration (item 0",
        "Meter readings configuration (item 1",
    ]


def test_defaults():
    parsed = parse_config({"meter_readings": [reading_config()]})
    only = parsed.readings[0]
    assert (only.mode, only.matching, only.scope_source) == ("upsert", "external_id", None)


def test_entity_configs():
    parsed = parse_config(
        {
            "entities": [
                {"entity_schema": "meter", "unique_ids": ["meter_number"], "fields": [{"attribute": "meter_number", "field": "no"}]},
                {"entity_schema": "contact", "unique_ids": ["email"], "fields": []},
            ]
        }
    )
    assert [e.schema for e in parsed.entities] == ["meter"]
    assert parsed.warnings == (
        "Entity configuration (item 1): entity_schema 'contact' ignored (this import handles meter and meter_counter)",
    )


def test_entity_config_problems():
    found = problems(
        {
            "entities": [
                {"entity_schema": "meter", "unique_ids": ["meter_number"], "fields": []},
                {"entity_schema": "meter_counter", "unique_ids": [{"attribute": "external_id", "field": "c"}], "fields": []},
                {"unique_ids": ["x"]},
            ]
        }
    )
    assert found == [
        "Entity configuration (item 0): unique id 'meter_number' is not a mapped attribute "
        '(add {"attribute": "meter_number", "field": ...} to fields)',
        'Entity configuration (item 1): meter.unique_ids is required (e.g. {"unique_ids": ["meter_number"]})',
        "Entity configuration (item 2) needs an 'entity_schema' name (meter or meter_counter)",
    ]

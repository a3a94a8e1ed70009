"""JSONata through jsonata-python: the quirks we hit, and how the import evens them out.

Where jsonata-python deviates from JSONata (https://docs.jsonata.org), the first test of a pair
pins the library's behaviour (so an upgrade that fixes it is noticed) and the second shows ours,
which follows the specification.
"""

import jsonata
import pytest

from handlers.erp_import.jsonata_eval import (
    JsonataFailure,
    as_list,
    compile_expression,
    evaluate_on_reading,
)


def test_library_number_accepts_python_float_syntax():
    # JSONata: "$number: strings that contain a legal JSON number are converted; all other values
    # cause an error". jsonata-python 0.7 uses float(), so these pass or become NaN/inf.
    assert jsonata.Jsonata("$number(' 12 ')").evaluate(None) == 12.0
    assert jsonata.Jsonata("$number('1_000')").evaluate(None) == 1000.0
    nan = jsonata.Jsonata("$number('nan')").evaluate(None)
    assert nan != nan  # NaN
    with pytest.raises(ValueError):  # a bare ValueError, not a JSONata error (D3030)
        jsonata.Jsonata("$number('abc')").evaluate(None)


@pytest.mark.parametrize("text", [" 12 ", "1_000", "nan", "inf", "abc", "+5", ".5", "0x10", ""])
def test_our_number_rejects_what_jsonata_rejects(text):
    expression = compile_expression(f"$number('{text}')")
    with pytest.raises(JsonataFailure, match="Unable to cast value to a number"):
        expression.evaluate(None)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("$number('12')", 12),
        ("$number('-12.5')", -12.5),
        ("$number('1e3')", 1000),
        ("$number(true)", 1),
        ("$number(7.25)", 7.25),
        ("['1', '2.5'].$number()", [1, 2.5]),
        ("$map(['3', '4'], $number)", [3, 4]),
    ],
)
def test_our_number_converts_json_numbers(expr, expected):
    assert compile_expression(expr).evaluate(None) == expected


def test_library_error_types_are_contained():
    with pytest.raises(JsonataFailure, match="Negative reading value"):
        compile_expression("$error('Negative reading value')").evaluate({})
    with pytest.raises(JsonataFailure):
        compile_expression("$.readings[")


def test_dollar_dollar_in_a_field_expression_is_the_root_payload():
    root = {"batchId": "B-1", "readings": [{"currentReading": 12500.5, "previousReading": 12000.0}]}
    reading = root["readings"][0]
    # Plain JSONata on the reading: $$ is the reading itself, so the batch id is out of reach.
    assert jsonata.Jsonata("$$.batchId").evaluate(reading) is None
    expression = compile_expression("$$.batchId & ':' & $string(currentReading - previousReading)")
    assert evaluate_on_reading(expression, reading, root) == "B-1:500.5"
    assert evaluate_on_reading(compile_expression("$"), reading, root) == reading


def test_field_expression_keeps_arrays_and_objects_intact():
    root = {"readings": [{"tags": ["x"], "pair": ["a", "b"], "c": 5}]}
    reading = root["readings"][0]
    assert evaluate_on_reading(compile_expression("tags"), reading, root) == ["x"]
    assert evaluate_on_reading(compile_expression("pair"), reading, root) == ["a", "b"]
    assert evaluate_on_reading(compile_expression("{'v': c}"), reading, root) == {"v": 5}
    assert evaluate_on_reading(compile_expression("missing"), reading, root) is None


def test_single_element_array_stays_an_array_like_jsonata():
    # JSONata keeps an input array as-is when it is the last step's only result, so "$.readings"
    # over a one-reading payload gives a one-element array, not the object.
    assert compile_expression("$.readings").evaluate({"readings": [{"a": 1}]}) == [{"a": 1}]
    assert compile_expression("readings").evaluate({"readings": [{"a": 1}]}) == [{"a": 1}]


def test_extraction_results_normalise_to_lists():
    assert as_list(None) == []
    assert as_list({"a": 1}) == [{"a": 1}]
    assert as_list([{"a": 1}, {"a": 2}]) == [{"a": 1}, {"a": 2}]


def test_documented_extractions():
    payload = {"readings": [{"meterId": "M001", "date": "2024-01-15", "value": 12500}, {"meterId": "M002", "date": "2024-01-15", "value": 8300}]}
    assert compile_expression("$.readings").evaluate(payload) == payload["readings"]
    nested = {"meters": [{"readings": [{"meter_number": "M001", "value": 1}]}, {"readings": [{"meter_number": "M002", "value": 2}]}]}
    assert compile_expression("$.meters.readings").evaluate(nested) == [
        {"meter_number": "M001", "value": 1},
        {"meter_number": "M002", "value": 2},
    ]
    millis = {"readings": [{"meterId": "M1", "timestamp": 1705305600000, "readingValue": "12500.5"}]}
    transformed = compile_expression(
        "$.readings.{'meter_number': meterId, 'reading_date': $fromMillis(timestamp), 'value': $number(readingValue)}"
    ).evaluate(millis)
    # 1705305600000 ms = 2024-01-15T08:00:00Z (1705305600 = 19737 days * 86400 + 8 * 3600)
    assert transformed == {"meter_number": "M1", "reading_date": "2024-01-15T08:00:00.000Z", "value": 12500.5}


def test_documented_filter_and_validation_expressions():
    data = {"readings": [{"value": 1}, {"value": -1}, {"value": None}, {"other": 2}]}
    assert compile_expression("readings[value != null and value >= 0]").evaluate(data) == {"value": 1}
    check = compile_expression("currentReading >= 0 ? currentReading : $error('Negative reading value')")
    assert check.evaluate({"currentReading": 3}) == 3
    with pytest.raises(JsonataFailure, match="^Negative reading value$"):
        check.evaluate({"currentReading": -3})


def test_compiled_expressions_are_cached_and_reusable():
    first = compile_expression("$.a")
    assert compile_expression("$.a") is first
    assert [first.evaluate({"a": n}) for n in range(3)] == [0, 1, 2]

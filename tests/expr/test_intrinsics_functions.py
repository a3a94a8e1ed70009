"""Each of the 18 intrinsics: results (several recorded on AWS), edge cases and errors.

"AWS:" marks expectations taken from AWS recordings (LocalStack's AWS-validated snapshot tests
for intrinsic functions) or from the examples of the Step Functions developer guide.
"""

from __future__ import annotations

import json
import random
import uuid
from typing import Any

import pytest

from aslrun.errors import StatesError
from aslrun.expr.intrinsics import FUNCTIONS, compile_intrinsic
from tests.helpers.intrinsics import cause_of, run


def test_all_eighteen_functions_are_known() -> None:
    assert sorted(FUNCTIONS) == sorted([
        "Format", "StringToJson", "JsonToString", "Array", "ArrayPartition", "ArrayContains", "ArrayRange",
        "ArrayGetItem", "ArrayLength", "ArrayUnique", "Base64Encode", "Base64Decode", "Hash", "JsonMerge",
        "MathRandom", "MathAdd", "StringSplit", "UUID",
    ])


# --- States.Format ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [  # AWS: test_format_1
        ("", "Formatting argument ."),
        (" ", "Formatting argument  ."),
        ("HelloWorld", "Formatting argument HelloWorld."),
        (None, "Formatting argument null."),
        (1, "Formatting argument 1."),
        (1.1, "Formatting argument 1.1."),
        ('{"Arg1": 1, "Arg2": []}', 'Formatting argument {"Arg1": 1, "Arg2": []}.'),
    ],
)
def test_format_one_argument(value: Any, expected: str) -> None:
    assert run("States.Format('Formatting argument {}.', $.v)", v=value) == expected


def test_format_objects_print_like_java_maps() -> None:
    # AWS: test_format_2 and test_context_json_path
    assert run("States.Format('{}', $.v)", v={"Arg1": 1, "Arg2": []}) == "{Arg1=1, Arg2=[]}"
    machine = {"Id": "arn:aws:states:us-east-1:111111111111:stateMachine:sm", "Name": "sm"}
    assert (
        run("States.Format('fst={} snd={}.', $.name, $.machine)", name="exec", machine=machine)
        == "fst=exec snd={Id=arn:aws:states:us-east-1:111111111111:stateMachine:sm, Name=sm}."
    )


def test_format_renders_nested_values_and_doubles_as_java() -> None:
    value = {"a": [1, "two", None, True], "b": {"c": 2.5}, "d": 1.0e20, "e": 3.0}
    assert run("States.Format('{}', $.v)", v=value) == "{a=[1, two, null, true], b={c=2.5}, d=1.0E20, e=3.0}"
    assert run("States.Format('{} {}', $.t, $.f)", t=True, f=False) == "true false"


def test_format_template_from_a_path() -> None:
    # AWS: the guide's States.Format($.template, $.name)
    assert run("States.Format($.template, $.name)", template="Hello, my name is {}.", name="Arnav") == (
        "Hello, my name is Arnav."
    )


def test_format_template_from_a_variable_keeps_its_apostrophe() -> None:
    # AWS: assign MAP_STATE_REFERENCE_IN_INTRINSIC_FUNCTION (a runtime template is not re-parsed)
    values = {"$AnswerTemplate": "It's {}!", "$$.Map.Item.Value": "Pikachu"}
    fn = compile_intrinsic("States.Format($AnswerTemplate, $$.Map.Item.Value)")
    assert fn.paths == ("$AnswerTemplate", "$$.Map.Item.Value")
    assert fn.evaluate(values.__getitem__) == "It's Pikachu!"


def test_format_escaped_braces_are_not_placeholders() -> None:
    assert run("States.Format('\\{}{}\\{\\}', $.x)", x=7) == "{}7{}"
    assert run("States.Format('{ } {x}')") == "{ } {x}"  # lone braces are plain text


def test_format_without_placeholders_and_a_nested_format() -> None:
    assert run("States.Format('plain')") == "plain"
    assert run("States.Format(States.Format('{}-{}', 'a', '{}'), 'b')") == "a-b"


def test_format_placeholder_count_must_match() -> None:
    assert "2 placeholder(s)" in cause_of("States.Format('{} {}', $.x)", x=1)
    assert "0 placeholder(s) '{}' but 1 value(s)" in cause_of("States.Format('none', $.x)", x=1)


def test_format_template_must_be_a_string() -> None:
    assert "argument 1 must be a string, but was the number 5" in cause_of("States.Format($.t)", t=5)


# --- States.StringToJson / States.JsonToString ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [  # AWS: test_string_to_json
        ("", None), (" ", None), ("null", None), ("-0", 0), ("1", 1), ("1.1", 1.1), ("true", True),
        ('"HelloWorld"', "HelloWorld"), ('[1, 2, "HelloWorld"]', [1, 2, "HelloWorld"]),
        ('{"Arg1": 1, "Arg2": []}', {"Arg1": 1, "Arg2": []}),
    ],
)
def test_string_to_json(text: str, expected: Any) -> None:
    assert run("States.StringToJson($.s)", s=text) == expected


def test_string_to_json_from_a_literal() -> None:
    # AWS: test_json_merge_escaped_argument's inner call
    assert run("States.StringToJson('{\"constant_in_literal\": \"false\"}')") == {"constant_in_literal": "false"}


@pytest.mark.parametrize("text", ["{", "{'single': 1}", "[1,]", "NaN", "Infinity", "1e999", "1 2", "tru"])
def test_string_to_json_rejects_invalid_json(text: str) -> None:
    assert "argument 1 is not valid JSON" in cause_of("States.StringToJson($.s)", s=text)


def test_string_to_json_needs_a_string() -> None:
    assert "must be a string, but was the object {}" in cause_of("States.StringToJson($.s)", s={})


@pytest.mark.parametrize(
    ("value", "expected"),
    [  # AWS: test_json_to_string
        (0, "0"), (1, "1"), (1.1, "1.1"), (True, "true"), ("HelloWorld", '"HelloWorld"'),
        ([1, 2, "HelloWorld"], '[1,2,"HelloWorld"]'), ({"Arg1": 1, "Arg2": []}, '{"Arg1":1,"Arg2":[]}'),
        (None, "null"), ("é", '"é"'),
    ],
)
def test_json_to_string(value: Any, expected: str) -> None:
    assert run("States.JsonToString($.v)", v=value) == expected


# --- array intrinsics -------------------------------------------------------------------------


def test_array() -> None:
    assert run("States.Array()") == []  # AWS: test_array_0
    obj = {"Arg1": 1, "Arg2": []}
    assert run("States.Array($.a, $.b)", a=obj, b=obj) == [obj, obj]  # AWS: test_array_2
    assert run("States.Array($.id)", id=123456) == [123456]  # AWS: the guide


@pytest.mark.parametrize(
    ("items", "size", "expected"),
    [
        ([1, 2, 3, 4, 5, 6, 7, 8, 9], 4, [[1, 2, 3, 4], [5, 6, 7, 8], [9]]),  # AWS: the guide
        ([], 3, []),
        ([0, 1, 2, 3], 2, [[0, 1], [2, 3]]),
        ([0, 1, 2], 5, [[0, 1, 2]]),
        ([0, 1, 2, 3], 1.5, [[0, 1], [2, 3]]),  # a fraction is rounded half up
        ([0, 1, 2, 3], 1.49, [[0], [1], [2], [3]]),
    ],
)
def test_array_partition(items: list, size: Any, expected: list) -> None:
    assert run("States.ArrayPartition($.a, $.n)", a=items, n=size) == expected


@pytest.mark.parametrize("size", [0, -1, 0.4])
def test_array_partition_needs_a_positive_size(size: Any) -> None:
    assert "must be a positive integer" in cause_of("States.ArrayPartition($.a, $.n)", a=[1], n=size)


def test_array_partition_type_errors() -> None:
    assert "argument 1 must be an array, but was the string" in cause_of("States.ArrayPartition($.a, 2)", a="ab")
    assert "argument 2 must be an integer, but was the string" in cause_of("States.ArrayPartition($.a, '2')", a=[1])


@pytest.mark.parametrize(
    ("items", "value", "expected"),
    [
        ([1, 2, 3, 4, 5, 6, 7, 8, 9], 5, True),  # AWS: the guide
        ([[1, 2, 3], 2], [1, 2, 3], True),  # AWS: test_array_contains
        ([{"1": 2, "2": []}], {"2": [], "1": 2}, True),  # member order does not matter
        ([True, False], True, True),
        ([1], True, False),  # a boolean is not a number
        ([0], False, False),
        ([None], None, True),
        ([1.0], 1, True),  # numbers compare by value
        (["1"], 1, False),
        ([], None, False),
    ],
)
def test_array_contains(items: list, value: Any, expected: bool) -> None:
    assert run("States.ArrayContains($.a, $.v)", a=items, v=value) is expected


def test_array_contains_needs_an_array() -> None:
    assert "argument 1 must be an array" in cause_of("States.ArrayContains($.a, 1)", a={"x": 1})


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("1, 9, 2", [1, 3, 5, 7, 9]),  # AWS: the guide
        ("0, 9, 3", [0, 3, 6, 9]),
        ("0, 10, 3", [0, 3, 6, 9]),
        ("1, 9, 9", [1]),
        ("5, 5, 1", [5]),
        ("9, 1, -2", [9, 7, 5, 3, 1]),
        ("9, 2, -2", [9, 7, 5, 3]),
        ("1, 5, -1", []),  # the step walks away from the end
        ("5, 1, 1", []),
        ("0.5, 2.5, 1", [1, 2, 3]),  # fractions rounded half up
        ("1, 1000, 1", list(range(1, 1001))),  # exactly the 1000-item limit
    ],
)
def test_array_range(args: str, expected: list) -> None:
    assert run(f"States.ArrayRange({args})") == expected


def test_array_range_limits() -> None:
    assert "1001 items, more than the maximum of 1000" in cause_of("States.ArrayRange(0, 1000, 1)")
    assert "must not be 0" in cause_of("States.ArrayRange(1, 5, 0)")
    assert "must not be 0" in cause_of("States.ArrayRange(1, 5, 0.4)")  # rounds to 0
    assert "argument 2 must be an integer" in cause_of("States.ArrayRange(1, $.x, 1)", x="5")
    huge = cause_of("States.ArrayRange(0, 1000000000000, 1)")  # refused without building it
    assert "more than the maximum" in huge


def test_array_get_item() -> None:
    items = [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert run("States.ArrayGetItem($.a, $.i)", a=items, i=5) == 6  # AWS: test_array_get_item
    assert run("States.ArrayGetItem($.a, 0)", a=[{"x": 1}]) == {"x": 1}
    assert run("States.ArrayGetItem($.a, 2.0)", a=items) == 3


@pytest.mark.parametrize(("index", "fragment"), [
    (9, "is 9, outside the array of length 9"),
    (-1, "is -1, outside the array"),
    (1.5, "argument 2 must be an integer, but was 1.5"),
    ("1", "argument 2 must be an integer, but was the string"),
    (None, "argument 2 must be an integer, but was the null"),
])
def test_array_get_item_errors(index: Any, fragment: str) -> None:
    assert fragment in cause_of("States.ArrayGetItem($.a, $.i)", a=list(range(9)), i=index)


def test_array_length() -> None:
    assert run("States.ArrayLength($.a)", a=list(range(1, 10))) == 9  # AWS: test_array_length
    assert run("States.ArrayLength($.a)", a=[]) == 0
    assert "argument 1 must be an array" in cause_of("States.ArrayLength($.a)", a="abc")


def test_array_unique() -> None:
    assert run("States.ArrayUnique($.a)", a=[1, 2, 3, 3, 3, 3, 3, 3, 4]) == [1, 2, 3, 4]  # AWS: the guide
    mixed = [None, None, True, True, False, False, 1, 1, 1.1, 0, 0, "HelloWorld", "HelloWorld", [], [],
             [None], [None], {"a": 1, "b": 2}, {"b": 2, "a": 1}, {"a": 1, "b": 1}]
    unique = run("States.ArrayUnique($.a)", a=mixed)
    assert unique == [None, True, False, 1, 1.1, 0, "HelloWorld", [], [None], {"a": 1, "b": 2}, {"a": 1, "b": 1}]
    assert [type(v) for v in unique[1:4]] == [bool, bool, int]  # True is not merged with 1
    assert "argument 1 must be an array" in cause_of("States.ArrayUnique($.a)", a=None)


# --- Base64 -----------------------------------------------------------------------------------


def test_base64_encode_and_decode() -> None:
    # AWS: test_base_64_encode / decode and the guide
    assert run("States.Base64Encode($.s)", s="Data to encode") == "RGF0YSB0byBlbmNvZGU="
    assert run("States.Base64Decode($.s)", s="RGF0YSB0byBlbmNvZGU=") == "Data to encode"
    assert run("States.Base64Encode($.s)", s="") == ""
    assert run("States.Base64Decode($.s)", s="") == ""


def test_base64_uses_utf8_and_accepts_missing_padding() -> None:
    assert run("States.Base64Encode('héllo €')") == "aMOpbGxvIOKCrA=="
    assert run("States.Base64Decode('aMOpbGxvIOKCrA')") == "héllo €"


@pytest.mark.parametrize(("encoded", "decoded"), [
    ("QQ==", "A"), ("QQ", "A"),            # padding may be left out...
    ("QUI=", "AB"), ("QUI", "AB"),
    ("QUJD", "ABC"), ("QUJDRA", "ABCD"),
    ("/w==", "\ufffd"),                     # bytes that are not UTF-8 become U+FFFD, as Java's String does
])
def test_base64_decode_with_and_without_padding(encoded: str, decoded: str) -> None:
    assert run("States.Base64Decode($.s)", s=encoded) == decoded


@pytest.mark.parametrize("encoded", [
    "QQ=",        # ...but padding that is there must be complete (Java: "Input byte array has incorrect ending")
    "QUJDRA=",
    "Q",          # one character cannot hold a byte
    "QUJDR",
    "Q===",
    "====",
    "QQ==QQ==",   # data after the padding
    "QQ=x",
    "QQ!=",       # characters outside the alphabet
    "Q Q=",
    " QQ==",
    "QQ\n==",
    "QQ-_",       # the URL-safe alphabet is not the standard one
])
def test_base64_decode_refuses_invalid_input(encoded: str) -> None:
    text = "States.Base64Decode($.s)"
    assert cause_of(text, s=encoded) == f"argument 1 is not valid Base64: {json.dumps(encoded)}"


def test_base64_limits_and_errors() -> None:
    assert run("States.Base64Encode($.s)", s="a" * 10_000)
    assert "10001 characters, more than the maximum of 10000" in cause_of("States.Base64Encode($.s)", s="a" * 10_001)
    assert "more than the maximum of 10000" in cause_of("States.Base64Decode($.s)", s="A" * 10_004)
    assert "not valid Base64" in cause_of("States.Base64Decode('not base64!')")
    assert "not valid Base64" in cause_of("States.Base64Decode('QQ=x')")
    assert "argument 1 must be a string" in cause_of("States.Base64Encode($.s)", s=12)


# --- States.Hash ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("algorithm", "digest"),
    [  # AWS: test_hash
        ("MD5", "812f45842bc6d66ee14572ce20db8e86"),
        ("SHA-1", "aaff4a450a104cd177d28d18d74485e8cae074b7"),
        ("SHA-256", "b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"),
        ("SHA-384", "d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562"),
        ("SHA-512", "6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc5028"
                    "3731a533d30d425402d4f91316d871303aac4"),
    ],
)
def test_hash(algorithm: str, digest: str) -> None:
    assert run("States.Hash($.d, $.a)", d="input data", a=algorithm) == digest


def test_hash_errors() -> None:
    assert "must name a hash algorithm (MD5, SHA-1, SHA-256, SHA-384, SHA-512)" in cause_of(
        "States.Hash('x', 'sha-256')")
    assert "must name a hash algorithm" in cause_of("States.Hash('x', 'SHA-224')")
    assert "argument 1 must be a string" in cause_of("States.Hash($.d, 'MD5')", d={"a": 1})
    assert "more than the maximum of 10000" in cause_of("States.Hash($.d, 'MD5')", d="x" * 10_001)


# --- States.JsonMerge -------------------------------------------------------------------------


def test_json_merge_is_shallow() -> None:
    # AWS: test_json_merge
    first = {"a": {"a1": 1, "a2": 2}, "b": 2, "d": 3}
    second = {"a": {"a3": 1, "a4": 2}, "c": 3, "d": 4}
    merged = run("States.JsonMerge($.f, $.s, false)", f=first, s=second)
    assert merged == {"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3, "d": 4}
    assert list(merged) == ["a", "b", "d", "c"]
    assert first == {"a": {"a1": 1, "a2": 2}, "b": 2, "d": 3}  # inputs untouched


def test_json_merge_errors() -> None:
    assert "deep merging is not supported" in cause_of("States.JsonMerge($.a, $.a, true)", a={})
    assert "argument 3 must be the boolean false" in cause_of("States.JsonMerge($.a, $.a, 'false')", a={})
    assert "argument 2 must be a JSON object, but was the array" in cause_of("States.JsonMerge($.a, $.b, false)",
                                                                             a={}, b=[])


# --- math -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [  # AWS: test_math_add (each argument rounded half up, as Java's Math.round)
        (-9, 3, -6), (1.49, 1.50, 3), (1.50, 1.51, 4), (-1.49, -1.50, -2), (-1.50, -1.51, -3),
        (1.49, 0, 1), (1.49, -1.49, 0), (1.50, 0, 2), (1.51, 0, 2), (-1.49, 0, -1), (-1.50, 0, -1),
        (-1.51, 0, -2), (0.5, 0, 1), (2.5, 0, 3), (3.5, 0, 4), (-0.5, 0.5, 1), (-0.5, 0, 0),
        (-2.5, 0, -2), (-3.5, 0, -3), (111, -1, 110),
    ],
)
def test_math_add(a: Any, b: Any, expected: int) -> None:
    result = run("States.MathAdd($.a, $.b)", a=a, b=b)
    assert result == expected and result.__class__ is int


def test_math_add_limits_and_types() -> None:
    assert run("States.MathAdd(2147483647, -2147483648)") == -1
    assert "within [-2147483648, 2147483647]" in cause_of("States.MathAdd(2147483648, 0)")
    assert "argument 2 must be an integer, but was the string" in cause_of("States.MathAdd(1, '2')")
    assert "argument 1 must be an integer, but was the boolean" in cause_of("States.MathAdd(true, 2)")


def test_math_random_range_and_repeatability() -> None:
    rng = random.Random(7)
    draws = [run("States.MathRandom(1, 4)", rng=rng) for _ in range(200)]
    assert set(draws) == {1, 2, 3}  # end exclusive
    again = random.Random(7)
    assert draws == [run("States.MathRandom(1, 4)", rng=again) for _ in range(200)]


def test_math_random_seed_gives_the_same_number_whatever_the_rng() -> None:
    first = run("States.MathRandom(0, 999, 3)", rng=random.Random(1))
    second = run("States.MathRandom(0, 999, 3)", rng=random.Random(2))
    assert first == second and 0 <= first < 999


def test_math_random_rounds_fractional_bounds_half_up() -> None:
    # 1.5 rounds to 2 and 3.4 to 3: the range [2, 3) holds only 2
    assert {run("States.MathRandom(1.5, 3.4)", rng=random.Random(seed)) for seed in range(20)} == {2}


def test_math_random_errors() -> None:
    assert "must be greater than argument 1" in cause_of("States.MathRandom(5, 5)")
    assert "must be greater than argument 1" in cause_of("States.MathRandom(9, 1)")
    assert "argument 1 must be an integer, but was the string" in cause_of("States.MathRandom('1', 5)")
    assert "argument 3 must be an integer" in cause_of("States.MathRandom(1, 5, 'seed')")


def test_math_random_without_rng_still_works() -> None:
    assert 10 <= compile_intrinsic("States.MathRandom(10, 20)").evaluate(lambda path: None) < 20


# --- States.StringSplit -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "delimiters", "expected"),
    [  # AWS: test_string_split, test_string_split_context_object, test_escape_sequence
        (" ", ",", [" "]),
        (" , ", ",", [" ", " "]),
        (", , ,", ",", [" ", " "]),
        (",,,,", ",", []),
        ("1,2,3,4,5", ",", ["1", "2", "3", "4", "5"]),
        ("This.is+a,test=string", ".+,=", ["This", "is", "a", "test", "string"]),
        ("split on T and \nnew line", "T\n", ["split on ", " and ", "new line"]),
        ("Value1,Value2,Value3\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n", ",",
         ["Value1", "Value2", "Value3\nValue4", "Value5", "Value6\n", "\ntrue", "1", "'HelloWorld'\nNull", "None",
          "\n   \n"]),
        ("Hello\nWorld", "\n", ["Hello", "World"]),
        ("", ",", []),
        ("", "", []),                      # an empty string has no pieces, with or without delimiters
        ("abc", "x", ["abc"]),
        ("abc", "", ["abc"]),
        ("a]b^c-d\\e", "]^-\\", ["a", "b", "c", "d", "e"]),  # regex metacharacters are plain
    ],
)
def test_string_split(text: str, delimiters: str, expected: list) -> None:
    assert run("States.StringSplit($.s, $.d)", s=text, d=delimiters) == expected


def test_string_split_errors() -> None:
    assert cause_of("States.StringSplit($.s, ',')", s=["a,b"]) == 'argument 1 must be a string, but was the array ["a,b"]'
    assert cause_of("States.StringSplit('a', $.d)", d=1) == "argument 2 must be a string, but was the number 1"


# --- States.UUID ------------------------------------------------------------------------------


def test_uuid_is_version_4_and_follows_the_rng() -> None:
    values = [run("States.UUID()", rng=random.Random(42)) for _ in range(2)]
    assert values[0] == values[1]  # same seed, same UUID: runs are repeatable
    parsed = uuid.UUID(values[0])
    assert parsed.version == 4 and parsed.variant == uuid.RFC_4122 and str(parsed) == values[0]
    rng = random.Random(42)
    assert len({run("States.UUID()", rng=rng) for _ in range(50)}) == 50


def test_uuid_without_rng() -> None:
    assert uuid.UUID(compile_intrinsic("States.UUID()").evaluate(lambda path: None)).version == 4


# --- evaluation plumbing ----------------------------------------------------------------------


def test_resolver_errors_pass_through_unchanged() -> None:
    missing = StatesError("States.Runtime", "The JSONPath '$.x' ... could not be found", in_state=True)

    def resolve(path: str) -> Any:
        raise missing

    with pytest.raises(StatesError) as raised:
        compile_intrinsic("States.ArrayLength($.x)").evaluate(resolve)
    assert raised.value is missing


def test_a_failing_constant_call_fails_at_evaluation_not_at_compilation() -> None:
    fn = compile_intrinsic("States.ArrayGetItem(States.Array(1), 3)")  # AWS accepts the definition
    with pytest.raises(StatesError, match="outside the array of length 1"):
        fn.evaluate(lambda path: None)


def test_constant_calls_are_folded_but_random_ones_are_not() -> None:
    resolved: list[str] = []
    folded = compile_intrinsic("States.ArrayLength(States.StringSplit('a,b,c', ','))")
    assert folded.evaluate(resolved.append) == 3 and resolved == []
    rng = random.Random(5)
    fn = compile_intrinsic("States.Array(States.UUID(), States.UUID())")
    first, second = fn.evaluate(lambda path: None, rng=rng)
    assert first != second


def test_constant_container_results_are_fresh_on_each_evaluation() -> None:
    fn = compile_intrinsic("States.JsonMerge(States.StringToJson('{\"a\": [1]}'), States.StringToJson('{}'), false)")
    first = fn.evaluate(lambda path: None)
    first["a"].append(2)  # a careless caller mutates its result...
    assert fn.evaluate(lambda path: None) == {"a": [1]}  # ...and the next evaluation does not see it

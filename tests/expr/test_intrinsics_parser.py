"""The intrinsic call grammar: literals, escapes, paths, nesting, and errors that name a position."""

from __future__ import annotations

import pytest

from aslrun.errors import StatesError
from aslrun.expr.intrinsics import IntrinsicSyntaxError, compile_intrinsic, is_intrinsic
from aslrun.expr.intrinsics_parser import Call, Literal, PathRef, StringLiteral, parse_intrinsic


def evaluate(text: str, data: dict | None = None):
    """Evaluate with a resolver that maps a path text to ``data[path_text]``."""
    values = data or {}
    return compile_intrinsic(text).evaluate(lambda path: values[path])


# --- literals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("States.Array(1, -2, 3.5, -0.25, 1e3, 2E-2, true, false, null)", [1, -2, 3.5, -0.25, 1000.0, 0.02, True, False, None]),
        ("States.Array('a', '', ' spaced ')", ["a", "", " spaced "]),
        ("States.Array('it\\'s', 'a\\{b\\}c', 'back\\\\slash')", ["it's", "a{b}c", "back\\slash"]),
        ("States.Array('commas, (parens) and $.dollars')", ["commas, (parens) and $.dollars"]),
        ("States.Array('{\"json\": [1, 2]}')", ['{"json": [1, 2]}']),
        ("States.Array('line\nbreak')", ["line\nbreak"]),  # a real newline (JSON-decoded "\n")
        ("States.Array()", []),
    ],
)
def test_literals(text: str, expected: list) -> None:
    value = evaluate(text)
    assert value == expected
    assert [type(v) for v in value] == [type(v) for v in expected]  # 1 stays int, 1e3 is a float


def test_integer_literal_stays_int_and_bool_is_not_a_number() -> None:
    one, yes = evaluate("States.Array(1, true)")
    assert one.__class__ is int and yes is True


def test_whitespace_between_tokens() -> None:
    text = "  States.Format (  'x={} y={}'  ,\t$.x ,\n $.y  )  "
    assert evaluate(text, {"$.x": 1, "$.y": "b"}) == "x=1 y=b"


def test_string_literal_keeps_escaped_braces_apart_from_placeholders() -> None:
    literal = parse_intrinsic("States.Format('a\\{}b{}c')").args[0]
    assert isinstance(literal, StringLiteral)
    assert literal.value == "a{}b{}c"
    assert literal.pieces == ("a{}b", "c")


# --- paths ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "$",
        "$.a",
        "$.a.b[0]",
        "$$.Execution.Id",
        "$$",
        "$myVar",
        "$myVar.x[2].y",
        "$.abc['def ghi']",
        "$.abc['x, y)']",
        "$.items.length()",
        "$.items[?(@.price > 10)]",
        "$.a[1:3]",
        "$..name",
    ],
)
def test_path_arguments_reach_the_resolver_verbatim(path: str) -> None:
    fn = compile_intrinsic(f"States.Array({path}, 'after')")
    assert fn.paths == (path,)
    seen = []
    assert fn.evaluate(lambda text: seen.append(text) or 42) == [42, "after"]
    assert seen == [path]


def test_paths_are_listed_once_in_order_of_appearance() -> None:
    fn = compile_intrinsic("States.Format('{} {} {}', $.b, States.ArrayLength($.a), $.b)")
    assert fn.paths == ("$.b", "$.a")


def test_constant_call_reads_no_path() -> None:
    assert compile_intrinsic("States.ArrayLength(States.Array(1, 2))").paths == ()


# --- nesting ----------------------------------------------------------------------------------


def test_nested_calls_as_in_the_developer_guide() -> None:
    """The guide's nine-function example (its template has one '{}' too many: fixed here)."""
    text = (
        "States.Format('{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem("
        "States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit("
        "States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1))"
    )
    arn = "arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/my-recipe/1.2.3"
    assert evaluate(text, {"$.ImageRecipe.Arn": arn}) == "1.2"


def test_nested_calls_on_the_state_machine_name() -> None:
    """LocalStack's AWS-validated nested_calls_1/2: first and last parts of the machine name."""
    name = {"$$.StateMachine.Name": "statemachine-abc-123"}
    first = "States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), 0)"
    last = (
        "States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), "
        "States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))"
    )
    assert evaluate(first, name) == "statemachine"
    assert evaluate(last, name) == "123"


def test_ast_shape() -> None:
    call = parse_intrinsic("States.JsonMerge(States.StringToJson('{}'), $.b, false)")
    assert isinstance(call, Call) and call.name == "JsonMerge"
    inner, path, flag = call.args
    assert isinstance(inner, Call) and inner.source == "States.StringToJson('{}')"
    assert path == PathRef("$.b")
    assert flag == Literal(False)


# --- is_intrinsic -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("States.Array()", True), ("States.Format('x')", True), ("$.a", False), ("$$.Execution", False),
     ("$var", False), ("", False), (42, False), (None, False)],
)
def test_is_intrinsic(text, expected: bool) -> None:
    assert is_intrinsic(text) is expected


# --- syntax errors (found when the definition is compiled) ------------------------------------


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("$.a", 0, "expected an intrinsic function call"),
        ("States.Nope(1)", 0, "unknown intrinsic function 'States.Nope'"),
        ("States.Array(1, States.Nope())", 16, "unknown intrinsic function"),
        ("States.ArrayLength()", 0, "takes exactly 1 argument, but 0 were given"),
        ("States.ArrayLength($.a, $.b)", 0, "takes exactly 1 argument, but 2 were given"),
        ("States.MathRandom(1)", 0, "takes 2 to 3 arguments, but 1 was given"),
        ("States.Format()", 0, "takes at least 1 argument"),
        ("States.UUID(1)", 0, "takes exactly 0 arguments"),
        ("States.Array(1 2)", 15, "expected ',' or ')'"),
        ("States.Array(1,)", 15, "expected an argument"),
        ("States.Array(,1)", 13, "expected an argument"),
        ("States.Array('open)", 13, "unterminated string literal"),
        ("States.Array(1", 14, "missing ')'"),
        ("States.Array(1) extra", 16, "unexpected text after"),
        ("States.Array", 12, "expected '('"),
        ("States.Array(maybe)", 13, "expected a string in single quotes"),
        ("States.Array(\"double\")", 13, "expected a string in single quotes"),
        ("States.Array($.a[0)", 13, "unbalanced brackets"),
        ("States.Array(-)", 13, "malformed number"),
        ("States.(1)", 0, "expected a function name"),
    ],
)
def test_syntax_errors_name_the_position(text: str, position: int, fragment: str) -> None:
    with pytest.raises(IntrinsicSyntaxError) as raised:
        compile_intrinsic(text)
    error = raised.value
    assert isinstance(error, ValueError)
    assert error.position == position, str(error)
    assert fragment in str(error)
    assert f"column {position + 1}" in str(error) and repr(text) in str(error)


def test_non_string_is_a_syntax_error() -> None:
    with pytest.raises(IntrinsicSyntaxError):
        compile_intrinsic(["States.Array()"])  # type: ignore[arg-type]


def test_open_escape_backslash_fails_at_evaluation_as_aws_does() -> None:
    """AWS accepts the definition and fails the state with a runtime error."""
    fn = compile_intrinsic("States.Format('a\\nb')")  # backslash + n: not one of the four escapes
    with pytest.raises(StatesError) as raised:
        fn.evaluate(lambda path: None)
    assert raised.value.error == "States.Runtime"
    assert raised.value.in_state is True
    assert "open escape backslash" in raised.value.cause


def test_compiled_object_is_reused_for_identical_text() -> None:
    assert compile_intrinsic("States.Array($.x)") is compile_intrinsic("States.Array($.x)")
    assert compile_intrinsic("States.Array($.x)").text == "States.Array($.x)"

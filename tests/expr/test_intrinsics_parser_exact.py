"""The parser's exact refusals (message and column) and the exact pieces it reads.

A definition with a malformed intrinsic is refused with this message, so the words and the column
are what a user sees; paths are handed to the engine's resolver as read, so their text is exact too.
"""

from __future__ import annotations

import pytest

from aslrun.errors import StatesError
from aslrun.expr.intrinsics import compile_intrinsic
from aslrun.expr.intrinsics_parser import Call, IntrinsicSyntaxError, PathRef, StringLiteral, parse_intrinsic

OPEN_ESCAPE = "only \\', \\{, \\} and \\\\ are escapes"


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("foo", "expected an intrinsic function call 'States.<Name>(...)'", 0),
        ("  $.a", "expected an intrinsic function call 'States.<Name>(...)'", 2),
        (" States.UUID() x", "unexpected text after the closing ')'", 15),
        ("States.(1)", "expected a function name 'States.<Name>'", 0),
        ("States.Array(States.1x())", "expected a function name 'States.<Name>'", 13),
        ("States.Foo bar", "expected '(' after States.Foo", 11),
        ("States.Format('a'", "missing ')' to close States.Format(", 17),
        ("States.Array(1, States.Format('a'", "missing ')' to close States.Format(", 33),
        ("States.Format('a' 'b')", "expected ',' or ')' after an argument", 18),
        ("States.Format(", "expected an argument", 14),
        ("States.Format('a',", "expected an argument", 18),
        ("States.Format('a',)", "expected an argument", 18),
        ("States.Format(,)", "expected an argument", 14),
        ("States.Format(Xyz)", "expected a string in single quotes, a number, true, false, null, a path or a call", 14),
        ("States.Format(#)", "expected a string in single quotes, a number, true, false, null, a path or a call", 14),
        ("States.Format(-x)", "malformed number", 14),
        # strings
        ("States.Format('abc", "unterminated string literal: missing closing \"'\"", 14),
        ("States.Format('abc\\", "unterminated string literal: missing closing \"'\"", 14),  # open escape last
        ("States.Format('a\\'", "unterminated string literal: missing closing \"'\"", 14),  # \' escapes the quote
        ("States.Array(1, 'a\\'", "unterminated string literal: missing closing \"'\"", 16),
        # paths
        ("States.Array($.a", "missing ')' to close States.Array(", 16),
        ("States.Array($.a[1)", "unbalanced brackets or quotes in path", 13),
        ("States.Array($.a[1", "unbalanced brackets or quotes in path", 13),
        ("States.Array(1, $.a(1]", "unbalanced brackets or quotes in path", 16),
        ("States.Array($.a['x)", "unbalanced brackets or quotes in path", 13),
        ("States.Array($.a['x'", "unbalanced brackets or quotes in path", 13),
        ("States.Array($.a['\\'')", "unbalanced brackets or quotes in path", 13),
    ],
)
def test_syntax_errors(text: str, message: str, position: int) -> None:
    with pytest.raises(IntrinsicSyntaxError) as raised:
        parse_intrinsic(text)
    error = raised.value
    assert (error.detail, error.position, error.text) == (message, position, text)
    assert str(error) == f"{message} at column {position + 1} of intrinsic function {text!r}"


def test_a_value_that_is_not_text() -> None:
    with pytest.raises(IntrinsicSyntaxError) as raised:
        parse_intrinsic(["States.UUID()"])  # type: ignore[arg-type]
    error = raised.value
    assert (error.detail, error.position, error.text) == ("an intrinsic function must be a string", 0, "['States.UUID()']")
    assert str(error) == (
        "an intrinsic function must be a string at column 1 of intrinsic function \"['States.UUID()']\""
    )


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("States.Array($.a['x\\'y'])", "$.a['x\\'y']"),  # an escaped quote inside a quoted name
        ("States.Array($.a['\\''])", "$.a['\\'']"),
        ("States.Array($.a['x\\\\'])", "$.a['x\\\\']"),
        ("States.Array($.a['\\\\', 'b'])", "$.a['\\\\', 'b']"),
        ('States.Array($.a["q, r"])', '$.a["q, r"]'),
        ("States.Array($.a[?(@.X == 1)])", "$.a[?(@.X == 1)]"),
        ("States.Array($.X)", "$.X"),
        ("States.Array($.X.Y[0])", "$.X.Y[0]"),
        ("States.Array($.a.length())", "$.a.length()"),
    ],
)
def test_path_text(text: str, path: str) -> None:
    assert parse_intrinsic(text).args == (PathRef(path),)


def test_call_source_and_position() -> None:
    assert parse_intrinsic("States.UUID()") == Call("UUID", (), "States.UUID()", 0)
    assert parse_intrinsic("  States.UUID( )  ") == Call("UUID", (), "States.UUID( )", 2)
    outer = parse_intrinsic("States.Array( States.Array() , States.UUID())")
    assert outer.args == (Call("Array", (), "States.Array()", 14), Call("UUID", (), "States.UUID()", 31))


def test_open_escape_is_kept_in_the_literal_and_located() -> None:
    literal = parse_intrinsic("States.Array(  $.a  ,  'b\\qc\\d{}e'  )").args[1]
    assert literal == StringLiteral(
        "b\\qc\\d{}e", ("b\\qc\\d", "e"), f"open escape backslash at column 26: {OPEN_ESCAPE}"
    )
    text = "States.Format('a\\qb')"
    assert parse_intrinsic(text).args == (
        StringLiteral("a\\qb", ("a\\qb",), f"open escape backslash at column 17: {OPEN_ESCAPE}"),
    )
    with pytest.raises(StatesError) as raised:
        compile_intrinsic(text).evaluate(lambda path: None)
    assert raised.value.error == "States.Runtime"
    assert raised.value.cause == (
        f"Invalid string literal in the intrinsic function '{text}': open escape backslash at column 17: {OPEN_ESCAPE}"
    )

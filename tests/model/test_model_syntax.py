"""The path and intrinsic syntax check: its stand-in recogniser, and its switch to the engine's."""

from __future__ import annotations

import sys
import types

import pytest

from aslrun.model import syntax
from aslrun.model.syntax import PathKind, intrinsic_problem, is_jsonata, path_problem


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend the engine's compilers do not exist."""
    monkeypatch.setattr(syntax, "_engine_compiler", lambda *args: None)


@pytest.mark.parametrize(
    "text",
    ["$", "$.a", "$.a.b[0]", "$['a b'].c", '$["x"]', "$$", "$$.Execution.Input", "$var", "$var.a[1]",
     "$.a[*]", "$..a", "$.a[1:3]", "$.a[:2]", "$.a[-1:]", "$.a[0,1]", "$.a['x','y']", "$.a[?(@.b > 1)]",
     "$.a.length()", "$.delivery-partner", "$[0]", "$[*].v"],
)
def test_stand_in_accepts_jsonpath(stand_in: None, text: str) -> None:
    assert path_problem(text) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a.b", "a path must start with '$'"),
        ("$.", "a field name is missing at position 2 of '$.'"),
        ("$.a..", "a field name is missing at position 5 of '$.a..'"),
        ("$.a[", "unclosed '[' at position 3 of '$.a['"),
        ("$.a[]", "empty brackets at position 3 of '$.a[]'"),
        ("$.a[x]", "invalid array index [x] in '$.a[x]'"),
        ("$.a[1:2:3:4]", "invalid array slice [1:2:3:4] in '$.a[1:2:3:4]'"),
        ("$ .a", "unexpected character ' ' at position 1 of '$ .a'"),
        ("$.a['b'c]", "expected ',' or ']' after a quoted name in \"$.a['b'c]\""),
    ],
)
def test_stand_in_rejects_malformed_paths(stand_in: None, text: str, message: str) -> None:
    assert path_problem(text) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("$.a[*]", "a reference path cannot use wildcards ('*')"),
        ("$..a", "a reference path cannot use deep scan ('..')"),
        ("$.a[?(@.b)]", "a reference path cannot use filter expressions ('[?(...)]')"),
        ("$.a[1:2]", "a reference path cannot use array slices ('[a:b]')"),
        ("$.a[0,1]", "a reference path cannot select several fields or indexes at once"),
        ("$.a.length()", "a reference path cannot call functions"),
    ],
)
def test_stand_in_reference_paths_name_one_node(stand_in: None, text: str, message: str) -> None:
    assert path_problem(text, PathKind.REFERENCE) == message
    assert path_problem(text, PathKind.PATH) is None


def test_result_paths_start_at_the_input() -> None:
    message = "ResultPath can only refer to the state's input ('$...'), not to the context or a variable"
    assert path_problem("$$.Task", PathKind.RESULT) == message
    assert path_problem("$myVar", PathKind.RESULT) == message
    assert path_problem("$.a['b'][0]", PathKind.RESULT) is None
    assert path_problem("$myVar", PathKind.REFERENCE) is None


@pytest.mark.parametrize(
    "text",
    ["States.UUID()", "States.Format('a {} b', $.x)", "States.Format('it\\'s {}', $$.Execution.Name)",
     "States.MathAdd(States.MathAdd($a, 1), -2.5)", "States.JsonMerge($.a, $.b, false)",
     "States.Array('a', 1, true, null, $.x[0])", "  States.ArrayLength( $.items )  "],
)
def test_stand_in_accepts_intrinsic_calls(stand_in: None, text: str) -> None:
    assert intrinsic_problem(text) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("States.Nope(1)", "unknown intrinsic function 'States.Nope' in 'States.Nope(1)'"),
        ("States.Format('x', $.a", "expected ',' or ')' at position 22 in \"States.Format('x', $.a\""),
        ("States.Format('x)", "unterminated string literal in \"States.Format('x)\""),
        ("States.UUID() extra", "unexpected text after the call at position 14 in 'States.UUID() extra'"),
        ("States.Format(x)", "expected an argument at position 14 in 'States.Format(x)'"),
        ("States.Format($.a[)", "invalid path argument '$.a[)' (unbalanced parentheses in '$.a[)') in 'States.Format($.a[)'"),
    ],
)
def test_stand_in_rejects_malformed_intrinsic_calls(stand_in: None, text: str, message: str) -> None:
    assert intrinsic_problem(text) == message


def test_engine_compilers_are_used_when_importable(monkeypatch: pytest.MonkeyPatch) -> None:
    class FakeSyntaxError(ValueError):
        pass

    def compile_path(text: str) -> object:
        if "forbidden" in text:
            raise FakeSyntaxError("the engine refuses this path")
        return object()

    fake = types.ModuleType("fake_jsonpath")
    fake.compile_path = compile_path  # type: ignore[attr-defined]
    fake.compile_reference_path = compile_path  # type: ignore[attr-defined]
    fake.PathSyntaxError = FakeSyntaxError  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "aslrun.expr.jsonpath", fake)
    syntax._engine_compiler.cache_clear()
    try:
        assert path_problem("$.forbidden") == "the engine refuses this path"
        assert path_problem("$.a[") is None  # the stand-in would refuse it; the engine decides
    finally:
        syntax._engine_compiler.cache_clear()


def test_the_lead_engine_compiler_is_in_use_when_present() -> None:
    try:
        import aslrun.expr.jsonpath  # noqa: F401
    except ImportError:
        pytest.skip("the engine's JSONPath compiler is not there yet")
    assert syntax._engine_compiler("aslrun.expr.jsonpath", "compile_path", "PathSyntaxError") is not None


def test_jsonata_expression_form() -> None:
    assert is_jsonata("{% $states.input %}")
    assert is_jsonata("{%%}")
    assert not is_jsonata(" {% 1 %}")
    assert not is_jsonata("{% 1 %")
    assert not is_jsonata(5)

"""Bracket notation with quotes and escapes, read as Jayway (AWS's JsonPath) reads it.

Jayway's ``PathCompiler`` reads a quoted name up to the closing quote of the kind that opened it, a
backslash escaping the next character; ``Utils.unescape`` then turns ``\\n``, ``\\t``, ``\\r``, ``\\f``,
``\\b`` and ``\\uXXXX`` into their characters and any other escaped character into itself. Its
"No results" message prints a name between the quotes the path used, unescaped; "Missing property"
prints the walk so far, always in ``'``.
"""

from __future__ import annotations

import pytest

from aslrun.expr.jsonpath import PathNotFound, PathSyntaxError, compile_path


@pytest.mark.parametrize(("text", "steps"), [
    ("$['a.b']", ("a.b",)),
    ('$["x\'y"]', ("x'y",)),
    ("$['it\\'s']", ("it's",)),
    ('$["say \\"hi\\""]', ('say "hi"',)),
    ("$['a]b'].c", ("a]b", "c")),
    ("$['back\\\\slash']", ("back\\slash",)),
    ("$['tab\\there']", ("tab\there",)),
    ("$['line\\nbreak']", ("line\nbreak",)),
    ("$['\\u0041\\u00e9']", ("A\u00e9",)),
    ("$['\\q']", ("q",)),               # any other escaped character is itself
    ("$[ 'spaced' ]", ("spaced",)),
    ("$['']", ("",)),
    ("$['a'][0]['b c']", ("a", 0, "b c")),
])
def test_a_quoted_name_is_one_step(text, steps):
    path = compile_path(text)
    assert path.definite
    assert path.steps == steps


def test_names_with_dots_quotes_and_escapes_are_read_from_the_data():
    data = {"a.b": 1, "x'y": 2, "it's": 3, "tab\there": 4, "A": 5}
    assert [compile_path(t).get(data) for t in ("$['a.b']", '$["x\'y"]', "$['it\\'s']", "$['tab\\there']",
                                                "$['\\u0041']")] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(("text", "message"), [
    ('$["x\'y"]', 'No results for path: $["x\'y"]'),
    ("$['it\\'s']", "No results for path: $['it's']"),
    ('$["a"]["b"].c', "Missing property in path $['a']['b']"),  # the walk's text: always '
    ('$["a"].b', "No results for path: $[\"a\"]['b']"),
    ("$.a['b.c']", "No results for path: $['a']['b.c']"),
])
def test_messages_show_the_quote_the_path_used(text, message):
    with pytest.raises(PathNotFound) as missing:
        compile_path(text).get({"a": {}})
    assert str(missing.value) == message


@pytest.mark.parametrize("text", ["$['a','b']", "$['unclosed]", "$['\\u00g1']", "$['a'b']"])
def test_several_names_or_broken_quotes_are_not_one_step(text):
    try:
        path = compile_path(text)
    except ValueError:
        return  # refused as malformed
    assert not path.definite


@pytest.mark.parametrize("text", ["$['\\u41']", "$['\\u00zz']", "$['\\u00XX']", "$['\\u']"])
def test_a_u_escape_without_four_hex_digits_is_a_malformed_path(text):
    with pytest.raises(PathSyntaxError) as refused:
        compile_path(text)
    assert str(refused.value) == f"malformed path: {text!r}"


@pytest.mark.parametrize("text", ["$['a'", "$[ 'a' ", "$[XaX]", "$[a]"])
def test_a_bracket_without_a_quoted_name_and_its_closing_bracket_is_a_malformed_path(text):
    with pytest.raises(PathSyntaxError) as refused:
        compile_path(text)
    assert str(refused.value) == f"malformed path: {text!r}"


def test_u_escapes_take_upper_and_lower_case_hex_digits():
    assert compile_path("$['\\u00C9\\u00e9\\u00Ab']").steps == ("\u00c9\u00e9\u00ab",)


def test_a_state_reads_and_writes_quoted_names(run):
    definition = {"StartAt": "P", "States": {"P": {
        "Type": "Pass", "InputPath": "$['in.put']", "Parameters": {"v.$": "$['it\\'s']"},
        "ResultPath": "$['r.s']", "End": True}}}
    execution = run(definition, {"in.put": {"it's": 7}})
    assert execution.status == "SUCCEEDED"
    assert execution.output == {"in.put": {"it's": 7}, "r.s": {"v": 7}}  # ResultPath writes into the raw input


def test_a_missing_quoted_name_fails_with_jayways_words(run):
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": '$["x\'y"]', "End": True}}}
    execution = run(definition, {})
    assert execution.error == "States.Runtime"
    assert execution.cause == ("An error occurred while executing the state 'P' (entered at the event id #2). "
                               "Invalid path '$[\"x'y\"]' : No results for path: $[\"x'y\"]")

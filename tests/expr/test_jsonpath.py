"""JSONPath as Step Functions evaluates it (Jayway): definite paths by property tests, indefinite
paths (wildcards, slices, unions, filters, deep scan) against hand-computed expectations.

Properties (hypothesis): for random JSON documents and definite paths generated along routes that
exist, ``get`` returns what a plain reference walk returns, in any notation (dot, ['single'],
["double"], negative indexes); ``set_at`` then ``get`` round-trips; ``set_at`` never mutates its
input; a path that leaves the document raises PathNotFound with Jayway's wording.
"""

from __future__ import annotations

import copy
import json
import operator
import re
import string

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from aslrun.expr.jsonpath import PathNotFound, PathSyntaxError, compile_path, compile_reference_path, jayway_path
from aslrun.expr.reference import ReferencePathMismatch, set_at

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# [A-Za-z_][A-Za-z0-9_]{0,7}, built from its two parts (st.from_regex draws the same keys 3x slower)
DOT_KEYS = st.builds(operator.add, st.sampled_from(string.ascii_letters + "_"),
                     st.text(alphabet=string.ascii_letters + string.digits + "_", max_size=7))
BRACKET_KEYS = st.text(st.characters(blacklist_characters="'\"\\", blacklist_categories=("Cs",)), min_size=1,
                       max_size=8)
KEYS = st.one_of(DOT_KEYS, BRACKET_KEYS)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=False, allow_infinity=False, width=32), st.text(max_size=6))
DOCUMENTS = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                          st.dictionaries(KEYS, inner, max_size=4)), max_leaves=20)


@st.composite
def document_and_route(draw, containers_only=False):
    """A document and a route of steps (keys / indexes) that exists in it."""
    document = draw(st.dictionaries(KEYS, DOCUMENTS, min_size=1, max_size=4))
    steps = []
    node = document
    while isinstance(node, (dict, list)) and node:
        if steps and draw(st.booleans()):
            break
        if isinstance(node, dict):
            key = draw(st.sampled_from(sorted(node)))
            steps.append(key)
            node = node[key]
        else:
            index = draw(st.integers(0, len(node) - 1))
            steps.append(draw(st.sampled_from([index, index - len(node)])))  # Jayway takes negative indexes
            node = node[steps[-1]]
    return document, steps


@st.composite
def document_and_object_route(draw):
    """A document and a route that exists in it and ends at an object (the route cut back to its last
    object, rather than examples thrown away until one ends there)."""
    document, steps = draw(document_and_route())
    while not isinstance(walk(document, steps), dict):
        steps = steps[:-1]
    return document, steps


@st.composite
def rendered_with_quotes(draw, steps):
    """Path text for ``steps``, each step in a randomly chosen notation, and the quote of each step
    (``'`` for dot notation and indexes)."""
    parts = ["$"]
    quotes = []
    for step in steps:
        quote = "'"
        if isinstance(step, int):
            parts.append(f"[{step}]")
        elif DOT_KEYS_RE.fullmatch(step) and draw(st.booleans()):
            parts.append(f".{step}")
        elif draw(st.booleans()):
            parts.append(f"['{step}']")
        else:
            quote = '"'
            parts.append(f'["{step}"]')
        quotes.append(quote)
    return "".join(parts), quotes


def rendered(steps):
    """Path text for ``steps``, each step in a randomly chosen notation."""
    return rendered_with_quotes(steps).map(lambda drawn: drawn[0])


DOT_KEYS_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def walk(document, steps):
    """The reference: follow the steps by hand."""
    node = document
    for step in steps:
        node = node[step]
    return node


def jayway(steps, quotes=None):
    """Jayway's text of ``steps``: names in ``'``, or in the ``quotes`` the path wrote them in (its
    "No results" message prints the path's own tokens)."""
    quotes = quotes or ["'"] * len(steps)
    return "$" + "".join(f"[{s}]" if isinstance(s, int) else f"[{q}{s}{q}]" for s, q in zip(steps, quotes))


# -- definite paths: properties ---------------------------------------------------------------------

@SETTINGS
@given(data=st.data())
def test_get_returns_what_a_reference_walk_returns(data):
    document, steps = data.draw(document_and_route())
    text = data.draw(rendered(steps))
    path = compile_path(text)
    assert path.definite
    assert path.get(document) == walk(document, steps)


@SETTINGS
@given(data=st.data(), value=DOCUMENTS)
def test_set_at_then_get_round_trips_and_never_mutates(data, value):
    document, steps = data.draw(document_and_route())
    path = compile_reference_path(data.draw(rendered(steps)))
    before = copy.deepcopy(document)
    updated = set_at(document, path, value)
    assert document == before  # the input is untouched
    assert path.get(updated) == value
    if steps:
        restored = set_at(updated, path, walk(before, steps))
        assert restored == before  # only the value at the path changed


@SETTINGS
@given(data=st.data(), value=SCALARS, extra=st.lists(DOT_KEYS, min_size=1, max_size=3))
def test_set_at_creates_missing_objects_below_an_object(data, value, extra):
    document, steps = data.draw(document_and_object_route())
    target = walk(document, steps)
    assume(extra[0] not in target)
    path = compile_reference_path(data.draw(rendered(steps + extra)))
    updated = set_at(document, path, value)
    assert path.get(updated) == value
    created = walk(updated, steps + extra[:1])
    assert isinstance(created, dict) or len(extra) == 1


@SETTINGS
@given(data=st.data(), missing=DOT_KEYS, tail=st.lists(DOT_KEYS, max_size=2))
def test_a_missing_property_uses_jayways_words(data, missing, tail):
    document, steps = data.draw(document_and_object_route())
    assume(missing not in walk(document, steps))
    full = steps + [missing] + tail
    text, quotes = data.draw(rendered_with_quotes(full))
    path = compile_path(text)
    with pytest.raises(PathNotFound) as raised:
        path.get(document)
    if tail:
        assert str(raised.value) == f"Missing property in path {jayway(steps + [missing])}"
    else:
        assert str(raised.value) == f"No results for path: {jayway(full, quotes)}"


@SETTINGS
@given(document=DOCUMENTS)
def test_dollar_alone_is_the_whole_document(document):
    assert compile_path("$").get(document) == document
    assert set_at(document, compile_reference_path("$"), 5) == 5


# -- definite paths: examples ----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "message"), [
    ("$.x", "No results for path: $['x']"),
    ("$.a.b", "No results for path: $['a']['b']"),
    ("$.a.b.c", "Missing property in path $['a']['b']"),
    ("$.a.c[3]", "No results for path: $['a']['c'][3]"),
    ("$.a.c[0].z", "No results for path: $['a']['c'][0]['z']"),
    ("$.a.c[0].z.w", "Missing property in path $['a']['c'][0]['z']"),
])
def test_missing_path_messages(text, message):
    with pytest.raises(PathNotFound, match=re.escape(message)):
        compile_path(text).get({"a": {"c": [1]}})


def test_a_string_is_not_indexable_and_an_object_not_by_number():
    with pytest.raises(PathNotFound):
        compile_path("$.s[0]").get({"s": "text"})
    with pytest.raises(PathNotFound):
        compile_path("$.o[0]").get({"o": {"0": "zero"}})


def test_a_path_keeps_its_text():
    path = compile_path("$.a['b'][0]")
    assert (path.text, repr(path)) == ("$.a['b'][0]", "Path(\"$.a['b'][0]\")")


@pytest.mark.parametrize(("index", "found"), [(1, True), (2, False), (-2, True), (-3, False)])
def test_an_index_reads_inside_the_list_only(index, found):
    path = compile_path(f"$.l[{index}]")
    if found:
        assert path.get({"l": ["x", "y"]}) in ("x", "y")
    else:
        with pytest.raises(PathNotFound) as raised:
            path.get({"l": ["x", "y"]})
        assert str(raised.value) == f"No results for path: $['l'][{index}]"


def test_length_function():
    assert compile_path("$.l.length()").get({"l": [1, 2, 3]}) == 3


def test_length_of_a_value_without_one_names_the_function_in_the_message():
    with pytest.raises(PathNotFound) as raised:
        compile_path("$.n.length()").get({"n": 5})
    assert str(raised.value) == "No results for path: $['n'].length()"


def test_jayway_path_quotes_a_name_past_the_given_quotes_in_single_quotes():
    assert jayway_path(("a", "b", 0), ('"',)) == "$[\"a\"]['b'][0]"
    assert jayway_path(("a", "b"), None) == "$['a']['b']"


@pytest.mark.parametrize("text", ["$$.Execution.Input", "$$"])
def test_context_paths_have_the_context_root(text):
    path = compile_path(text)
    assert path.root == "context"


def test_variable_paths_name_the_variable():
    path = compile_path("$meter.readings[0]")
    assert (path.root, path.variable, path.get({"readings": [7]})) == ("variable", "meter", 7)


@pytest.mark.parametrize("text", ["a.b", "", "$.", "$[", "$.a[", "$.a]"])
def test_malformed_paths_are_rejected(text):
    with pytest.raises(PathSyntaxError):
        compile_path(text)


@pytest.mark.parametrize("text", ["$.a[*]", "$..a", "$.a.length()", "$.a[0:1]"])
def test_reference_paths_are_definite_names_and_indexes_only(text):
    with pytest.raises(PathSyntaxError) as raised:
        compile_reference_path(text)
    assert str(raised.value) == f"a reference path may only name fields and indexes: {text!r}"


@pytest.mark.parametrize(("document", "text"), [({"a": "s"}, "$.a.b"), ({"a": [1]}, "$.a[3]"), ([], "$.x"),
                                                ({"a": [1]}, "$.a.b")])
def test_set_at_refuses_what_cannot_apply(document, text):
    with pytest.raises(ReferencePathMismatch):
        set_at(document, compile_reference_path(text), 1)


# -- indefinite paths: hand-computed --------------------------------------------------------------------

STORE = {
    "store": {
        "book": [
            {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95},
            {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99},
            {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3",
             "price": 8.99},
            {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings",
             "isbn": "0-395-19395-8", "price": 22.99},
        ],
        "bicycle": {"color": "red", "price": 19.95},
    },
}
TITLES = ["Sayings of the Century", "Sword of Honour", "Moby Dick", "The Lord of the Rings"]


@pytest.mark.parametrize(("text", "expected"), [
    ("$.store.book[*].author", ["Nigel Rees", "Evelyn Waugh", "Herman Melville", "J. R. R. Tolkien"]),
    ("$..author", ["Nigel Rees", "Evelyn Waugh", "Herman Melville", "J. R. R. Tolkien"]),
    ("$.store..price", [8.95, 12.99, 8.99, 22.99, 19.95]),
    ("$.store.bicycle.*", ["red", 19.95]),
    ("$.store.bicycle[*]", ["red", 19.95]),
    ("$..book[2].title", ["Moby Dick"]),
    ("$..book[0,1].title", TITLES[:2]),
    ("$..book[:2].title", TITLES[:2]),
    ("$..book[1:2].title", TITLES[1:2]),
    ("$..book[-2:].title", TITLES[2:]),
    ("$..book[2:].title", TITLES[2:]),
    ("$.store.book[10:]", []),
    ("$..book[?(@.isbn)].title", TITLES[2:]),
    ("$.store.book[?(@.price < 10)].title", [TITLES[0], TITLES[2]]),
    ("$.store.book[?(@.category == 'fiction' && @.price < 20)].title", TITLES[1:3]),
    ("$.store.book[?(@.author == 'Nigel Rees')].price", [8.95]),
    ("$.store.book[*].isbn", ["0-553-21311-3", "0-395-19395-8"]),  # books without one are skipped
    ("$..nothing", []),
    ("$.nothing[*]", []),
])
def test_indefinite_paths(text, expected):
    path = compile_path(text)
    assert not path.definite
    assert path.get(STORE) == expected


def test_indefinite_paths_do_not_mutate_the_document():
    before = json.dumps(STORE, sort_keys=True)
    compile_path("$..book[?(@.price > 1)]").get(STORE)
    assert json.dumps(STORE, sort_keys=True) == before


def test_and_in_filters_compiles_without_deprecated_syntax():
    # jsonpath-ng 1.16 deprecates '&' in filters (removed in 2.0); '&&' must reach it unchanged
    import warnings

    compile_path.cache_clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        path = compile_path("$.l[?(@.a == 1 && @.b == 2)]")
        assert path.get({"l": [{"a": 1, "b": 2}, {"a": 1, "b": 3}]}) == [{"a": 1, "b": 2}]

"""Choice rules the analysis finds never chosen, and the soundness of that verdict against the engine."""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from aslrun.errors import StatesError
from aslrun.explore.rule_logic import judge_choice
from aslrun.states.choice_rules import compile_rule


def rule(**fields):
    return {**fields, "Next": "X"}


def test_a_narrower_numeric_range_after_a_wider_one_is_shadowed_by_it():
    verdict = judge_choice([rule(Variable="$.x", NumericGreaterThan=10), rule(Variable="$.x", NumericGreaterThan=20)])
    assert verdict.rule_reachable == [True, False]
    assert verdict.shadowed_by == {1: [0]}
    assert verdict.none_match is True


def test_a_wider_range_after_a_narrower_one_is_not_shadowed():
    verdict = judge_choice([rule(Variable="$.x", NumericGreaterThan=20), rule(Variable="$.x", NumericGreaterThan=10)])
    assert verdict.rule_reachable == [True, True]
    assert verdict.shadowed_by == {}


def test_two_earlier_rules_can_shadow_together_and_are_both_named():
    verdict = judge_choice([rule(Variable="$.x", NumericLessThan=5), rule(Variable="$.x", NumericGreaterThanEquals=5),
                            rule(Variable="$.x", IsNumeric=True)])
    assert verdict.shadowed_by == {2: [0, 1]}


def test_an_equal_value_inside_an_earlier_range_is_shadowed():
    verdict = judge_choice([rule(Variable="$.x", NumericGreaterThanEquals=5), rule(Variable="$.x", NumericEquals=5)])
    assert verdict.shadowed_by == {1: [0]}


def test_strings_compare_in_code_point_order_and_an_empty_gap_is_no_value():
    verdict = judge_choice([rule(Variable="$.s", StringLessThan="m"), rule(Variable="$.s", StringGreaterThanEquals="m"),
                            rule(Variable="$.s", StringEquals="q")])
    assert verdict.shadowed_by == {2: [1]}
    nothing_below_empty = judge_choice([rule(Variable="$.s", StringLessThan="")])
    assert nothing_below_empty.shadowed_by == {0: []}


def test_a_contradiction_matches_nothing_and_names_no_rule():
    verdict = judge_choice([rule(And=[{"Variable": "$.y", "StringEquals": "a"}, {"Variable": "$.y", "StringEquals": "b"}])])
    assert verdict.shadowed_by == {0: []}


def test_booleans_and_type_tests():
    verdict = judge_choice([rule(Variable="$.b", BooleanEquals=True), rule(Variable="$.b", BooleanEquals=False),
                            rule(Variable="$.b", IsBoolean=True), rule(Not={"Variable": "$.b", "IsBoolean": True})])
    assert verdict.shadowed_by == {2: [0, 1]}
    # an absent $.b is a States.Runtime error in every rule but IsPresent: no rule list ends all false
    assert verdict.none_match is False


def test_different_variables_do_not_shadow_each_other_but_a_conjunction_of_earlier_ones_is():
    verdict = judge_choice([rule(Variable="$.b", BooleanEquals=True), rule(Variable="$.c", BooleanEquals=True),
                            rule(And=[{"Variable": "$.b", "BooleanEquals": True}, {"Variable": "$.c", "BooleanEquals": True}])])
    assert verdict.rule_reachable == [True, True, False]
    assert verdict.shadowed_by == {2: [0]}


def test_timestamps_compare_as_instants():
    verdict = judge_choice([rule(Variable="$.t", TimestampLessThan="2024-01-01T00:00:00Z"),
                            rule(Variable="$.t", TimestampLessThan="2023-12-31T23:00:00+02:00")])  # 21:00Z
    assert verdict.shadowed_by == {1: [0]}
    apart = judge_choice([rule(Variable="$.t", TimestampLessThan="2024-01-01T00:00:00Z"),
                          rule(Variable="$.t", TimestampLessThan="2024-01-01T01:00:00+00:00")])
    assert apart.shadowed_by == {}


def test_a_repeated_jsonata_condition_is_shadowed_and_a_constant_true_condition_shadows_the_rest():
    verdict = judge_choice([rule(Condition="{% $states.input.n > 1 %}"), rule(Condition="{% $states.input.n > 1 %}"),
                            rule(Condition="{% $states.input.n > 2 %}")])
    assert verdict.shadowed_by == {1: [0]}
    assert verdict.rule_reachable[2] is True
    constant = judge_choice([rule(Condition=True), rule(Condition="{% $x %}")])
    assert constant.shadowed_by == {1: [0]}
    assert constant.none_match is False


def test_a_random_condition_repeated_is_not_shadowed():
    verdict = judge_choice([rule(Condition="{% $random() < 0.5 %}"), rule(Condition="{% $random() < 0.5 %}")])
    assert verdict.shadowed_by == {}


def test_path_operands_are_not_looked_into_but_an_identical_one_is_shadowed():
    verdict = judge_choice([rule(Variable="$.a", NumericLessThanPath="$.b"), rule(Variable="$.a", NumericLessThanPath="$.b"),
                            rule(Variable="$.a", NumericGreaterThanPath="$.b")])
    assert verdict.shadowed_by == {1: [0]}
    assert verdict.rule_reachable[2] is True


# -- soundness: a rule reported never chosen is never chosen by the engine --------------------------

NUMBERS = [0, 1, 2.5, 10]
STRINGS = ["", "a", "b", "ba"]
VALUES = st.one_of(st.sampled_from(NUMBERS + [n + 0.5 for n in NUMBERS] + [-1]), st.sampled_from(STRINGS + ["c", "a\0"]),
                   st.booleans(), st.none(), st.just({}))
COMPARISONS = st.one_of(
    st.tuples(st.sampled_from(["NumericEquals", "NumericLessThan", "NumericGreaterThan", "NumericLessThanEquals",
                               "NumericGreaterThanEquals"]), st.sampled_from(NUMBERS)),
    st.tuples(st.sampled_from(["StringEquals", "StringLessThan", "StringGreaterThan", "StringGreaterThanEquals"]),
              st.sampled_from(STRINGS)),
    st.tuples(st.sampled_from(["BooleanEquals", "IsPresent", "IsNull", "IsNumeric", "IsString", "IsBoolean"]),
              st.booleans()),
    st.tuples(st.just("StringMatches"), st.sampled_from(["a*", "*a", "b"])),
)
LEAVES = st.builds(lambda variable, cmp: {"Variable": variable, cmp[0]: cmp[1]}, st.sampled_from(["$.x", "$.y"]),
                   COMPARISONS)
RULES = st.recursive(LEAVES, lambda inner: st.one_of(
    st.builds(lambda parts: {"And": parts}, st.lists(inner, min_size=1, max_size=2)),
    st.builds(lambda parts: {"Or": parts}, st.lists(inner, min_size=1, max_size=2)),
    st.builds(lambda part: {"Not": part}, inner)), max_leaves=3)


def chosen(rules, document):
    """The index of the rule the engine chooses (None: no rule; 'error': States.Runtime)."""
    frame = SimpleNamespace(data=document)
    try:
        for index, candidate in enumerate(rules):
            if compile_rule(candidate)(frame):
                return index
    except StatesError:
        return "error"
    return None


@settings(max_examples=150, derandomize=True, deadline=None, database=None)
@given(st.lists(RULES, min_size=1, max_size=3),
       st.lists(st.fixed_dictionaries({}, optional={"x": VALUES, "y": VALUES}), min_size=1, max_size=25))
def test_no_input_chooses_a_rule_reported_never_chosen(rules, documents):
    verdict = judge_choice([{**r, "Next": "X"} for r in rules])
    for document in documents:
        picked = chosen(rules, document)
        if isinstance(picked, int):
            assert verdict.rule_reachable[picked] is not False, (rules, document)
        if picked is None:
            assert verdict.none_match is not False, (rules, document)

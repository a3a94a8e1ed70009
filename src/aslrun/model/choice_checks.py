"""Static checks of a Choice state's rules, beyond what the schema can say.

A JSONPath rule is either a comparison (``Variable`` plus exactly one operator whose operand has
the operator's type) or a combination (exactly one of ``And``, ``Or``, ``Not``). A JSONata rule
is a ``Condition``. Only top-level rules carry ``Next`` (required), ``Assign`` and ``Output``;
rules nested in And/Or/Not carry none of them. Operand *types* are the schema's business
(``Expected value of type [NUMBER]``); this module reports the structure and the paths.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aslrun.model.languages import JSONATA, RULE_JSONATA_ONLY, Language, wrong_language_message
from aslrun.model.problems import SCHEMA_VALIDATION_FAILED, Problem, join_location
from aslrun.model.rules import OPERATORS
from aslrun.model.syntax import PathKind, path_problem

__all__ = ["check_choice_rules"]

_COMBINATORS = ("And", "Or", "Not")
_TOP_LEVEL_ONLY = ("Next", "Assign", "Output")


def check_choice_rules(choices: Any, where: str, language: Language, problems: list[Problem]) -> None:
    """Check every rule of a Choice state's ``Choices`` list (``where`` is the list's location)."""
    if not isinstance(choices, list):
        return
    for index, rule in enumerate(choices):
        _check_rule(rule, join_location(where, index), language, problems, top_level=True)


def _check_rule(rule: Any, where: str, language: Language, problems: list[Problem], *, top_level: bool) -> None:
    if not isinstance(rule, Mapping):
        return  # the schema reported it
    if top_level and "Next" not in rule:
        problems.append(Problem(where, "These fields are required: [Next]", SCHEMA_VALIDATION_FAILED))
    if not top_level:
        for field in _TOP_LEVEL_ONLY:
            if field in rule:
                problems.append(
                    Problem(join_location(where, field),
                            f"Field '{field}' is not supported in a rule nested in And, Or or Not",
                            SCHEMA_VALIDATION_FAILED)
                )
    if language == JSONATA:
        _check_jsonata_rule(rule, where, problems, top_level=top_level)
    else:
        _check_jsonpath_rule(rule, where, problems)


def _check_jsonata_rule(rule: Mapping[str, Any], where: str, problems: list[Problem], *, top_level: bool) -> None:
    for field in rule:
        if field == "Variable" or field in OPERATORS or field in _COMBINATORS:
            problems.append(
                Problem(join_location(where, field), wrong_language_message(field, JSONATA), SCHEMA_VALIDATION_FAILED)
            )
    if top_level and "Condition" not in rule:
        problems.append(Problem(where, "These fields are required: [Condition]", SCHEMA_VALIDATION_FAILED))


def _check_jsonpath_rule(rule: Mapping[str, Any], where: str, problems: list[Problem]) -> None:
    for field in rule:
        if field in RULE_JSONATA_ONLY:
            problems.append(
                Problem(join_location(where, field), wrong_language_message(field, "JSONPath"),
                        SCHEMA_VALIDATION_FAILED)
            )
    operators = [field for field in rule if field in OPERATORS]
    combinators = [field for field in rule if field in _COMBINATORS]
    if len(operators) + len(combinators) > 1:
        found = ", ".join(operators + combinators)
        problems.append(
            Problem(where, f"A rule must have exactly one comparison operator or And/Or/Not, found: {found}",
                    SCHEMA_VALIDATION_FAILED)
        )
        return
    if combinators:
        combinator = combinators[0]
        if "Variable" in rule:
            problems.append(
                Problem(join_location(where, "Variable"),
                        f"Field 'Variable' is not supported in a rule using '{combinator}'", SCHEMA_VALIDATION_FAILED)
            )
        nested = rule[combinator]
        nested_where = join_location(where, combinator)
        if combinator == "Not":
            _check_rule(nested, nested_where, "JSONPath", problems, top_level=False)
        elif isinstance(nested, list):
            for index, item in enumerate(nested):
                _check_rule(item, join_location(nested_where, index), "JSONPath", problems, top_level=False)
        return
    if not operators:
        problems.append(
            Problem(where, "A rule must have a comparison operator (such as 'StringEquals') or And/Or/Not",
                    SCHEMA_VALIDATION_FAILED)
        )
        return
    operator = OPERATORS[operators[0]]
    variable = rule.get("Variable")
    if "Variable" not in rule:
        problems.append(Problem(where, "These fields are required: [Variable]", SCHEMA_VALIDATION_FAILED))
    elif isinstance(variable, str):
        _check_path(variable, join_location(where, "Variable"), problems)
    operand = rule[operator.name]
    operand_where = join_location(where, operator.name)
    # Operand types (string, number, boolean, timestamp) are the schema's: see rules.ChoiceRule.
    if operator.operand == "path" and isinstance(operand, str):
        _check_path(operand, operand_where, problems)


def _check_path(text: str, where: str, problems: list[Problem]) -> None:
    detail = path_problem(text, PathKind.PATH)
    if detail is not None:
        field = where.rsplit(".", 1)[-1]
        problems.append(
            Problem(where, f"The value for the field '{field}' must be a valid JSONPath: {detail}",
                    SCHEMA_VALIDATION_FAILED)
        )

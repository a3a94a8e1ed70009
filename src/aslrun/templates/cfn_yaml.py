"""CloudFormation's YAML read into plain values: the short-form tags written out, a repeated key refused.

A CloudFormation or SAM template in YAML is YAML 1.1 with the intrinsic functions' short forms: a
tag ``!Name value`` stands for ``{"Fn::Name": value}`` (``!Ref`` and ``!Condition`` keep their
names: ``{"Ref": value}``), and ``!GetAtt Resource.Attribute`` for ``{"Fn::GetAtt": ["Resource",
"Attribute"]}``. A tagged scalar stays text (``!Ref 5`` names ``"5"``). CloudFormation refuses a
key given twice in one mapping, where YAML loaders keep the last: so does this reader (except in a
mapping built with ``<<`` merge keys, whose point is to override).

PyYAML's safe loader does the YAML (its C version where built), with one constructor for every
``!`` tag and one for mappings. This is what cfn-lint's decoder does; aslrun read templates with
that decoder until importing cfn-lint (most of a second, for a few dozen lines of loader) was the
longest part of loading a template. ``tests/templates/test_cfn_yaml.py`` holds the two to the same
results on the project's templates and on every form above.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["CfnYamlError", "load_cfn_yaml"]

_MERGE = "tag:yaml.org,2002:merge"
_KEPT_NAMES = ("Ref", "Condition")  # the two short forms whose long form has no "Fn::"


class CfnYamlError(ValueError):
    """The text is not a template's YAML: ``line`` and ``column`` (1-based, 0 when unknown) say where."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader with CloudFormation's tags and its refusal of repeated keys."""


def _mapping(loader: Any, node: yaml.MappingNode) -> dict[Any, Any]:
    merging = any(key_node.tag == _MERGE for key_node, _ in node.value)
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    first_seen: dict[Any, yaml.Node] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        where = key_node.start_mark
        if key is None:
            raise CfnYamlError(f"Null key {key_node.value!r} not supported (line {where.line + 1})",
                               where.line + 1, where.column + 1)
        try:
            repeated = key in mapping
        except TypeError:
            raise CfnYamlError(f"a mapping key must be a scalar, not {type(key).__name__} (line {where.line + 1})",
                               where.line + 1, where.column + 1) from None
        if repeated and not merging:
            earlier = first_seen[key].start_mark
            raise CfnYamlError(f"Duplicate found {key!r} (line {earlier.line + 1}, and again on line {where.line + 1})",
                               earlier.line + 1, earlier.column + 1)
        first_seen.setdefault(key, key_node)
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


def _intrinsic(loader: Any, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = suffix if suffix in _KEPT_NAMES else f"Fn::{suffix}"
    if suffix == "GetAtt" and isinstance(node, yaml.ScalarNode):
        return {name: node.value.split(".", 1)}  # !GetAtt Resource.Attribute.With.Dots
    if isinstance(node, yaml.ScalarNode):
        return {name: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {name: loader.construct_sequence(node, deep=True)}
    return {name: loader.construct_mapping(node, deep=True)}


_Loader.add_constructor("tag:yaml.org,2002:map", _mapping)
_Loader.add_multi_constructor("!", _intrinsic)


def load_cfn_yaml(text: str) -> Any:
    """The template's values (an empty document is an empty mapping); :class:`CfnYamlError` names the
    line and column of a problem."""
    try:
        document = yaml.load(text, Loader=_Loader)  # noqa: S506  # a safe loader: no Python objects
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        raise CfnYamlError(exc.problem or exc.context or str(exc), line, column) from None
    except yaml.YAMLError as exc:
        raise CfnYamlError(str(exc)) from None
    return {} if document is None else document

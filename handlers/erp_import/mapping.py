"""Turning one extracted reading (or entity record) into attributes, using ``fields``.

* ``{"attribute", "field"}``: a path in the reading, ``a.b.c`` or ``a[0].b``; ``$$.x`` reads the
  root payload (batch-level fields such as ``$$.batchId``), ``$.x`` the reading itself.
* ``{"attribute", "constant"}``: the constant, as given.
* ``{"attribute", "jsonataExpression"}``: JSONata with the reading as context and ``$$`` as the
  root payload (see :mod:`.jsonata_eval`).

A missing path gives ``None`` (JSONata's "nothing"), never an error here; the rules for required
attributes decide later whether that is acceptable.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from .config import FieldMapping, UniqueId
from .errors import FIELD_EXPRESSION_FAILED, INVALID_READING_VALUE, ReadingError
from .jsonata_eval import JsonataFailure, evaluate_on_reading
from .rules import RuleViolation

__all__ = ["apply_fields", "identity_values", "resolve_path"]

_INDEX = re.compile(r"^(?P<name>[^\[\]]*)(?P<indexes>(?:\[\d+\])+)$")


def resolve_path(path: str, reading: Any, root: Any) -> Any:
    """The value at ``path`` in ``reading`` (or in ``root`` for ``$$.``), ``None`` when absent."""
    if path.startswith("$$."):
        base, rest = root, path[3:]
    elif path.startswith("$."):
        base, rest = reading, path[2:]
    else:
        base, rest = reading, path
    if isinstance(base, Mapping) and rest in base:  # a key that itself contains dots
        return base[rest]
    for step in _steps(rest):
        base = _step(base, step)
        if base is None:
            return None
    return base


def apply_fields(fields: Iterable[FieldMapping], reading: Any, root: Any) -> dict[str, Any]:
    """Every mapped attribute of ``reading``; raises :class:`RuleViolation` if an expression fails."""
    attributes: dict[str, Any] = {}
    for mapping in fields:
        if mapping.is_constant:
            attributes[mapping.attribute] = copy.deepcopy(mapping.constant)
        elif mapping.field is not None:
            attributes[mapping.attribute] = resolve_path(mapping.field, reading, root)
        else:
            assert mapping.expression is not None
            attributes[mapping.attribute] = _expression_value(mapping, reading, root)
    return attributes


def identity_values(
    unique_ids: Iterable[UniqueId], attributes: Mapping[str, Any], reading: Any, root: Any
) -> dict[str, Any]:
    """``{entity attribute: value}`` to look an entity up by, per the unique ids' two forms."""
    values: dict[str, Any] = {}
    for uid in unique_ids:
        if uid.field is not None:
            values[uid.attribute] = resolve_path(uid.field, reading, root)
        elif uid.attribute in attributes:
            values[uid.attribute] = attributes[uid.attribute]
        else:
            values[uid.attribute] = resolve_path(uid.attribute, reading, root)
    return values


def _expression_value(mapping: FieldMapping, reading: Any, root: Any) -> Any:
    assert mapping.expression is not None
    try:
        value = evaluate_on_reading(mapping.expression, reading, root)
    except JsonataFailure as exc:
        raise RuleViolation(_expression_error(mapping.attribute, str(exc))) from None
    if not _is_json(value):
        raise RuleViolation(
            _expression_error(mapping.attribute, "expression did not return JSON data (a function or NaN?)")
        )
    return value


def _expression_error(attribute: str, message: str) -> ReadingError:
    if attribute == "value":
        return ReadingError(INVALID_READING_VALUE, "Invalid reading value", {"field": "value", "message": message})
    return ReadingError(
        FIELD_EXPRESSION_FAILED, "Field expression failed", {"attribute": attribute, "message": message}
    )


def _steps(rest: str) -> list[str | int]:
    steps: list[str | int] = []
    for part in rest.split("."):
        match = _INDEX.match(part)
        if match is None:
            steps.append(part)
            continue
        if match["name"]:
            steps.append(match["name"])
        steps.extend(int(index) for index in re.findall(r"\[(\d+)\]", match["indexes"]))
    return steps


def _step(base: Any, step: str | int) -> Any:
    if isinstance(step, int):
        return base[step] if isinstance(base, list) and step < len(base) else None
    if isinstance(base, Mapping):
        return base.get(step)
    if isinstance(base, list) and step.isdigit():
        index = int(step)
        return base[index] if index < len(base) else None
    return None


def _is_json(value: Any) -> bool:
    if value is None or isinstance(value, (str, bool, int)):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_is_json(v) for v in value)
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and _is_json(v) for k, v in value.items())
    return False

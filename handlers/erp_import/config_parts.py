"""Pieces of the mapping configuration shared by reading and entity items, each checked in place.

``fields`` entries, unique ids (``"meter_number"`` or ``{"attribute", "field"}``), JSONata
expressions, enumerated choices and unknown keys. Every check appends a message naming its place to
``problems`` and returns ``None`` on failure, so :func:`~.config.parse_config` reports all at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .jsonata_eval import CompiledExpression, JsonataFailure, compile_expression

__all__ = [
    "FieldMapping",
    "UniqueId",
    "choice",
    "kind",
    "parse_expression",
    "parse_fields",
    "reject_unknown",
    "unique_id_block",
    "unique_id_list",
]

_FIELD_KEYS = ("attribute", "constant", "field", "jsonataExpression")


@dataclass(frozen=True)
class UniqueId:
    """How to find an entity: its ``attribute`` equals a value taken from the reading.

    ``field`` is set for the ``{"attribute", "field"}`` form; ``None`` for the short form, where the
    value is the mapped attribute of the same name, else the reading's field of that name.
    """

    attribute: str
    field: str | None = None


@dataclass(frozen=True)
class FieldMapping:
    """One ``fields`` entry: exactly one of ``field`` (a path), ``constant``, ``expression``."""

    attribute: str
    field: str | None = None
    constant: Any = None
    expression: CompiledExpression | None = None
    is_constant: bool = False




def parse_fields(raw: Any, where: str, problems: list[str]) -> list[FieldMapping] | None:
    if not isinstance(raw, list):
        problems.append(f"{where}: fields must be a list of {{attribute, field | constant | jsonataExpression}}")
        return None
    fields: list[FieldMapping] = []
    seen: set[str] = set()
    ok = True
    for index, entry in enumerate(raw):
        mapping = _parse_field(entry, f"{where}, fields[{index}]", problems)
        if mapping is None:
            ok = False
            continue
        if mapping.attribute in seen:
            problems.append(f"{where}, fields[{index}]: attribute '{mapping.attribute}' is mapped more than once")
            ok = False
        seen.add(mapping.attribute)
        fields.append(mapping)
    return fields if ok else None


def _parse_field(raw: Any, where: str, problems: list[str]) -> FieldMapping | None:
    if not isinstance(raw, Mapping):
        problems.append(f"{where} must be an object, got {kind(raw)}")
        return None
    attribute = raw.get("attribute")
    if not isinstance(attribute, str) or not attribute:
        problems.append(f"{where} needs an 'attribute' name")
        return None
    where = f"{where} (attribute '{attribute}')"
    if reject_unknown(raw, _FIELD_KEYS, where, problems):
        return None
    sources = [key for key in ("field", "constant", "jsonataExpression") if key in raw]
    if len(sources) != 1:
        problems.append(f"{where} needs exactly one of field, constant, jsonataExpression")
        return None
    if "constant" in raw:
        return FieldMapping(attribute, constant=raw["constant"], is_constant=True)
    if "field" in raw:
        path = raw["field"]
        if not isinstance(path, str) or not path.strip() or path.strip() in ("$", "$$"):
            problems.append(f"{where}: field must be a path like 'reading_id' or '$$.batchId', got {path!r}")
            return None
        return FieldMapping(attribute, field=path.strip())
    try:
        return FieldMapping(attribute, expression=compile_expression(raw["jsonataExpression"]))
    except JsonataFailure as exc:
        problems.append(f"{where}: jsonataExpression does not compile: {exc}")
        return None


def parse_expression(raw: Mapping[str, Any], where: str, problems: list[str]) -> CompiledExpression | None:
    if raw.get("jsonataExpression") is None:
        return None
    try:
        return compile_expression(raw["jsonataExpression"])
    except JsonataFailure as exc:
        problems.append(f"{where}: jsonataExpression does not compile: {exc}")
        return None


def unique_id_block(
    raw: Mapping[str, Any], key: str, where: str, problems: list[str], *, required: bool
) -> tuple[UniqueId, ...] | None:
    block = raw.get(key)
    if block is None:
        if required:
            problems.append(f"{where}: {key}.unique_ids is required (e.g. {{\"unique_ids\": [\"meter_number\"]}})")
        return None
    if not isinstance(block, Mapping):
        problems.append(f"{where}: {key} must be an object with unique_ids, got {kind(block)}")
        return None
    reject_unknown(block, ("unique_ids",), f"{where}, {key}", problems)
    return unique_id_list(block.get("unique_ids"), f"{where}: {key}.unique_ids", problems)


def unique_id_list(raw: Any, where: str, problems: list[str]) -> tuple[UniqueId, ...] | None:
    if not isinstance(raw, list) or not raw:
        problems.append(f"{where} must be a non-empty list, got {kind(raw)}")
        return None
    ids: list[UniqueId] = []
    for index, entry in enumerate(raw):
        if isinstance(entry, str) and entry:
            ids.append(UniqueId(entry))
        elif (
            isinstance(entry, Mapping)
            and set(entry) == {"attribute", "field"}
            and all(isinstance(entry[k], str) and entry[k] for k in ("attribute", "field"))
        ):
            ids.append(UniqueId(entry["attribute"], entry["field"].strip()))
        else:
            problems.append(f"{where}[{index}] must be an attribute name or {{\"attribute\": ..., \"field\": ...}}")
            return None
    return tuple(ids)


def choice(
    raw: Mapping[str, Any], key: str, allowed: tuple[str, ...], default: str, where: str, problems: list[str]
) -> str | None:
    value = raw.get(key, default)
    if value is None:
        return default
    if key == "mode" and value == "purge":
        problems.append(f"{where}: mode 'purge' is not supported for meter readings (use {_or(allowed)})")
        return None
    if value not in allowed:
        problems.append(f"{where}: {key} {value!r} is not one of {', '.join(allowed)}")
        return None
    return str(value)


def reject_unknown(raw: Mapping[str, Any], known: tuple[str, ...], where: str, problems: list[str]) -> bool:
    unknown = [key for key in raw if key not in known]
    for key in unknown:
        problems.append(f"{where}: unknown property {key!r} (known: {', '.join(sorted(known))})")
    return bool(unknown)


def _or(options: tuple[str, ...]) -> str:
    return ", ".join(options[:-1]) + " or " + options[-1]


def kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__

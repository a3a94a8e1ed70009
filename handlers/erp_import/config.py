"""The mapping configuration: parsed and checked once, before anything touches the database.

Shape (ERP Toolkit "Meter Readings")::

    {"entities": [ {entity config}, ... ],          # optional: meters / meter counters to upsert
     "meter_readings": [ {reading config}, ... ]}

A reading config has ``jsonataExpression`` (optional: without it the payload itself is the reading,
or the list of readings), ``meter.unique_ids``, optional ``meter_counter.unique_ids``, ``fields``,
``mode`` (upsert | delete | upsert-prune-scope), ``reading_matching`` (external_id | strict-date)
and, for prune mode, ``scope.source``.

A unique id is either a name, ``"meter_number"`` (the value is the mapped attribute of that name, or
else the reading's own field of that name), or ``{"attribute": "external_id", "field": "meter_id"}``
(the meter's ``external_id`` equals the reading's ``meter_id`` field).

Every problem is collected and reported at once by :class:`~.errors.ErpConfigError`, each naming its
place; the documented text "Meter readings configuration (item 0) is missing required field
attributes: timestamp, source" is produced verbatim.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .config_parts import (
    FieldMapping,
    UniqueId,
    choice,
    kind,
    parse_expression,
    parse_fields,
    reject_unknown,
    unique_id_block,
    unique_id_list,
)
from .errors import ErpConfigError
from .jsonata_eval import CompiledExpression
from .rules import MODES, READING_MATCHING, REASONS, REQUIRED_FOR_DELETE, REQUIRED_FOR_UPSERT, SOURCES

__all__ = [
    "EntityConfig",
    "FieldMapping",
    "ImportConfig",
    "ReadingConfig",
    "UniqueId",
    "parse_config",
]

ENTITY_SCHEMAS = ("meter", "meter_counter")
_READING_KEYS = ("fields", "jsonataExpression", "meter", "meter_counter", "mode", "reading_matching", "scope")
_ENTITY_KEYS = ("entity_schema", "fields", "jsonataExpression", "meter", "unique_ids")


@dataclass(frozen=True)
class ReadingConfig:
    """One ``meter_readings`` item, checked."""

    item: int
    expression: CompiledExpression | None
    meter_ids: tuple[UniqueId, ...]
    counter_ids: tuple[UniqueId, ...] | None
    fields: tuple[FieldMapping, ...]
    mode: str = "upsert"
    matching: str = "external_id"
    scope_source: str | None = None

    def mapped(self, attribute: str) -> FieldMapping | None:
        """The mapping that produces ``attribute``, if any."""
        for mapping in self.fields:
            if mapping.attribute == attribute:
                return mapping
        return None


@dataclass(frozen=True)
class EntityConfig:
    """One ``entities`` item for a meter or a meter counter, checked."""

    item: int
    schema: str
    expression: CompiledExpression | None
    unique_ids: tuple[UniqueId, ...]
    fields: tuple[FieldMapping, ...]
    meter_ids: tuple[UniqueId, ...] | None = None


@dataclass(frozen=True)
class ImportConfig:
    """The whole configuration: entities first, then reading configs, in their given order."""

    entities: tuple[EntityConfig, ...]
    readings: tuple[ReadingConfig, ...]
    warnings: tuple[str, ...] = ()


def parse_config(raw: Any) -> ImportConfig:
    """Check ``raw`` and return it parsed; raise :class:`ErpConfigError` listing every problem."""
    problems: list[str] = []
    if not isinstance(raw, Mapping):
        raise ErpConfigError(
            [f"Mapping configuration must be a JSON object with a 'meter_readings' list, got {kind(raw)}"]
        )
    if "meter_readings" not in raw and "entities" not in raw:
        raise ErpConfigError(["Mapping configuration has no 'meter_readings' (and no 'entities'): nothing to import"])
    warnings: list[str] = []
    entities = _parse_entities(raw.get("entities", []), problems, warnings)
    readings = _parse_reading_list(raw.get("meter_readings", []), problems)
    if problems:
        raise ErpConfigError(problems)
    return ImportConfig(tuple(entities), tuple(readings), tuple(warnings))


# --- meter_readings ---------------------------------------------------------------------------


def _parse_reading_list(raw: Any, problems: list[str]) -> list[ReadingConfig]:
    if not isinstance(raw, list):
        problems.append(f"Mapping configuration: 'meter_readings' must be a list, got {kind(raw)}")
        return []
    parsed = []
    for item, entry in enumerate(raw):
        config = _parse_reading_config(item, entry, problems)
        if config is not None:
            parsed.append(config)
    return parsed


def _parse_reading_config(item: int, raw: Any, problems: list[str]) -> ReadingConfig | None:
    where = f"Meter readings configuration (item {item})"
    if not isinstance(raw, Mapping):
        problems.append(f"{where} must be an object, got {kind(raw)}")
        return None
    before = len(problems)
    reject_unknown(raw, _READING_KEYS, where, problems)
    mode = choice(raw, "mode", MODES, "upsert", where, problems)
    matching = choice(raw, "reading_matching", READING_MATCHING, "external_id", where, problems)
    expression = parse_expression(raw, where, problems)
    meter_ids = unique_id_block(raw, "meter", where, problems, required=True)
    counter_ids = unique_id_block(raw, "meter_counter", where, problems, required=False)
    fields = parse_fields(raw.get("fields"), where, problems)
    scope_source = _scope_source(raw, mode, where, problems)
    if fields is not None and mode is not None:
        required = REQUIRED_FOR_UPSERT if mode != "delete" else _delete_required(matching)
        present = {mapping.attribute for mapping in fields}
        missing = [name for name in required if name not in present]
        if missing:
            problems.append(f"{where} is missing required field attributes: {', '.join(missing)}")
        _check_constants(fields, where, problems)
    if len(problems) > before:
        return None
    assert mode is not None and matching is not None and fields is not None and meter_ids is not None
    return ReadingConfig(item, expression, meter_ids, counter_ids, tuple(fields), mode, matching, scope_source)


def _delete_required(matching: str | None) -> tuple[str, ...]:
    if matching == "strict-date":
        return REQUIRED_FOR_DELETE + ("timestamp",)
    return REQUIRED_FOR_DELETE


def _scope_source(raw: Mapping[str, Any], mode: str | None, where: str, problems: list[str]) -> str | None:
    if "scope" not in raw or raw["scope"] is None:
        return None
    scope = raw["scope"]
    if mode is not None and mode != "upsert-prune-scope":
        problems.append(f"{where}: scope only applies to mode 'upsert-prune-scope' (mode is '{mode}')")
        return None
    if not isinstance(scope, Mapping):
        problems.append(f"{where}: scope must be an object like {{\"source\": \"ERP\"}}, got {kind(scope)}")
        return None
    reject_unknown(scope, ("source",), f"{where}, scope", problems)
    source = scope.get("source")
    if source is None:
        return None
    if source not in SOURCES:
        problems.append(f"{where}: scope.source {source!r} is not one of {', '.join(SOURCES)}")
        return None
    return str(source)


def _check_constants(fields: list[FieldMapping], where: str, problems: list[str]) -> None:
    """Constants are known now: a bad source or reason is a configuration error, not per reading."""
    for index, mapping in enumerate(fields):
        if not mapping.is_constant:
            continue
        if mapping.attribute == "source" and mapping.constant not in SOURCES:
            problems.append(f"{where}, fields[{index}]: source {mapping.constant!r} is not one of {', '.join(SOURCES)}")
        if mapping.attribute == "reason" and mapping.constant not in (None, "") and mapping.constant not in REASONS:
            problems.append(
                f"{where}, fields[{index}]: reason {mapping.constant!r} is not one of "
                f"{', '.join(REASONS)} (or empty/null)"
            )


# --- entities ---------------------------------------------------------------------------------


def _parse_entities(raw: Any, problems: list[str], warnings: list[str]) -> list[EntityConfig]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append(f"Mapping configuration: 'entities' must be a list, got {kind(raw)}")
        return []
    parsed = []
    for item, entry in enumerate(raw):
        where = f"Entity configuration (item {item})"
        if not isinstance(entry, Mapping):
            problems.append(f"{where} must be an object, got {kind(entry)}")
            continue
        schema = entry.get("entity_schema")
        if not isinstance(schema, str) or not schema:
            problems.append(f"{where} needs an 'entity_schema' name (meter or meter_counter)")
            continue
        if schema not in ENTITY_SCHEMAS:
            warnings.append(f"{where}: entity_schema '{schema}' ignored (this import handles meter and meter_counter)")
            continue
        config = _parse_entity(item, schema, entry, where, problems)
        if config is not None:
            parsed.append(config)
    return parsed


def _parse_entity(item: int, schema: str, raw: Mapping[str, Any], where: str, problems: list[str]) -> EntityConfig | None:
    before = len(problems)
    reject_unknown(raw, _ENTITY_KEYS, where, problems)
    expression = parse_expression(raw, where, problems)
    unique_ids = unique_id_list(raw.get("unique_ids"), f"{where}: unique_ids", problems)
    fields = parse_fields(raw.get("fields", []), where, problems)
    meter_ids = None
    if schema == "meter_counter":
        meter_ids = unique_id_block(raw, "meter", where, problems, required=True)
    elif "meter" in raw:
        problems.append(f"{where}: 'meter' only applies to entity_schema 'meter_counter'")
    if unique_ids is not None and fields is not None:
        mapped = {mapping.attribute for mapping in fields}
        for uid in unique_ids:
            if uid.field is None and uid.attribute not in mapped:
                problems.append(
                    f"{where}: unique id '{uid.attribute}' is not a mapped attribute "
                    f"(add {{\"attribute\": \"{uid.attribute}\", \"field\": ...}} to fields)"
                )
    if len(problems) > before:
        return None
    assert unique_ids is not None and fields is not None
    return EntityConfig(item, schema, expression, unique_ids, tuple(fields), meter_ids)

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

from .errors import ErpConfigError
from .jsonata_eval import CompiledExpression, JsonataFailure, compile_expression
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
            [f"Mapping configuration must be a JSON object with a 'meter_readings' list, got {_kind(raw)}"]
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
        problems.append(f"Mapping configuration: 'meter_readings' must be a list, got {_kind(raw)}")
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
        problems.append(f"{where} must be an object, got {_kind(raw)}")
        return None
    before = len(problems)
    _reject_unknown(raw, _READING_KEYS, where, problems)
    mode = _choice(raw, "mode", MODES, "upsert", where, problems)
    matching = _choice(raw, "reading_matching", READING_MATCHING, "external_id", where, problems)
    expression = _expression(raw, where, problems)
    meter_ids = _unique_id_block(raw, "meter", where, problems, required=True)
    counter_ids = _unique_id_block(raw, "meter_counter", where, problems, required=False)
    fields = _parse_fields(raw.get("fields"), where, problems)
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
        problems.append(f"{where}: scope must be an object like {{\"source\": \"ERP\"}}, got {_kind(scope)}")
        return None
    _reject_unknown(scope, ("source",), f"{where}, scope", problems)
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
        problems.append(f"Mapping configuration: 'entities' must be a list, got {_kind(raw)}")
        return []
    parsed = []
    for item, entry in enumerate(raw):
        where = f"Entity configuration (item {item})"
        if not isinstance(entry, Mapping):
            problems.append(f"{where} must be an object, got {_kind(entry)}")
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
    _reject_unknown(raw, _ENTITY_KEYS, where, problems)
    expression = _expression(raw, where, problems)
    unique_ids = _unique_id_list(raw.get("unique_ids"), f"{where}: unique_ids", problems)
    fields = _parse_fields(raw.get("fields", []), where, problems)
    meter_ids = None
    if schema == "meter_counter":
        meter_ids = _unique_id_block(raw, "meter", where, problems, required=True)
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


# --- shared pieces ----------------------------------------------------------------------------


def _parse_fields(raw: Any, where: str, problems: list[str]) -> list[FieldMapping] | None:
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
        problems.append(f"{where} must be an object, got {_kind(raw)}")
        return None
    attribute = raw.get("attribute")
    if not isinstance(attribute, str) or not attribute:
        problems.append(f"{where} needs an 'attribute' name")
        return None
    where = f"{where} (attribute '{attribute}')"
    if _reject_unknown(raw, _FIELD_KEYS, where, problems):
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


def _expression(raw: Mapping[str, Any], where: str, problems: list[str]) -> CompiledExpression | None:
    if raw.get("jsonataExpression") is None:
        return None
    try:
        return compile_expression(raw["jsonataExpression"])
    except JsonataFailure as exc:
        problems.append(f"{where}: jsonataExpression does not compile: {exc}")
        return None


def _unique_id_block(
    raw: Mapping[str, Any], key: str, where: str, problems: list[str], *, required: bool
) -> tuple[UniqueId, ...] | None:
    block = raw.get(key)
    if block is None:
        if required:
            problems.append(f"{where}: {key}.unique_ids is required (e.g. {{\"unique_ids\": [\"meter_number\"]}})")
        return None
    if not isinstance(block, Mapping):
        problems.append(f"{where}: {key} must be an object with unique_ids, got {_kind(block)}")
        return None
    _reject_unknown(block, ("unique_ids",), f"{where}, {key}", problems)
    return _unique_id_list(block.get("unique_ids"), f"{where}: {key}.unique_ids", problems)


def _unique_id_list(raw: Any, where: str, problems: list[str]) -> tuple[UniqueId, ...] | None:
    if not isinstance(raw, list) or not raw:
        problems.append(f"{where} must be a non-empty list, got {_kind(raw)}")
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


def _choice(
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


def _reject_unknown(raw: Mapping[str, Any], known: tuple[str, ...], where: str, problems: list[str]) -> bool:
    unknown = [key for key in raw if key not in known]
    for key in unknown:
        problems.append(f"{where}: unknown property {key!r} (known: {', '.join(sorted(known))})")
    return bool(unknown)


def _or(options: tuple[str, ...]) -> str:
    return ", ".join(options[:-1]) + " or " + options[-1]


def _kind(value: Any) -> str:
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

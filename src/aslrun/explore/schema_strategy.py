"""A hypothesis strategy for the values a JSON Schema (``--input-schema``) accepts.

The common keywords are turned into strategies (``type``, ``enum``, ``const``, ``properties`` /
``required``, ``items`` / ``minItems`` / ``maxItems``, ``minimum`` / ``maximum`` and their exclusive
forms, ``minLength`` / ``maxLength``, ``pattern``, ``format: date-time``, ``anyOf`` / ``oneOf``,
local ``$ref``); every drawn value is then checked with :mod:`jsonschema` itself, so a keyword
not turned into a strategy still holds (values that break it are thrown away).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from ..errors import InputError

__all__ = ["check_schema", "schema_strategy"]

_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=0, max_size=8)


def check_schema(schema: Any, where: str) -> None:
    """Refuse a schema that is not one, naming the place of the problem."""
    import jsonschema

    if not isinstance(schema, (Mapping, bool)):
        raise InputError(f"{where}: a JSON Schema is an object (or true/false), not {type(schema).__name__}")
    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as exc:
        place = "/".join(str(p) for p in exc.absolute_path) or "(top)"
        raise InputError(f"{where}: not a valid JSON Schema at {place}: {exc.message}") from None


def schema_strategy(schema: Any) -> st.SearchStrategy[Any]:
    import jsonschema

    validator = jsonschema.validators.validator_for(schema)(schema)
    return _strategy(schema, schema, 0).filter(validator.is_valid)


def _strategy(node: Any, root: Any, depth: int) -> st.SearchStrategy[Any]:
    if node is True or node == {}:
        return _any_scalar()
    if node is False:
        return st.nothing()
    if "$ref" in node:
        return _strategy(_resolve(node["$ref"], root), root, depth + 1) if depth < 8 else st.nothing()
    if "const" in node:
        return st.just(node["const"])
    if "enum" in node:
        return st.sampled_from(list(node["enum"]))
    for key in ("anyOf", "oneOf"):
        if key in node:
            return st.one_of([_strategy({**{k: v for k, v in node.items() if k != key}, **option}, root, depth + 1)
                              for option in node[key]])
    if "allOf" in node:
        merged = {k: v for k, v in node.items() if k != "allOf"}
        for part in node["allOf"]:
            merged.update(part)
        return _strategy(merged, root, depth + 1)
    kind = node.get("type")
    if isinstance(kind, list):
        return st.one_of([_strategy({**node, "type": k}, root, depth) for k in kind])
    if kind is None:
        kind = "object" if "properties" in node else "array" if "items" in node else None
    if kind == "object":
        return _object(node, root, depth)
    if kind == "array":
        item = _strategy(node.get("items", {}), root, depth + 1)
        return st.lists(item, min_size=node.get("minItems", 0), max_size=node.get("maxItems", max(3, node.get("minItems", 0))))
    if kind == "string":
        if node.get("format") == "date-time":
            return st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"))
        if "pattern" in node:
            return st.from_regex(node["pattern"], fullmatch=True)
        return st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=node.get("minLength", 0),
                       max_size=node.get("maxLength", max(8, node.get("minLength", 0))))
    if kind in ("number", "integer"):
        low = node.get("minimum", node.get("exclusiveMinimum"))
        high = node.get("maximum", node.get("exclusiveMaximum"))
        if kind == "integer":
            return st.integers(min_value=None if low is None else int(low), max_value=None if high is None else int(high))
        return st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    return _any_scalar()


def _object(node: Mapping[str, Any], root: Any, depth: int) -> st.SearchStrategy[Any]:
    properties = node.get("properties") or {}
    required = set(node.get("required") or [])
    strategies = {name: _strategy(sub, root, depth + 1) for name, sub in properties.items()}
    return st.fixed_dictionaries({k: v for k, v in strategies.items() if k in required},
                                 optional={k: v for k, v in strategies.items() if k not in required})


def _any_scalar() -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), _WORDS)


def _resolve(ref: str, root: Any) -> Any:
    if not ref.startswith("#"):
        raise InputError(f"--input-schema: only references inside the schema are followed, not {ref!r}")
    node = root
    for part in [p for p in ref[1:].split("/") if p]:
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or part not in node:
            raise InputError(f"--input-schema: the reference {ref!r} names nothing in the schema")
        node = node[part]
    return node

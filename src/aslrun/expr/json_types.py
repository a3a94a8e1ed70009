"""The JSON type of a value, as error messages name it ('null', 'boolean', 'number', 'string',
'array', 'object')."""

from __future__ import annotations

from typing import Any

__all__ = ["json_type"]


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"

"""JSON with bytes: how the journal and the snapshot (``state.json``) write values that may hold a
binary attribute."""

from __future__ import annotations

import base64
import json
from typing import Any

__all__ = ["dumps", "loads"]


def dumps(value: Any, *, indent: int | None = None, sort_keys: bool = False) -> str:
    """JSON text; bytes become ``{"__bytes__": base64}`` (a DynamoDB B value, a binary attribute)."""

    def encode(unknown: Any) -> Any:
        if isinstance(unknown, (bytes, bytearray)):
            return {"__bytes__": base64.b64encode(bytes(unknown)).decode("ascii")}
        raise TypeError(f"{type(unknown).__name__} is not JSON serializable")

    return json.dumps(value, ensure_ascii=False, indent=indent, sort_keys=sort_keys, default=encode,
                      separators=(",", ":") if indent is None else (",", ": "))


def loads(text: str) -> Any:
    """A value :func:`dumps` wrote, its bytes as bytes again."""

    def decode(found: dict[str, Any]) -> Any:
        if len(found) == 1 and isinstance(found.get("__bytes__"), str):
            return base64.b64decode(found["__bytes__"])
        return found

    return json.loads(text, object_hook=decode)

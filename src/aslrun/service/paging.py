"""``maxResults`` / ``nextToken`` paging, with opaque tokens as AWS hands them out."""

from __future__ import annotations

import base64
import json
from typing import Any

from .faults import ServiceError

__all__ = ["DEFAULT_PAGE", "limit_of", "page", "read_token", "token_for"]

DEFAULT_PAGE = 100


def token_for(kind: str, offset: int) -> str:
    raw = json.dumps({"k": kind, "o": offset}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def read_token(token: str | None, kind: str) -> int:
    """The offset a ``nextToken`` stands for (0 without one); InvalidToken if it is not one this
    listing handed out (AWS never echoes the token: ``Invalid Token: 'Invalid token'``)."""
    if not token:
        return 0
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
        if decoded["k"] != kind or not isinstance(decoded["o"], int) or decoded["o"] < 0:
            raise ValueError
        return int(decoded["o"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise ServiceError("InvalidToken", "Invalid Token: 'Invalid token'") from None


def limit_of(request: dict[str, Any]) -> int:
    """``maxResults``: 0 or absent means the default page size."""
    return request.get("maxResults") or DEFAULT_PAGE


def page(items: list[Any], request: dict[str, Any], kind: str) -> tuple[list[Any], str | None]:
    """One page of ``items`` and the token of the next one (None: this was the last)."""
    offset = read_token(request.get("nextToken"), kind)
    limit = limit_of(request)
    chosen = items[offset:offset + limit]
    return chosen, token_for(kind, offset + limit) if offset + limit < len(items) else None

"""What both conformance test modules read: the JSON Lines files in ../shared/conformance and their
own lists of known failures."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

__all__ = ["known_failures", "load_jsonl"]


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    """One JSON value per non-blank line; nothing when the file is not there (../shared absent)."""
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def known_failures(path: Path) -> dict[str, str]:
    """Case id -> why, from a file of ``<case id>  # reason`` lines (``#`` lines are comments)."""
    known: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        case_id, *reason = re.split(r"\s+#\s*", line.strip(), maxsplit=1)  # ids hold '#', never ' #'
        known[case_id] = reason[0] if reason else "known failure"
    return known

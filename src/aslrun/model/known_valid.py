"""``definition_problems``: :func:`~aslrun.model.validate.validate_definition`, remembering the
definitions it found valid, so that a process need not import the validator to be told so again.

Importing the validator (pydantic models of the whole language) costs about 0.2 s, more than
running a small machine: every ``aslrun execute`` and every ``aslrun serve`` paid it on its first
definition. A definition found valid is remembered on disk by the hash of its text and of the
validator's own files (an edited or upgraded validator forgets every verdict): ``$ASLRUN_CACHE_DIR``,
by default ``~/.cache/aslrun``; ``ASLRUN_CACHE=0`` turns it off. Problems are never remembered:
an invalid definition is validated each time, so its report is always the validator's own.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

__all__ = ["definition_problems"]


def definition_problems(definition: Any) -> list[Any]:
    """Every problem of a loaded definition (none: it is valid), as ``validate_definition`` says."""
    marker = _valid_marker(definition)
    if marker is not None and marker.exists():
        return []
    from .validate import validate_definition

    problems = list(validate_definition(definition))
    if not problems and marker is not None:
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        except OSError:  # a read-only home is no reason to fail
            pass
    return problems


def _valid_marker(definition: Any) -> Path | None:
    if os.environ.get("ASLRUN_CACHE", "1") == "0":
        return None
    try:
        text = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError):
        return None
    digest = hashlib.sha256(f"{_validator_fingerprint()}\n{text}".encode()).hexdigest()
    root = Path(os.environ.get("ASLRUN_CACHE_DIR") or Path.home() / ".cache" / "aslrun")
    return root / "valid" / digest[:2] / digest


_FINGERPRINT: list[str] = []


def _validator_fingerprint() -> str:
    """Changes whenever a file of the validator (this folder) changes; worked out once per process."""
    if not _FINGERPRINT:
        stamps = sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in Path(__file__).parent.glob("*.py"))
        _FINGERPRINT.append(hashlib.sha256(repr(stamps).encode()).hexdigest())
    return _FINGERPRINT[0]

"""Keeping the local AWS between runs: a state directory.

    DIR/state.json        the snapshot: a seed document (tables with typed items, queues with their
                          messages, topics with subscriptions, buckets with object keys)
    DIR/objects/B/KEY     the bytes of object KEY of bucket B

Saving writes a complete new copy beside the old one and then swaps it in, so an interrupted save
never leaves a half-written state behind. Loading seeds a freshly started local AWS from it.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:
    from .emulator import LocalAws

__all__ = ["STATE_FILE", "load_state", "save_state"]

STATE_FILE = "state.json"
_OBJECTS = "objects"


def save_state(aws: LocalAws, directory: Path) -> None:
    """Write the whole local state to ``directory`` (created if needed)."""
    from .seed import take_snapshot

    directory.mkdir(parents=True, exist_ok=True)
    staging = directory / f".{_OBJECTS}.new"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    document = take_snapshot(aws, bodies_dir=staging)
    text = json.dumps(document, indent=1, ensure_ascii=False, sort_keys=True)
    temporary = directory / f".{STATE_FILE}.new"
    temporary.write_text(text + "\n", encoding="utf-8")
    old = directory / f".{_OBJECTS}.old"
    if old.exists():
        shutil.rmtree(old)
    objects = directory / _OBJECTS
    if objects.exists():
        objects.rename(old)
    staging.rename(objects)
    os.replace(temporary, directory / STATE_FILE)
    if old.exists():
        shutil.rmtree(old)


def load_state(aws: LocalAws, directory: Path) -> bool:
    """Seed ``aws`` from a saved state; False when the directory holds none yet."""
    from .seed import apply_seed

    path = directory / STATE_FILE
    if not path.is_file():
        return False
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError(f"AWS state {path}: not valid JSON ({exc}); remove it to start afresh") from None
    if not isinstance(document, dict):
        raise InputError(f"AWS state {path}: expected an object")
    apply_seed(aws, document, base=directory / _OBJECTS)
    return True

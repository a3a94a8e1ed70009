"""The journal file, ``DIR/journal.jsonl``: entries appended as numbered JSON lines, each fsynced
before the call that made its change returns; read back with a torn last line left out."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import InputError
from ..object_files import ObjectFiles, fsync_directory
from .encoding import dumps, loads

if TYPE_CHECKING:
    from ..emulator import LocalAws

__all__ = ["Journal", "JournalRead", "read_journal"]


@dataclass
class JournalRead:
    """A journal file's entries, and the length of its complete lines (a torn last one lies beyond)."""

    entries: list[dict[str, Any]]
    valid_length: int

    @property
    def last_sequence(self) -> int:
        return self.entries[-1]["seq"] if self.entries else 0


def read_journal(path: Path) -> JournalRead:
    """Read a journal; a last line without its newline was being written when the process died (its
    call never returned) and is left out. Any other bad line is an error naming it."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return JournalRead([], 0)
    *complete, torn = data.split(b"\n")
    entries: list[dict[str, Any]] = []
    for number, line in enumerate(complete, 1):
        try:
            entry = loads(line.decode("utf-8"))
            if not (isinstance(entry, dict) and isinstance(entry.get("seq"), int) and "change" in entry):
                raise ValueError("expected {\"seq\": n, \"change\": ...}")
            if entries and entry["seq"] <= entries[-1]["seq"]:
                raise ValueError(f"entry {entry['seq']} after entry {entries[-1]['seq']}")
        except ValueError as exc:
            raise InputError(f"AWS state {path}: line {number} is not a journal entry ({exc}); remove the "
                             "directory (aslrun aws reset) to start afresh") from None
        entries.append(entry)
    return JournalRead(entries, len(data) - len(torn))


class Journal:
    """The open journal of a state directory: :meth:`append` writes an entry, fsynced, numbered."""

    def __init__(self, aws: LocalAws, path: Path, objects: ObjectFiles, *, last_sequence: int,
                 valid_length: int) -> None:
        self.aws = aws
        self.path = path
        self.objects = objects
        self.lock = threading.RLock()
        self.pid = os.getpid()  # a forked worker inherits the journal but must not write it
        self._last = last_sequence
        self.key_names: dict[str, list[str]] = {}  # DynamoDB table -> its key attributes
        created = not path.exists()
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        if created:
            fsync_directory(path.parent)
        if os.fstat(self._fd).st_size > valid_length:  # a torn last line: never acknowledged
            os.ftruncate(self._fd, valid_length)
            os.fsync(self._fd)

    @property
    def last_sequence(self) -> int:
        return self._last

    def append(self, change: dict[str, Any]) -> int:
        """Write one change, fsynced; its number."""
        with self.lock:
            sequence = self._last + 1
            line = (dumps({"seq": sequence, **change}) + "\n").encode("utf-8")
            while line:
                line = line[os.write(self._fd, line):]
            os.fsync(self._fd)
            self._last = sequence
            return sequence

    def append_object(self, bucket: str, key: str, source: Any) -> None:
        """An object's new bytes: staged, the entry naming them, then renamed into place. A crash
        before the entry leaves the object as it was; after it, the next load finishes the rename."""
        with self.lock:  # (a save waits: it must not remove a staged file)
            relative, staged = self.objects.stage(bucket, key, source.value)
            self.append({"change": "object", "bucket": bucket, "key": key, "file": relative, "staged": staged})
            self.objects.install(relative, staged)
            self.objects.remember(bucket, key, relative, source)

    def close(self) -> None:
        os.close(self._fd)

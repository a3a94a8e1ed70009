"""The object files of a state directory (:mod:`aslrun.localaws.state_dir`): ``DIR/objects``, one
file per S3 object, never half-written."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path
from typing import Any

__all__ = ["ObjectFiles", "fsync_directory"]


class ObjectFiles:
    """``DIR/objects``: one file per S3 object, holding its last acknowledged bytes.

    New bytes are written whole and fsynced under ``objects/.incoming`` first (:meth:`stage`), then
    renamed into place (:meth:`install`): a file is never half-written, and the journal names both
    names before the rename, so a crash in between is rolled forward by the next load. The files also
    remember which moto object's bytes they hold, so a save writes only objects changed otherwise.
    """

    def __init__(self, root: Path, *, writes: bool = True) -> None:
        self.root = root
        self.writes = writes  # False: only read (a load without the lock renames nothing)
        self._held: dict[tuple[str, str], tuple[str, Any]] = {}  # (bucket, key) -> (file, moto object)

    def stage(self, bucket: str, key: str, body: bytes) -> tuple[str, str]:
        """Write ``body`` beside its place; (its place, where it is now), relative to the root."""
        incoming = self.root / ".incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        staged = f".incoming/{uuid.uuid4().hex}"
        with open(self.root / staged, "wb") as out:
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        return self._place_for(bucket, key), staged

    def install(self, relative: str, staged: str) -> None:
        """Rename staged bytes into their place."""
        os.replace(self.root / staged, self.root / relative)
        fsync_directory((self.root / relative).parent)

    def read(self, relative: str, staged: str | None = None) -> bytes:
        """An object's bytes, from its place or, not renamed there yet (a crash came between), from
        where they were staged: then a load that writes finishes the rename, one that reads does not."""
        if staged is not None and (self.root / staged).exists():
            if not self.writes:
                return (self.root / staged).read_bytes()
            self.install(relative, staged)
        return (self.root / relative).read_bytes()

    def write(self, bucket: str, key: str, body: bytes, source: Any) -> str:
        """Stage and install at once (a save); the file, relative to the root."""
        relative, staged = self.stage(bucket, key, body)
        self.install(relative, staged)
        self.remember(bucket, key, relative, source)
        return relative

    def remember(self, bucket: str, key: str, relative: str, source: Any) -> None:
        self._held[(bucket, key)] = (relative, source)

    def forget(self, bucket: str, key: str | None = None) -> None:
        """The object (or every object of the bucket) is gone."""
        for held in [k for k in self._held if k[0] == bucket and (key is None or k[1] == key)]:
            del self._held[held]

    def current(self, bucket: str, key: str, source: Any) -> str | None:
        """The file holding ``source``'s bytes, if written or loaded already."""
        relative, held = self._held.get((bucket, key), (None, None))
        return relative if held is source and relative is not None else None

    def remove_unreferenced(self, keep: set[str]) -> None:
        """Remove every file (and emptied folder) under the root that ``keep`` does not name."""
        if not self.root.is_dir():
            return
        for folder, folders, files in os.walk(self.root, topdown=False):
            for name in files:
                path = Path(folder) / name
                if path.relative_to(self.root).as_posix() not in keep:
                    path.unlink(missing_ok=True)
            for name in folders:
                try:
                    (Path(folder) / name).rmdir()
                except OSError:
                    pass  # not empty
        self._held = {k: v for k, v in self._held.items() if v[0] in keep}

    def _place_for(self, bucket: str, key: str) -> str:
        """``B/KEY`` when the key can be a path here, else ``.keys/<digest>`` (its folders made)."""
        digest = ".keys/" + hashlib.sha256(f"{bucket}/{key}".encode("utf-8", "surrogatepass")).hexdigest()
        parts = key.split("/")
        if all(part not in ("", ".", "..") for part in parts) and "\0" not in key:
            plain = self.root / bucket / key
            try:
                plain.parent.mkdir(parents=True, exist_ok=True)
                if not plain.is_dir() and len(parts[-1].encode("utf-8", "surrogatepass")) <= 255:
                    return f"{bucket}/{key}"
            except OSError:
                pass  # a file where a folder should be ("a" beside "a/b"), a name too long...
        (self.root / ".keys").mkdir(parents=True, exist_ok=True)
        return digest


def replace_durably(target: Path, data: bytes) -> None:
    """``target`` holds ``data``, whole, on disk: written beside it (``.<name>.new``), flushed and
    fsynced, renamed over it, the folder fsynced. A crash leaves the old file or the new one. One
    writer at a time per target (the caller's lock)."""
    temporary = target.parent / f".{target.name}.new"
    try:
        with open(temporary, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_directory(target.parent)


def fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

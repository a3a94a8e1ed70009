"""The temporary state directory of a server started without ``--state-dir``.

Such a server keeps its store in a directory of its own under the system's temporary directory
(``aslrun-serve-XXXXXXXX``), removed when it stops. A server killed (``kill -9``, a test fixture's
SIGKILL, a crash) cannot remove it: its database stays behind, growing with the executions it ran.
So each such server, before it makes its own, removes the ones whose server is gone:

* only directories it can tell are scratch directories: named so, owned by this user, holding the
  mark :data:`MARK` (a ``--state-dir`` the user chose is never one, whatever its name);
* only when nobody holds the directory's lock (:data:`store.LOCK_FILE`, an exclusive ``flock`` that
  a running server holds until it exits, and the kernel lets go of when it dies);
* not while a server may still be starting in it: its lock file written in the last
  ``settle_seconds``, or none yet.

The lock is held while the directory is removed, so a server cannot take it meanwhile.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from pathlib import Path

from .store import LOCK_FILE

__all__ = ["MARK", "PREFIX", "new_scratch_directory", "remove_abandoned"]

PREFIX = "aslrun-serve-"
MARK = "aslrun-serve.scratch"
SETTLE_SECONDS = 5.0


def new_scratch_directory() -> Path:
    """A fresh temporary state directory (marked as one), once the abandoned ones are removed."""
    remove_abandoned()
    folder = Path(tempfile.mkdtemp(prefix=PREFIX))
    (folder / MARK).write_text("a state directory of 'aslrun serve' without --state-dir, removed when it stops\n",
                               encoding="utf-8")
    return folder


def remove_abandoned(parent: str | os.PathLike[str] | None = None, *,
                     settle_seconds: float = SETTLE_SECONDS) -> list[Path]:
    """Remove the scratch directories under ``parent`` (the temporary directory) whose server is
    gone; the ones removed. A directory that cannot be read or removed is left as it is."""
    removed: list[Path] = []
    now = time.time()
    for folder in Path(parent if parent is not None else tempfile.gettempdir()).glob(PREFIX + "*"):
        try:
            if folder.is_symlink() or not folder.is_dir() or folder.stat().st_uid != os.getuid():
                continue
            if not (folder / MARK).is_file() or now - (folder / LOCK_FILE).stat().st_mtime < settle_seconds:
                continue
            with open(folder / LOCK_FILE, "r+", encoding="utf-8") as lock:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue  # (its server is running)
                shutil.rmtree(folder)
                removed.append(folder)
        except OSError:
            continue
    return removed

"""The lock of a state directory (:mod:`aslrun.localaws.state_dir`): one writer at a time."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError

__all__ = ["LOCK_FILE", "DirectoryLock", "StateDirectoryBusy", "writer_of"]

LOCK_FILE = "lock"


class StateDirectoryBusy(InputError):
    """Another local AWS, in this process or another, writes the state directory."""


class DirectoryLock:
    """An exclusive lock on a state directory: ``flock`` on ``DIR/lock``, which names the holder's pid.

    The kernel lets go of it when the holder dies, even by kill -9, so a crash never leaves the
    directory locked. (Without ``fcntl``, on Windows, there is no lock.)
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._fd: int | None = None

    def acquire(self) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise StateDirectoryBusy(
                f"the local AWS state directory {self.directory} is in use by process {holder} (another "
                "'aslrun aws' run, or an 'aslrun serve --state-dir' that keeps its local AWS there?): wait for "
                "it to finish, or use another directory (--aws-state)") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> DirectoryLock:
        self.acquire()
        return self

    def __exit__(self, *_: object) -> None:
        self.release()


def writer_of(directory: Path) -> str | None:
    """The pid of the process writing the state directory now, or None (a shared lock taken and let go
    at once: it waits for nobody, and tells a held lock from a stale lock file)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return None
    try:
        fd = os.open(directory / LOCK_FILE, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)

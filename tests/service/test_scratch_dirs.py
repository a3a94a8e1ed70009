"""A server without --state-dir keeps its store in a scratch directory of its own: removed when it
stops, and, when it was killed, by the next such server (service/scratch_dirs.py)."""

from __future__ import annotations

import fcntl
import os
import tempfile
import time
from pathlib import Path

import pytest

from aslrun.service.scratch_dirs import MARK, PREFIX, remove_abandoned
from aslrun.service.store import LOCK_FILE
from aslrun.testing.endpoint import ServedEndpoint

LONG_AGO = time.time() - 3600


def scratch(parent: Path, name: str, *, mark: bool = True, lock: bool = True, written: float = LONG_AGO) -> Path:
    """A directory as a server without --state-dir leaves it (its store left out)."""
    folder = parent / f"{PREFIX}{name}"
    folder.mkdir()
    (folder / "aslrun-serve.sqlite3").write_bytes(b"SQLite format 3\0")
    if mark:
        (folder / MARK).write_text("scratch\n")
    if lock:
        (folder / LOCK_FILE).write_text("12345")
        os.utime(folder / LOCK_FILE, (written, written))
    return folder


def test_only_the_scratch_directories_nobody_holds_are_removed(tmp_path):
    abandoned = scratch(tmp_path, "abandoned")
    held = scratch(tmp_path, "held")
    unmarked = scratch(tmp_path, "unmarked", mark=False)  # (a --state-dir named like one: the user's)
    starting = scratch(tmp_path, "starting", written=time.time())  # (its server is taking the lock now)
    unlocked_yet = scratch(tmp_path, "no-lock-yet", lock=False)
    other_name = tmp_path / "state"
    other_name.mkdir()
    (other_name / MARK).write_text("scratch\n")
    (tmp_path / f"{PREFIX}file").write_text("not a directory")
    (tmp_path / f"{PREFIX}link").symlink_to(abandoned, target_is_directory=True)

    with open(held / LOCK_FILE, "a+") as holder:  # (as its running server holds it)
        fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert remove_abandoned(tmp_path) == [abandoned]

    assert not abandoned.exists()
    kept = (held, unmarked, starting, unlocked_yet, other_name, tmp_path / f"{PREFIX}file")
    assert all(path.exists() for path in kept)
    assert (tmp_path / f"{PREFIX}link").is_symlink()
    assert remove_abandoned(tmp_path) == [held]  # (its server gone: the lock let go)
    assert remove_abandoned(tmp_path, settle_seconds=0) == [starting]


def test_a_killed_servers_scratch_directory_is_removed_by_the_next_server_and_a_stopped_one_removes_its_own(tmp_path):
    environment = {"TMPDIR": str(tmp_path)}
    first = ServedEndpoint(env=environment).start()
    try:
        folder, = tmp_path.glob(f"{PREFIX}*")
        assert (folder / MARK).is_file() and (folder / LOCK_FILE).read_text() == str(first.pid)
    finally:
        first.kill()
    assert folder.exists()  # (killed: it could not tidy up)
    os.utime(folder / LOCK_FILE, (LONG_AGO, LONG_AGO))  # (as if it had been killed a while ago)

    second = ServedEndpoint(env=environment).start()
    try:
        assert not folder.exists()
        own, = tmp_path.glob(f"{PREFIX}*")
        os.utime(own / LOCK_FILE, (LONG_AGO, LONG_AGO))
        assert remove_abandoned(tmp_path) == []  # (a running server's directory is its own)
    finally:
        assert second.stop() == 0
    assert list(tmp_path.glob(f"{PREFIX}*")) == []


def test_a_server_whose_store_cannot_open_leaves_no_scratch_directory(tmp_path, monkeypatch):
    from aslrun.service import provider
    from aslrun.service.store import StoreError

    def refused(path: Path) -> None:
        raise StoreError(f"cannot use {path}")

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(provider, "Store", refused)
    with pytest.raises(StoreError):
        provider.StepFunctionsService(provider.ServiceConfig())
    assert list(tmp_path.iterdir()) == []

"""Keeping the local AWS between runs: a state directory, durable at every change it acknowledges.

    DIR/state.json       the snapshot: a seed document (tables with typed items, queues with their
                         messages, topics with subscriptions, buckets with object keys, event buses,
                         SSM parameters, Secrets Manager secrets)
                         and ``journal_sequence``, the number of the last journal entry it includes
    DIR/objects/B/KEY    the bytes of object KEY of bucket B: always its last acknowledged bytes
                         (``objects/.keys/<digest>`` for a key that cannot be a path: ``a`` beside ``a/b``;
                         see :mod:`aslrun.localaws.object_files`)
    DIR/journal.jsonl    every change acknowledged since the snapshot, one numbered JSON line each,
                         fsynced before the call that made it returns (see :mod:`aslrun.localaws.journal`)
    DIR/lock             locked (``flock``) by the process writing the directory; holds its pid
                         (:mod:`aslrun.localaws.directory_lock`)
    DIR/callbacks/       task tokens waiting and callback requests (:mod:`aslrun.localaws.callback_inbox`)

Loading is the snapshot, then the journal entries numbered after it. A local AWS that writes the
directory (``autosave``, the default) locks it first, so a second writer, in this process or another,
is refused (:class:`StateDirectoryBusy` names the directory and the pid holding it). A clean exit
saves a new snapshot in four steps; whatever step a crash interrupts, the directory loads to the last
acknowledged state, nothing lost and nothing applied twice:

    1. object bytes not yet in objects/ written      crash: the old snapshot + the whole journal
    2. state.json replaced (written beside, fsynced,  crash: the new snapshot; the journal entries it
       renamed): the commit                                  includes are skipped by their number
    3. the journal truncated                          crash: the new snapshot, nothing to replay
    4. object files nothing refers to removed         crash: a few stray files, removed next time

A local AWS that only reads the directory (``autosave=False``: ``aslrun aws show``, ``execute
--no-save``) takes no lock and writes nothing. It reads the journal before the snapshot, so a writer
saving meanwhile cannot make it miss entries, and reads again if a file went away under it (an
object a writer changes meanwhile may be read with its newer bytes). It may :meth:`StateDirectory.save`
later, under the lock, unless another process wrote the directory since it was loaded.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ..errors import InputError
from .directory_lock import LOCK_FILE, DirectoryLock, StateDirectoryBusy
from .moto_calls import MOTO_LOCK
from .object_files import ObjectFiles, fsync_directory, replace_durably

if TYPE_CHECKING:
    from .emulator import LocalAws
    from .journal import Journal

__all__ = ["JOURNAL_FILE", "LOCK_FILE", "STATE_FILE", "DirectoryLock", "ObjectFiles", "StateDirectory",
           "StateDirectoryBusy", "clear_state", "fsync_directory", "holds_state", "load_state", "save_state"]

STATE_FILE = "state.json"
JOURNAL_FILE = "journal.jsonl"
OBJECTS = "objects"
SEQUENCE = "journal_sequence"  # the key of state.json naming the last journal entry it includes
_READ_ATTEMPTS = 3


# -- the directory while a local AWS uses it -------------------------------------------------------------

class StateDirectory:
    """A local AWS's state directory while it runs: loaded, then locked and journaled (``writes``), or
    only read."""

    def __init__(self, aws: LocalAws, directory: Path, *, writes: bool) -> None:
        self.aws = aws
        self.directory = directory
        self.writes = writes
        self.objects = ObjectFiles(directory / OBJECTS, writes=writes)
        self.lock = DirectoryLock(directory)
        self.journal: Journal | None = None
        self.loaded_up_to = 0  # the last journal entry the loaded state includes

    @classmethod
    def open(cls, aws: LocalAws, directory: Path, *, writes: bool) -> StateDirectory:
        """Load the directory into ``aws``; when ``writes``, lock it and start journaling."""
        from .journal import Journal, activate

        state = cls(aws, directory, writes=writes)
        if not writes:
            state._load_while_others_write()
            return state
        state.lock.acquire()
        try:
            valid_length = state._load()
            state.journal = Journal(aws, directory / JOURNAL_FILE, state.objects,
                                    last_sequence=state.loaded_up_to, valid_length=valid_length)
            activate(state.journal)
        except BaseException:
            state.close()
            raise
        return state

    def save(self) -> None:
        """Write a snapshot of the whole local state (see the module docstring)."""
        if self.journal is not None:
            # no entry is appended meanwhile: the truncation would drop it (the call lock first: the
            # order in which a call's change and its journal entry take them)
            with MOTO_LOCK, self.journal.lock:
                save_snapshot(self.aws, self.directory, self.objects, self.journal.last_sequence)
            return
        with DirectoryLock(self.directory):
            found = last_sequence(self.directory)
            if found != self.loaded_up_to:
                raise InputError(f"the local AWS state directory {self.directory} changed since it was loaded "
                                 f"(journal entry {found}, loaded {self.loaded_up_to}): not overwritten")
            save_snapshot(self.aws, self.directory, self.objects, found)

    def close(self) -> None:
        """Stop journaling and let go of the lock (nothing is saved)."""
        if self.journal is not None:
            from .journal import deactivate

            deactivate(self.journal)
            self.journal.close()
            self.journal = None
        self.lock.release()

    # -- loading ----------------------------------------------------------------------------------------

    def _load(self) -> int:
        """Seed the local AWS from the snapshot and replay the journal after it; the length of the
        journal's complete entries (a torn last line, never acknowledged, lies beyond)."""
        from .journal import read_journal, remember_objects, replay, restore_messages, suspended
        from .seed import apply_seed
        from .seed_buckets import no_s3_notifications

        journal = read_journal(self.directory / JOURNAL_FILE)  # before the snapshot: see the docstring
        document = read_snapshot(self.directory)
        included = document.pop(SEQUENCE, 0)
        messages = {name: spec.pop("messages") for name, spec in (document.get("sqs") or {}).items()
                    if isinstance(spec, dict) and spec.get("messages")}
        later = [entry for entry in journal.entries if entry["seq"] > included]
        if later and later[0]["seq"] != included + 1:
            raise InputError(f"AWS state {self.directory / JOURNAL_FILE}: its entries start at {later[0]['seq']} "
                             f"but {STATE_FILE} includes entries up to {included} only: some are missing; "
                             "remove the directory (aslrun aws reset) to start afresh")
        with suspended(), no_s3_notifications():
            apply_seed(self.aws, document, base=self.objects.root)
            for queue, queue_messages in messages.items():
                restore_messages(self.aws, queue, queue_messages, default_key=f"snapshot-{included}-{queue}")
            replay(self.aws, later, self.objects, source=self.directory / JOURNAL_FILE)
        remember_objects(self.aws, self.objects, document.get("s3") or {}, later)
        self.loaded_up_to = max(included, journal.last_sequence)
        return journal.valid_length

    def _load_while_others_write(self) -> None:
        """Load without the lock: a writer may save meanwhile and remove a file this load needs; then
        the snapshot has changed, and the load starts again from an empty local AWS."""
        for attempt in range(1, _READ_ATTEMPTS + 1):
            before = _stamp(self.directory)
            try:
                self._load()
                return
            except InputError:
                if attempt == _READ_ATTEMPTS or _stamp(self.directory) == before:
                    raise
                self.aws._mock.reset()  # moto's state after a partial load: start again from nothing


def _stamp(directory: Path) -> tuple[Any, ...]:
    def one(path: Path) -> Any:
        try:
            found = path.stat()
        except FileNotFoundError:
            return None
        return found.st_ino, found.st_size, found.st_mtime_ns

    return one(directory / STATE_FILE), one(directory / JOURNAL_FILE)


def read_snapshot(directory: Path) -> dict[str, Any]:
    """``DIR/state.json`` as a document ({} when there is none yet)."""
    from .journal import loads

    path = directory / STATE_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    try:
        document = loads(text)
    except ValueError as exc:
        raise InputError(f"AWS state {path}: not valid JSON ({exc}); remove it to start afresh") from None
    if not isinstance(document, dict) or not isinstance(document.get(SEQUENCE, 0), int):
        raise InputError(f"AWS state {path}: expected an object")
    return document


def holds_state(directory: Path) -> bool:
    """Whether the directory holds a saved local AWS (a snapshot, or a journal with an entry)."""
    journal = directory / JOURNAL_FILE
    return (directory / STATE_FILE).exists() or (journal.exists() and journal.stat().st_size > 0)


def last_sequence(directory: Path) -> int:
    """The last journal entry the directory holds, in its snapshot or its journal."""
    from .journal import read_journal

    included = read_snapshot(directory).get(SEQUENCE, 0)
    return max(included, read_journal(directory / JOURNAL_FILE).last_sequence)


# -- saving ---------------------------------------------------------------------------------------------

def save_snapshot(aws: LocalAws, directory: Path, objects: ObjectFiles, included: int) -> None:
    """The four steps of the module docstring; ``included``: the last journal entry in the state."""
    document = snapshot_document(aws, objects)
    document[SEQUENCE] = included
    commit_snapshot(directory, document)
    truncate_journal(directory)
    objects.remove_unreferenced(_files_of(document))


def snapshot_document(aws: LocalAws, objects: ObjectFiles) -> dict[str, Any]:
    """The whole local state as a seed document, object bytes in ``objects`` (step 1), messages with
    the keys the journal knows them by."""
    from .journal import message_keys, s3_object
    from .seed import list_keys, take_snapshot

    # buckets listed, their bytes left to ``objects`` (the view stands in for the local AWS: all but its
    # S3 client is the local AWS's own)
    document = take_snapshot(cast("LocalAws", _WithoutObjects(aws)))
    for queue, spec in (document.get("sqs") or {}).items():
        messages = spec.get("messages") or []
        keys = message_keys(aws, queue)
        if len(keys) != len(messages):
            raise RuntimeError(f"queue {queue} changed while it was saved")
        for message, key in zip(messages, keys):
            message["key"] = key
    for bucket, listed in (document.get("s3") or {}).items():
        for key in list_keys(aws, bucket):
            source = s3_object(aws, bucket, key)
            if source is None:
                continue
            relative = objects.current(bucket, key, source) or objects.write(bucket, key, source.value, source)
            listed[key] = {"file": relative}
    return document


def commit_snapshot(directory: Path, document: dict[str, Any]) -> None:
    """Step 2: state.json replaced at once (written beside it and fsynced first)."""
    from .journal import dumps

    directory.mkdir(parents=True, exist_ok=True)
    replace_durably(directory / STATE_FILE, (dumps(document, indent=1, sort_keys=True) + "\n").encode("utf-8"))


def truncate_journal(directory: Path) -> None:
    """Step 3: the journal emptied (its entries are in the snapshot)."""
    path = directory / JOURNAL_FILE
    if path.exists():
        with open(path, "r+b") as journal:
            journal.truncate(0)
            os.fsync(journal.fileno())


def _files_of(document: dict[str, Any]) -> set[str]:
    return {body["file"] for objects in (document.get("s3") or {}).values() for body in objects.values()
            if isinstance(body, dict) and "file" in body}


class _WithoutObjects:
    """A view of a local AWS whose S3 client lists no object: a snapshot taken through it lists the
    buckets without reading every body again (the state directory keeps the bytes itself)."""

    def __init__(self, aws: LocalAws) -> None:
        self._aws = aws

    def __getattr__(self, name: str) -> Any:
        return getattr(self._aws, name)

    def client(self, service: str, region: str | None = None) -> Any:
        client = self._aws.client(service, region)
        return _NoObjectsListed(client) if service == "s3" else client


class _NoObjectsListed:
    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def list_objects_v2(self, **_: Any) -> dict[str, Any]:
        return {"Contents": [], "IsTruncated": False}


# -- one-off use of a directory ------------------------------------------------------------------------

def save_state(aws: LocalAws, directory: Path) -> None:
    """Write the whole local state to a directory it was not loaded from (replacing what it held)."""
    with DirectoryLock(directory):
        save_snapshot(aws, directory, ObjectFiles(directory / OBJECTS), last_sequence(directory))


def load_state(aws: LocalAws, directory: Path) -> bool:
    """Load a saved state into ``aws`` without locking or journaling; False when there is none."""
    if not (directory / STATE_FILE).is_file() and not (directory / JOURNAL_FILE).is_file():
        return False
    StateDirectory(aws, directory, writes=False)._load_while_others_write()
    return True


def clear_state(directory: Path) -> None:
    """Empty a state directory (``aslrun aws reset``), refused while a local AWS writes it. The lock
    file stays: removing it would let two processes lock two different files."""
    if not directory.is_dir():
        return
    with DirectoryLock(directory):
        for path in directory.iterdir():
            if path.name == LOCK_FILE:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()

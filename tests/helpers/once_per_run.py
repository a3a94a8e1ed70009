"""A module fixture's value made once for the whole test run, whichever xdist workers ask for it.

pytest-xdist runs a module's tests on whichever workers have time (``--dist worksteal``), and each
worker makes the module's fixtures again: a run of the bulk machine with its handlers in worker
processes (8-10 s) was made by all three workers in some runs, by one in others. ``once_per_run``
is xdist's own recipe for that: the first worker to ask makes the value while it holds a lock on a
file in the run's shared temporary folder and leaves it there (pickled); a worker asking meanwhile
waits for the lock and reads it (it would have spent the same time making it). A value that could
not be made is not kept: the next worker to ask tries again and reports its own failure.

Only for values that are data (pickled), whose files (in the maker's ``tmp_path_factory`` folders)
stay on disk until the run ends, and that no test changes.
"""

from __future__ import annotations

import fcntl
import os
import pickle
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")


def once_per_run(name: str, tmp_path_factory: pytest.TempPathFactory, make: Callable[[], T]) -> T:
    """``make()``'s value, made by the first process of this test run to ask for ``name``."""
    folder = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        folder = folder.parent  # (the controller's: each worker's folder is one of its children)
    kept = folder / f"once-{name}.pickle"
    with open(folder / f"once-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # (released when the file is closed, also by a killed worker)
        if kept.exists():
            return pickle.loads(kept.read_bytes())  # type: ignore[no-any-return]
        value = make()
        partial = kept.with_suffix(".partial")
        partial.write_bytes(pickle.dumps(value))
        os.replace(partial, kept)
        return value

"""Errors of the BUA pipeline. A handler that raises becomes a failed Lambda task named after the
exception class, which the stage machines catch to record the failure in the control table.

    BuaError                base class; every message names the field, stage, account or day
    +-- BadEvent            the event is not shaped as the machines promise (field named)
    +-- RunNotReady         a stage ran before the stage it depends on (or for an unknown run)
    +-- DataError           the snapshot's data cannot be used (no interval data, unknown tariff...)
    +-- RunDatabaseDamaged  the run database cannot be read (damaged, or not SQLite): file and recovery named
    +-- StageFailed         a stage finished with failed batches after its retries
    +-- StorageError        S3 refused an exported file (bucket and key named)
"""

from __future__ import annotations

__all__ = ["BadEvent", "BuaError", "DataError", "RunDatabaseDamaged", "RunNotReady", "StageFailed", "StorageError"]


class BuaError(Exception):
    """Base class of the pipeline's errors."""


class BadEvent(BuaError):
    """The event lacks a field or has one of the wrong shape; the message names it."""


class RunNotReady(BuaError):
    """The run date is unknown or an earlier stage has not succeeded for it."""


class DataError(BuaError):
    """The data in the run database cannot support the computation asked for."""


class RunDatabaseDamaged(BuaError):
    """The run database cannot be read: it is damaged or not an SQLite database. The message names
    the file and how to recover (``"rerun": true`` moves it aside and rebuilds it from the snapshot)."""


class StageFailed(BuaError):
    """Some batches of a stage still failed after their retries; the message lists them."""


class StorageError(BuaError):
    """An exported file could not be stored in S3; the message names the bucket and key."""

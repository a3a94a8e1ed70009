"""Capturing changes: a call is noted before it is made and, once it succeeded, handed to the recorder
its operation has (the table :func:`records` fills), while a journal is active. Calls through boto3
clients are noted by botocore hooks; raw requests (``aslrun serve`` passing on what clients send it)
by :func:`aslrun.localaws.raw_requests.answer_journaled`, through :func:`note_call` and
:func:`record_call`.

``before-parameter-build`` notes the call (and lets its recorder look at the state it is about to
change), ``after-call`` records it if it succeeded. A call is recorded only when a journal is active,
journaling is not :func:`suspended` in this thread, the process is the journal's own (not a forked
worker) and the call is in the local AWS's region (S3 is global).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

from ..moto_calls import MOTO_LOCK
from .file import Journal

__all__ = ["NotedCall", "activate", "deactivate", "hook_every_session", "install_hooks", "is_recorded", "note_call",
           "record_call", "records", "resource_name", "suspended"]

_ACTIVE: list[Journal] = []


class _ThisThread(threading.local):
    suspended = 0  # how deep in suspended() blocks (loading a state, whose calls are no changes to journal)


_LOCAL = _ThisThread()
_NOTED = "aslrun.journal"  # the key of the call's context under which the hooks keep what they noted
_HOOKS_EVERYWHERE = False


def activate(journal: Journal) -> None:
    """Journal the changes made through any client from now on (until :func:`deactivate`)."""
    hook_every_session()
    _ACTIVE.append(journal)


def deactivate(journal: Journal) -> None:
    if journal in _ACTIVE:
        _ACTIVE.remove(journal)


@contextmanager
def suspended() -> Iterator[None]:
    """Calls made in this block (in this thread) are not journaled."""
    _LOCAL.suspended += 1
    try:
        yield
    finally:
        _LOCAL.suspended -= 1


def install_hooks(events: Any) -> None:
    """Put the journal's hooks on a client's (or a session's) event system; they do nothing while no
    journal is active."""
    events.register("before-parameter-build", _before_call, unique_id="aslrun-journal-before")
    events.register("after-call", _after_call, unique_id="aslrun-journal-after")


def hook_every_session() -> None:
    """Handlers call ``boto3.client(...)`` themselves: sessions made from now on get the hooks with
    botocore's built-in handlers (as moto's own hook reaches them), boto3's default session now.
    Once per process (later calls only hook a new default session); the hooks do nothing while no
    journal is active, so a local AWS does this when it first adapts moto, before it makes its
    session: hooked later, the built-in handlers change and its session and clients are made again
    (about 60 ms in a process that first journals after :func:`~aslrun.localaws.emulator.prepare`)."""
    global _HOOKS_EVERYWHERE
    if not _HOOKS_EVERYWHERE:
        from botocore import handlers  # type: ignore[import-untyped]

        handlers.BUILTIN_HANDLERS.extend([("before-parameter-build", _before_call), ("after-call", _after_call)])
        _journaled_calls_hold_the_call_lock()
        _HOOKS_EVERYWHERE = True
    import boto3  # type: ignore[import-untyped]

    if boto3.DEFAULT_SESSION is not None:
        install_hooks(boto3.DEFAULT_SESSION.events)


def _journaled_calls_hold_the_call_lock() -> None:
    """A client's call of an operation the journal records holds the one call lock
    (:data:`~aslrun.localaws.moto_calls.MOTO_LOCK`) from its start until its journal entry is
    written (botocore's ``after-call``), not only while moto makes the change: otherwise a call from
    another thread (a client reading through ``aslrun serve``'s port) could see the change before it
    is kept, and lose it to a crash right after; on AWS what one reads is kept. The raw requests'
    path holds it the same way (:func:`aslrun.localaws.raw_requests.answer_journaled`). Once per
    process, on botocore's client class, like the hooks above; the operations the journal does not
    record (reads, SQS ``ReceiveMessage``, which may wait) are left as they were."""
    from botocore.client import BaseClient  # type: ignore[import-untyped]

    made = BaseClient._make_api_call
    if getattr(made, "aslrun_journaled", False):
        return

    def _make_api_call(self: Any, operation_name: str, api_params: Any) -> Any:
        if _ACTIVE and (self._service_model.service_name, operation_name) in _RECORDERS:
            with MOTO_LOCK:
                return made(self, operation_name, api_params)
        return made(self, operation_name, api_params)

    _make_api_call.aslrun_journaled = True  # type: ignore[attr-defined]
    BaseClient._make_api_call = _make_api_call


class _Recorder(NamedTuple):
    prepare: Callable[[Journal, dict[str, Any]], Any] | None  # before the call: what it will change
    record: Callable[[Journal, dict[str, Any], dict[str, Any], Any], None]  # after it succeeded


_RECORDERS: dict[tuple[str, str], _Recorder] = {}
_GLOBAL_SERVICES = {"s3", "iam"}  # kept whatever region a call names


class NotedCall(NamedTuple):
    """A call about to be made that the journal will record once it succeeded."""

    journal: Journal
    recorder: _Recorder
    params: dict[str, Any]
    memo: Any


def is_recorded(service: str, operation: str) -> bool:
    """Whether a successful call of this operation is journaled while a journal is active."""
    return bool(_ACTIVE) and (service, operation) in _RECORDERS


def note_call(service: str, operation: str, params: dict[str, Any], region: str | None) -> NotedCall | None:
    """Before a call (botocore's service and operation names, its parameters, its region): what the
    journal needs to record it once it succeeded (its recorder has looked at the state it is about
    to change), or None when it is not journaled (no active journal, suspended here, another
    process's journal, another region, an operation that changes nothing kept)."""
    if not _ACTIVE or _LOCAL.suspended:
        return None
    recorder = _RECORDERS.get((service, operation))
    if recorder is None:
        return None
    journal = _ACTIVE[-1]
    if journal.pid != os.getpid():  # a forked worker changes its own copy of moto's state, not this one
        return None
    if service not in _GLOBAL_SERVICES and region != journal.aws.region:
        return None
    memo = recorder.prepare(journal, params) if recorder.prepare else None
    return NotedCall(journal, recorder, params, memo)


def record_call(noted: NotedCall, parsed: dict[str, Any]) -> None:
    """Journal a noted call that succeeded (``parsed``: its answer as botocore parses it). The
    recorder reads the state and appends under the journal's lock, so when calls from several
    threads change the same thing, the last entry is read after the last change. The call lock is
    taken first (as the raw requests' path holds it already: one order of the two locks)."""
    with MOTO_LOCK, noted.journal.lock:
        noted.recorder.record(noted.journal, noted.params, parsed, noted.memo)


def _before_call(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
    if _NOTED in context:  # a client may carry the hooks twice (built in and put on): once is enough
        return
    context[_NOTED] = note_call(model.service_model.service_name, model.name, params,
                                context.get("client_region"))  # params: as later hooks complete them


def _after_call(http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any],
                **_: Any) -> None:
    noted = context.pop(_NOTED, None)
    if noted is None or http_response.status_code >= 300:
        return
    record_call(noted, parsed)


def records(service: str, *operations: str, prepare: Callable[[Journal, dict[str, Any]], Any] | None = None
            ) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Decorate the recorder of these operations of ``service`` (botocore's names): it is called after
    each successful call with ``(journal, params, parsed, memo)``, ``memo`` being what ``prepare``
    returned before the call (None without one)."""

    def register(record: Callable[..., None]) -> Callable[..., None]:
        for operation in operations:
            _RECORDERS[(service, operation)] = _Recorder(prepare, record)
        return record

    return register


def resource_name(arn_or_name: str) -> str:
    """A resource's name from its ARN, URL or name (``arn:...:table/t``, ``.../123/queue``, ``arn:...:topic``)."""
    return re.split(r"[/:]", arn_or_name.rstrip("/"))[-1]

"""Completing task tokens from another process: a state directory's callback inbox.

A running ``aslrun aws execute --aws-state DIR`` that waits for task tokens lists them in
``DIR/callbacks/pending.json`` and reads ``DIR/callbacks/inbox/*.json``, each one request written by
``aslrun aws send-task-success`` / ``send-task-failure`` / ``send-task-heartbeat``:
``{"action": "success", "token": ..., "output": ...}``, ``{"action": "failure", "token", "error",
"cause"}`` or ``{"action": "heartbeat", "token"}``. A request is applied once and then removed.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from itertools import count
from pathlib import Path
from typing import Any

from ..errors import InputError

__all__ = ["apply_inbox", "post", "read_pending", "write_pending"]

_SEQUENCE = count()


def _folder(state_dir: Path) -> Path:
    return state_dir / "callbacks"


def write_pending(state_dir: Path, pending: list[Any]) -> None:
    """List the tokens waiting now (``pending``: PendingTask objects) for other processes to read."""
    folder = _folder(state_dir)
    folder.mkdir(parents=True, exist_ok=True)
    entries = [{"token": p.token, "state": p.state_name, "execution": p.execution_arn, "resource": p.resource}
               for p in pending]
    temporary = folder / ".pending.json.new"
    temporary.write_text(json.dumps(entries, indent=1) + "\n", encoding="utf-8")
    os.replace(temporary, folder / "pending.json")


def read_pending(state_dir: Path) -> list[dict[str, Any]]:
    path = _folder(state_dir) / "pending.json"
    if not path.is_file():
        return []
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return []
    return entries if isinstance(entries, list) else []


def post(state_dir: Path, request: dict[str, Any]) -> Path:
    """Drop a callback request in the inbox (written whole, then renamed: never read half-written)."""
    inbox = _folder(state_dir) / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns():020d}-{os.getpid()}-{next(_SEQUENCE)}.json"
    temporary = inbox / f".{name}"
    temporary.write_text(json.dumps(request), encoding="utf-8")
    target = inbox / name
    os.replace(temporary, target)
    return target


def apply_inbox(state_dir: Path, apply: Callable[[dict[str, Any]], None],
                refusals: tuple[type[Exception], ...] = ()) -> list[str]:
    """Hand every request in the inbox to ``apply`` (oldest first; each is removed once handed
    over) and return one line per request applied or refused: a request that is not a JSON object
    with a string ``action``, or that ``apply`` refuses with an InputError or one of ``refusals``.
    ``apply`` is what completes a task token (:func:`aslrun.integrations.callbacks.apply_callback_request`,
    handed in by the caller: the local AWS knows the inbox, not the engine's waiting tasks)."""
    inbox = _folder(state_dir) / "inbox"
    if not inbox.is_dir():
        return []
    refused_types: tuple[type[Exception], ...] = (InputError, ValueError, AttributeError, *refusals)
    report = []
    for path in sorted(inbox.glob("*.json")):
        try:
            request = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(request, dict) or not isinstance(request.get("action"), str):
                raise InputError("a callback request is a JSON object with an action")
            apply(request)
            report.append(f"{request['action']}: {str(request.get('token'))[:16]}...")
        except refused_types as refused:
            report.append(f"refused {path.name}: {refused}")
        finally:
            path.unlink(missing_ok=True)
    return report

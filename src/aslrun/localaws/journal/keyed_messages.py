"""SQS messages known by a key of the journal's own, across restarts: the key on moto's message,
a message as the journal and the snapshot write it, and messages put back into a queue by key.

moto's message ids repeat from one process to the next (their random generator is seeded), so they
cannot name a message across a restart: the journal keeps its own key on moto's message
(``aslrun_journal_key``), and the snapshot keeps it too.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from ...errors import InputError
from ..seed import message_fields

if TYPE_CHECKING:
    from ..emulator import LocalAws

__all__ = ["MESSAGE_KEY", "message_entry", "message_keys", "queue_named", "restore_messages"]

MESSAGE_KEY = "aslrun_journal_key"  # the attribute naming a moto SQS message in the journal


def queue_named(aws: LocalAws, name: str) -> Any:
    """moto's queue of this name in the local AWS's region, or None."""
    from moto.sqs.models import sqs_backends  # type: ignore[import-untyped]

    return sqs_backends[aws.account][aws.region].queues.get(name)


def message_entry(message: Any) -> dict[str, Any]:
    """A moto message as the journal and the snapshot write it: its key, then seed.message_fields."""
    return {"key": getattr(message, MESSAGE_KEY), **message_fields(message)}


def restore_messages(aws: LocalAws, queue_name: str, messages: list[dict[str, Any]], *,
                     default_key: str = "restored") -> None:
    """Put messages back into a queue as they were (visible, in order, FIFO deduplication not applied
    again), each with its journal key (``default_key-<n>`` for one saved without). One already there
    (by key) is not added twice."""
    from moto.moto_api._internal import mock_random  # type: ignore[import-untyped]
    from moto.sqs.models import Message

    queue = queue_named(aws, queue_name)
    if queue is None:
        raise InputError(f"queue {queue_name} does not exist")
    present = {getattr(m, MESSAGE_KEY, None) for m in queue._messages}
    for number, entry in enumerate(messages):
        key = entry.get("key") or f"{default_key}-{number}"
        if key in present:
            continue
        message = Message(str(mock_random.uuid4()), entry["body"])
        message.message_attributes = entry.get("attributes") or {}
        message.group_id = entry.get("group")
        message.deduplication_id = entry.get("deduplication")
        message.mark_sent()
        setattr(message, MESSAGE_KEY, key)
        with queue._messages_lock:
            queue._messages.append(message)
            queue._messages_lock.notify_all()
        present.add(key)


def message_keys(aws: LocalAws, queue_name: str) -> list[str]:
    """The keys of a queue's messages, in order (one arrived unseen, e.g. moved by a receive to a
    dead-letter queue, is given one now)."""
    queue = queue_named(aws, queue_name)
    keys = []
    for message in list(queue._messages) if queue is not None else []:
        if getattr(message, MESSAGE_KEY, None) is None:
            setattr(message, MESSAGE_KEY, uuid.uuid4().hex)
        keys.append(getattr(message, MESSAGE_KEY))
    return keys

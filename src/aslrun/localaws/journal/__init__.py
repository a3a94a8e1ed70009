"""The local AWS's journal: every change it acknowledges, on disk before the call that made it returns.

While a local AWS writes a state directory (:mod:`aslrun.localaws.state_dir`), botocore hooks on
every client (``before-parameter-build`` notes the call, ``after-call`` records it if it succeeded:
:mod:`.capture`), and the local AWS's answer to a raw request (:mod:`aslrun.localaws.raw_requests`:
``aslrun serve`` passing on what any SDK sent it) append what the call *changed*, in the terms of the saved state, to
``DIR/journal.jsonl``, flushed and fsynced (:mod:`.file`). Never the API call itself: replaying calls
would misbehave (receipt handles of another process, visibility timeouts, fresh random ids, FIFO
deduplication). Each entry is a JSON line::

    {"seq": 7, "change": "item", "table": "control", "item": {...}}        an item's new value, read
    {"seq": 8, "change": "item_deleted", "table": "control", "key": {...}}   back by its key afterwards
    {"seq": 9, "change": "message", "queue": "work", "message": {"key": "…", "body": "…", ...}}
    {"seq": 10, "change": "message_deleted", "queue": "work", "key": "…"}
    {"seq": 11, "change": "queue_purged", "queue": "work"}
    {"seq": 12, "change": "queue_attributes", "queue": "work", "attributes": {...}}
    {"seq": 13, "change": "object", "bucket": "b", "key": "k", "file": "b/k", "staged": ".incoming/…"}
    {"seq": 14, "change": "object_deleted", "bucket": "b", "key": "k"}
    {"seq": 15, "change": "created", "fragment": {"sqs": {"work": {...}}}}     a seed-document fragment
    {"seq": 16, "change": "deleted", "service": "sqs", "name": "work"}    (an EventBridge rule: "rule" too)
    {"seq": 17, "change": "table", "table": "t", "fragment": {...}}          a whole table, items too
    {"seq": 18, "change": "subscription", "topic": "t", "subscription": {...}}
    {"seq": 19, "change": "unsubscribed", "topic": "t", "protocol": "sqs", "endpoint": "arn:…"}
    {"seq": 20, "change": "tags", "arn": "arn:aws:sqs:…:work", "tags": {"team": "billing"}}   a whole tag set

What each call becomes:

* DynamoDB ``PutItem``, ``UpdateItem``, ``DeleteItem``, ``BatchWriteItem``, ``TransactWriteItems``:
  each key's item as it is after the call (or its deletion). ``CreateTable`` / ``DeleteTable``;
  ``UpdateTable``, PartiQL writes and restores from backups: the whole table.
* SQS ``SendMessage`` / ``SendMessageBatch``: the messages added. ``DeleteMessage`` /
  ``DeleteMessageBatch``: the messages removed (the receipt handle is resolved to the message before
  the call). ``PurgeQueue``, ``CreateQueue``, ``DeleteQueue``, ``SetQueueAttributes``.
* SNS ``Publish`` / ``PublishBatch``: the messages it put into the subscribed queues.
  ``CreateTopic``, ``DeleteTopic``, ``Subscribe``, ``Unsubscribe``, ``SetSubscriptionAttributes``.
* S3 ``PutObject``, ``CopyObject``, ``CompleteMultipartUpload``, ``DeleteObject(s)``: the object's
  bytes (staged in ``objects/`` before the entry, renamed into place after it) or its deletion.
  ``CreateBucket``, ``DeleteBucket``.
* EventBridge ``PutEvents``: the messages its rules put into queues. ``CreateEventBus``,
  ``DeleteEventBus``; a rule with its targets after ``PutRule``, ``PutTargets``, ``RemoveTargets``,
  ``EnableRule``, ``DisableRule`` (or its ``DeleteRule``).
* SSM ``PutParameter``, ``DeleteParameter(s)``; Secrets Manager ``CreateSecret``, ``PutSecretValue``,
  ``UpdateSecret``, ``UpdateSecretVersionStage``, ``RotateSecret``, ``RestoreSecret``, ``DeleteSecret``:
  the parameter's or the secret's current value after the call (or its deletion).
* IAM: a role after any call that changes it (``CreateRole``, ``PutRolePolicy``, ``AttachRolePolicy``,
  ``UpdateAssumeRolePolicy``, ``TagRole``...), a customer managed policy after ``CreatePolicy`` or a
  change of its versions; their deletion.
* Tags of a DynamoDB table, SQS queue, SNS topic or S3 bucket (``TagResource``, ``TagQueue``,
  ``PutBucketTagging``..., or given at creation): the resource's whole tag set after the call.

A call whose change cannot be written down (a full disk) raises, although the running local AWS
made it: the caller was told it failed, and it is not kept.

A message is known by a key of the journal's own (``aslrun_journal_key`` on moto's message), kept in
the snapshot too: moto's message ids repeat from one process to the next (their random generator is
seeded), so they cannot name a message across a restart (:mod:`.keyed_messages`).

Not journaled, as the snapshot does not keep them either: ``ReceiveMessage`` and
``ChangeMessageVisibility`` (a restarted process sees received but undeleted messages visible again, as
AWS does once their visibility timeout passes; receive counts start again, so a message moved to a
dead-letter queue by a receive comes back in its queue), other services' tags, resource policies and
bucket settings, earlier versions of parameters, secrets and policies, anything in a region other than
the local AWS's own (S3 and IAM are global). Clients of a boto3 session made before the first journal
started do not have the hooks (LocalAws's clients, boto3's default session and every later session do).

The modules:

    encoding         JSON with bytes (the journal's lines and state.json)
    file             the journal file: entries appended, fsynced, numbered; read with a torn last line dropped
    capture          the botocore hooks and the table of which operation is recorded how
    dynamodb         DynamoDB's changes: items, tables
    messaging        SQS, SNS and EventBridge changes: messages into and out of queues; queues, topics,
                     subscriptions, buses
    s3               S3's changes: objects (their bytes staged in objects/), buckets
    values           SSM parameters and Secrets Manager secrets: their current values
    iam              IAM roles and customer managed policies
    tags             tables', queues', topics' and buckets' tags
    keyed_messages   SQS messages named by the journal's own key; put back into a queue by key
    loading          the entries applied on load, and the object files they name remembered
"""

from __future__ import annotations

from . import dynamodb, iam, log_groups, messaging, s3, schedules, tags, values
from .capture import (NotedCall, activate, deactivate, hook_every_session, install_hooks, is_recorded, note_call,
                      record_call, suspended)
from .encoding import dumps, loads
from .file import Journal, JournalRead, read_journal
from .keyed_messages import message_keys, restore_messages
from .loading import remember_objects, replay
from .s3 import s3_object

# imported for their recorders, which join the capture's table
_RECORDING = (dynamodb, iam, log_groups, messaging, s3, schedules, tags, values)

__all__ = ["Journal", "JournalRead", "NotedCall", "activate", "deactivate", "dumps", "hook_every_session",
           "install_hooks", "is_recorded", "loads", "message_keys", "note_call", "read_journal", "record_call",
           "remember_objects", "replay", "restore_messages", "s3_object", "suspended"]

"""S3 buckets' settings in seed documents and snapshots: event notifications and versioning.

A bucket's notifications send its object events to queues and topics (an upload starting a
pipeline): a local AWS that keeps them goes on sending after a restart. A seed document's ``s3``
section maps a bucket to its objects, so the settings have a section of their own::

    s3_settings:
      uploads:
        versioning: Enabled                   # or Suspended
        notifications:                        # as PutBucketNotificationConfiguration takes them
          QueueConfigurations:
            - {QueueArn: "arn:aws:sqs:us-east-1:123456789012:new-files", Events: ["s3:ObjectCreated:*"]}

It is applied after the services' sections (the bucket, and the queues and topics it notifies,
exist by then), without the ``s3:TestEvent`` S3 sends when a notification is set. A snapshot keeps the current objects only, not earlier versions; bucket policies,
CORS, lifecycle and encryption settings are not kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..errors import InputError

if TYPE_CHECKING:
    from .emulator import LocalAws

__all__ = ["bucket_settings", "no_s3_notifications", "seed_bucket_settings", "snapshot_bucket_settings"]

_NOTIFICATION_KINDS = ("TopicConfigurations", "QueueConfigurations", "LambdaFunctionConfigurations",
                       "EventBridgeConfiguration")


def seed_bucket_settings(aws: LocalAws, section: Any) -> None:
    if section is None:
        return
    if not isinstance(section, dict) or not all(isinstance(spec, dict) for spec in section.values()):
        raise InputError("seed: 's3_settings' must map bucket names to their settings (objects)")
    client = aws.client("s3")
    for bucket, spec in section.items():
        where = f"s3_settings.{bucket}"
        unknown = sorted(set(spec) - {"versioning", "notifications"})
        if unknown:
            raise InputError(f"seed: {where}: unknown setting(s) {', '.join(unknown)} (known: notifications, "
                             "versioning)")
        if spec.get("versioning") is not None:
            if spec["versioning"] not in ("Enabled", "Suspended"):
                raise InputError(f"seed: {where}.versioning must be Enabled or Suspended")
            client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": spec["versioning"]})
        if spec.get("notifications") is not None:
            notifications = spec["notifications"]
            if not isinstance(notifications, dict) or set(notifications) - set(_NOTIFICATION_KINDS):
                raise InputError(f"seed: {where}.notifications must be an object of "
                                 f"{', '.join(_NOTIFICATION_KINDS)}")
            with no_s3_notifications():
                client.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=notifications)


@contextmanager
def no_s3_notifications() -> Iterator[None]:
    """While a state loads, or a seed sets a notification, S3 sends none: the ``s3:TestEvent`` S3
    sends when a notification is set (as AWS does), and the event of an object the journal puts back,
    were sent when they first happened, and are in the queues already (journaled, or in the
    snapshot). (Process-wide while it lasts: a load happens before anything else uses the local AWS.)"""
    from moto.s3 import notifications  # type: ignore[import-untyped]

    names = ("send_test_event", "send_event")
    sent = {name: getattr(notifications, name) for name in names}
    for name in names:
        setattr(notifications, name, _send_nothing)
    try:
        yield
    finally:
        for name, send in sent.items():
            setattr(notifications, name, send)


def _send_nothing(*args: Any, **kwargs: Any) -> None:
    return None


def bucket_settings(aws: LocalAws, bucket: str) -> dict[str, Any] | None:
    """A bucket's settings as a seed document names them ({} when it has none; None: no bucket)."""
    from botocore.exceptions import ClientError  # type: ignore[import-untyped]

    client = aws.client("s3")
    try:
        versioning = client.get_bucket_versioning(Bucket=bucket).get("Status")
        notifications = client.get_bucket_notification_configuration(Bucket=bucket)
    except ClientError:
        return None
    settings: dict[str, Any] = {}
    if versioning:
        settings["versioning"] = versioning
    kept = {kind: notifications[kind] for kind in _NOTIFICATION_KINDS if notifications.get(kind)}
    if kept:
        settings["notifications"] = kept
    return settings


def snapshot_bucket_settings(aws: LocalAws, buckets: Any) -> dict[str, Any]:
    """The settings of the buckets a snapshot names (those with any)."""
    out = {}
    for bucket in buckets or {}:
        settings = bucket_settings(aws, bucket)
        if settings:
            out[bucket] = settings
    return out

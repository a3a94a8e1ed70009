"""S3's changes in the journal: an object's new bytes (staged in ``objects/`` before the entry,
renamed into place after it) or its deletion; a bucket created or deleted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .capture import records

if TYPE_CHECKING:
    from ..emulator import LocalAws
    from .file import Journal

__all__ = ["s3_object"]


def _s3(aws: LocalAws) -> Any:
    from moto.s3.models import s3_backends  # type: ignore[import-untyped]

    return s3_backends[aws.account]["aws"]


def s3_object(aws: LocalAws, bucket: str, key: str) -> Any:
    """moto's object (its bytes: ``.value``), or None when there is none."""
    from moto.s3.models import FakeKey

    if bucket not in _s3(aws).buckets:
        return None
    found = _s3(aws).get_object(bucket, key)
    return found if isinstance(found, FakeKey) else None


def _record_object(journal: Journal, bucket: str, key: str) -> None:
    if bucket not in _s3(journal.aws).buckets:  # (an access point's ARN...: not in the saved state)
        return
    source = s3_object(journal.aws, bucket, key)
    if source is None:
        journal.objects.forget(bucket, key)
        journal.append({"change": "object_deleted", "bucket": bucket, "key": key})
    else:
        journal.append_object(bucket, key, source)
    _adopt_notifications(journal, bucket)


def _adopt_notifications(journal: Journal, bucket: str) -> None:
    """The messages a bucket's notifications just sent to queues (directly or through topics)."""
    configuration = getattr(_s3(journal.aws).buckets[bucket], "notification_configuration", None)
    if configuration is None or not (configuration.queue or configuration.topic):
        return
    from .messaging import adopt_new_messages

    adopt_new_messages(journal)


@records("s3", "PutObject", "CopyObject", "CompleteMultipartUpload", "DeleteObject")
def _object(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    _record_object(journal, params["Bucket"], params["Key"])


@records("s3", "DeleteObjects")
def _objects_deleted(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    for listed in params["Delete"]["Objects"]:
        _record_object(journal, params["Bucket"], listed["Key"])


@records("s3", "CreateBucket")
def _create_bucket(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    journal.append({"change": "created", "fragment": {"s3": {params["Bucket"]: {}}}})


@records("s3", "DeleteBucket")
def _delete_bucket(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    journal.objects.forget(params["Bucket"])
    journal.append({"change": "deleted", "service": "s3", "name": params["Bucket"]})


@records("s3", "PutBucketNotificationConfiguration", "PutBucketVersioning")
def _bucket_settings(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    from ..seed_buckets import bucket_settings

    settings = bucket_settings(journal.aws, params["Bucket"])
    if settings is not None:
        journal.append({"change": "created", "fragment": {"s3_settings": {params["Bucket"]: settings}}})
        _adopt_notifications(journal, params["Bucket"])  # the s3:TestEvent the setting sent

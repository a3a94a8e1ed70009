"""Tags' changes in the journal: a table's, queue's, topic's or bucket's whole tag set after a call
that changed it (``{"change": "tags", "arn": ..., "tags": {...}}``), tags given at creation included."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..arns import bucket_arn, queue_arn
from ..seed_tags import resource_tags
from .capture import records, resource_name

if TYPE_CHECKING:
    from .file import Journal

__all__ = ["record_tags"]


def record_tags(journal: Journal, arn: str) -> None:
    """Journal the resource's tags as they are now (nothing when it is gone: its deletion is journaled)."""
    tags = resource_tags(journal.aws, arn)
    if tags is not None:
        journal.append({"change": "tags", "arn": arn, "tags": tags})


@records("dynamodb", "TagResource", "UntagResource")
@records("sns", "TagResource", "UntagResource")
def _tagged(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    record_tags(journal, str(params["ResourceArn"]))


@records("sqs", "TagQueue", "UntagQueue")
def _queue_tagged(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    record_tags(journal, queue_arn(journal.aws, resource_name(str(params["QueueUrl"]))))


@records("s3", "PutBucketTagging", "DeleteBucketTagging")
def _bucket_tagged(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    record_tags(journal, bucket_arn(params["Bucket"]))

"""The ARNs of a local AWS's tables, queues, topics and buckets (its region and account)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .emulator import LocalAws

__all__ = ["bucket_arn", "queue_arn", "table_arn", "topic_arn"]


def table_arn(aws: LocalAws, table: str) -> str:
    return f"arn:aws:dynamodb:{aws.region}:{aws.account}:table/{table}"


def queue_arn(aws: LocalAws, queue: str) -> str:
    return f"arn:aws:sqs:{aws.region}:{aws.account}:{queue}"


def topic_arn(aws: LocalAws, topic: str) -> str:
    return f"arn:aws:sns:{aws.region}:{aws.account}:{topic}"


def bucket_arn(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}"

"""Tags of tables, queues, topics and buckets in seed documents and snapshots, by resource ARN.

Deployments tag what they make (Terraform's ``default_tags`` tags everything), and read the tags
back when they plan: a local AWS that keeps them plans no change after a restart. One section names
them all, by ARN, so no service's own section needs a place for them::

    tags:
      arn:aws:dynamodb:us-east-1:123456789012:table/bills: {team: billing}
      arn:aws:sqs:us-east-1:123456789012:work: {team: billing}
      arn:aws:sns:us-east-1:123456789012:notify: {team: billing}
      arn:aws:s3:::bua-exports: {team: billing}

A resource the section names gets exactly those tags (others it had are removed). It is applied
after the services' sections, which make the resources. (IAM roles carry their tags in their own
entry; other services' tags are not kept.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .arns import bucket_arn, queue_arn, table_arn, topic_arn

if TYPE_CHECKING:
    from .emulator import LocalAws

__all__ = ["resource_tags", "seed_tags", "set_tags", "snapshot_tags"]


def _kind(arn: str) -> tuple[str, str]:
    """``(service, name)`` of a taggable resource's ARN: dynamodb/sqs/sns/s3 and the resource's name."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] not in ("dynamodb", "sqs", "sns", "s3"):
        raise InputError(f"seed: tags: {arn!r} is not the ARN of a DynamoDB table, SQS queue, SNS topic or "
                         "S3 bucket")
    service, resource = parts[2], parts[5]
    return service, resource.removeprefix("table/") if service == "dynamodb" else resource


def resource_tags(aws: LocalAws, arn: str) -> dict[str, str] | None:
    """A resource's tags (None when there is no such resource)."""
    from botocore.exceptions import ClientError  # type: ignore[import-untyped]

    service, name = _kind(arn)
    client = aws.client(service)
    try:
        if service == "dynamodb":
            found = client.list_tags_of_resource(ResourceArn=arn).get("Tags", [])
        elif service == "sns":
            found = client.list_tags_for_resource(ResourceArn=arn).get("Tags", [])
        elif service == "sqs":
            url = client.get_queue_url(QueueName=name)["QueueUrl"]
            return dict(client.list_queue_tags(QueueUrl=url).get("Tags", {}))
        else:
            try:
                found = client.get_bucket_tagging(Bucket=name).get("TagSet", [])
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "NoSuchTagSet":
                    raise
                client.head_bucket(Bucket=name)  # (no tags, or no bucket)
                found = []
    except ClientError:
        return None
    return {tag["Key"]: tag["Value"] for tag in found}


def set_tags(aws: LocalAws, arn: str, tags: dict[str, str]) -> None:
    """Give the resource exactly these tags."""
    service, name = _kind(arn)
    client = aws.client(service)
    current = resource_tags(aws, arn)
    if current is None:
        raise InputError(f"seed: tags: there is no {arn}")
    gone = sorted(set(current) - set(tags))
    pairs = [{"Key": str(key), "Value": str(value)} for key, value in tags.items()]
    if service in ("dynamodb", "sns"):  # (the same two calls in both APIs)
        if gone:
            client.untag_resource(ResourceArn=arn, TagKeys=gone)
        if pairs:
            client.tag_resource(ResourceArn=arn, Tags=pairs)
    elif service == "sqs":
        url = client.get_queue_url(QueueName=name)["QueueUrl"]
        if gone:
            client.untag_queue(QueueUrl=url, TagKeys=gone)
        if tags:
            client.tag_queue(QueueUrl=url, Tags={str(k): str(v) for k, v in tags.items()})
    elif pairs:
        client.put_bucket_tagging(Bucket=name, Tagging={"TagSet": pairs})
    elif current:
        client.delete_bucket_tagging(Bucket=name)


def seed_tags(aws: LocalAws, section: Any) -> None:
    if section is None:
        return
    if not isinstance(section, dict) or not all(isinstance(tags, dict) for tags in section.values()):
        raise InputError("seed: 'tags' must map resource ARNs to their tags ({key: value})")
    for arn, tags in section.items():
        set_tags(aws, str(arn), tags)


def snapshot_tags(aws: LocalAws, document: dict[str, Any]) -> dict[str, Any]:
    """The tags of every table, queue, topic and bucket a snapshot document names (those with any)."""
    arns = [table_arn(aws, name) for name in document.get("dynamodb") or {}]
    arns += [queue_arn(aws, name) for name in document.get("sqs") or {}]
    arns += [topic_arn(aws, name) for name in document.get("sns") or {}]
    arns += [bucket_arn(name) for name in document.get("s3") or {}]
    out = {}
    for arn in arns:
        tags = resource_tags(aws, arn)
        if tags:
            out[arn] = tags
    return out

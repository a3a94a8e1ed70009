"""Putting the export's CSV files into S3, as production's bua-export stage did.

boto3 is the SDK the Lambda runtime provides, so this is the code that runs on AWS. Locally,
while aslrun's local AWS is active (``aslrun aws execute``, or ``with LocalAws():`` in a test),
every boto3 client in the process is answered by it, so the objects land in its buckets. The
event names the destination (``"s3": {"bucket": ..., "prefix": ...}``); without one nothing is
uploaded, which is how the engine-free driver and the handler tests run.

``upload_file`` streams the file (multipart above 8 MiB), so a large export never sits in memory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import BadEvent, StorageError

__all__ = ["S3Target", "s3_target", "upload_files"]


@dataclass(frozen=True, slots=True)
class S3Target:
    """A bucket and a key prefix ending in ``/`` (or empty)."""

    bucket: str
    prefix: str


def s3_target(value: Any, field: str = "s3") -> S3Target | None:
    """The event's ``s3`` field (or ``field``) as a target; None when the event asks for none."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise BadEvent(f"{field}: expected {{\"bucket\": ..., \"prefix\": ...}}, got {value!r}")
    bucket, prefix = value.get("bucket"), value.get("prefix", "")
    if not isinstance(bucket, str) or not bucket:
        raise BadEvent(f"{field}.bucket: expected a bucket name, got {bucket!r}")
    if not isinstance(prefix, str) or (prefix and not prefix.endswith("/")):
        raise BadEvent(f"{field}.prefix: expected a key prefix ending in '/', got {prefix!r}")
    return S3Target(bucket=bucket, prefix=prefix)


def upload_files(paths: list[Path], target: S3Target) -> list[dict[str, Any]]:
    """Upload each file as ``<prefix><file name>``; what was written, for the machine to copy."""
    import boto3  # type: ignore[import-untyped]  # only when an upload is asked for
    from boto3.exceptions import S3UploadFailedError  # type: ignore[import-untyped]
    from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

    client = boto3.client("s3")
    written = []
    for path in paths:
        key = f"{target.prefix}{path.name}"
        try:
            client.upload_file(str(path), target.bucket, key)
        except (S3UploadFailedError, ClientError, BotoCoreError) as refused:
            raise StorageError(f"s3://{target.bucket}/{key}: the upload of {path} failed: "
                               f"{refused}") from None
        written.append({"name": path.name, "bucket": target.bucket, "key": key,
                        "bytes": path.stat().st_size})
    return written

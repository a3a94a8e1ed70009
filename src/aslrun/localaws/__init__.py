"""The local AWS state that service integrations run against: moto's in-process emulation.

    from aslrun.localaws import LocalAws
    with LocalAws(state_dir=".aslrun/aws") as aws:        # loaded now, saved on a clean exit
        aws.seed({"dynamodb": {"control": {"key": {"pk": "S"}}}, "s3": {"bua": {}}})
        execution = machine.execute(input)                # dynamodb/sqs/sns/s3 tasks use it
        aws.table_items("control"), aws.queue_bodies("work"), aws.object_text("bua", "x.csv")

Requires the ``aws`` extra (``pip install 'aslrun[aws]'``: moto and boto3); nothing imports them
until a local AWS starts. See ``docs/aws-integrations.md`` for what is emulated.
"""

from __future__ import annotations

from .emulator import AWS_EXTRA_MISSING, AwsUnavailable, LocalAws, NetworkBlocked, aws_extra_installed, current_aws, use_aws

__all__ = ["AWS_EXTRA_MISSING", "AwsUnavailable", "LocalAws", "NetworkBlocked", "aws_extra_installed",
           "current_aws", "use_aws"]

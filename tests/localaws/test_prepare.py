"""``aslrun.localaws.emulator.prepare``: a process warmed for the local AWSes it (or its forks) will
start, holding no emulated state (the crash tests' fork server relies on both)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, threading
import boto3
from moto.core.base_backend import BackendDict
from moto.core.models import MockAWS
from aslrun.localaws import LocalAws, current_aws
from aslrun.localaws.emulator import prepare

prepare(["sqs", "dynamodb"])
state = {"threads": threading.active_count(), "mocks": bool(MockAWS._mocks_active),
         "backends": bool(BackendDict._instances), "active": current_aws(start=False) is not None,
         "default_session": boto3.DEFAULT_SESSION is not None}
from aslrun.localaws import emulator
before = dict(emulator._CLIENTS)
with LocalAws() as aws:
    sqs = aws.client("sqs")
    sqs.create_queue(QueueName="warm")
    state["same_client"] = sqs is before[("sqs", "us-east-1")]
    state["queues"] = [url.rsplit("/", 1)[1] for url in sqs.list_queues()["QueueUrls"]]
print(json.dumps(state))
"""


def test_prepare_makes_the_clients_a_local_aws_then_uses_and_starts_nothing():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert done.returncode == 0, done.stderr
    state = json.loads(done.stdout.splitlines()[-1])
    assert state == {"threads": 1, "mocks": False, "backends": False, "active": False, "default_session": False,
                     "same_client": True, "queues": ["warm"]}

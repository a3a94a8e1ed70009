"""Seed 003's trigger path, from the project's template: EARL's "snapshot shared" message on the topic,
the notify queue subscribed to it, lambda-bua-notify mapped to the queue, starting the BUA controller
through boto3; a message delivered twice starts one run; a message that cannot start a run goes to
the dead-letter queue after three receives, and stays there across processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from aslrun.templates import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    data = tmp_path_factory.mktemp("bua-data")
    return load_template(TEMPLATE, parameters={"DataDirectory": str(data)})


def test_the_snapshot_shared_message_runs_the_whole_pipeline_once(app, aws):
    with app.deploy(aws) as runtime:
        done = runtime.publish("BuaSnapshotSharedTopic", {"run_date": "2024-10-01"})
        assert [(d.source, d.target, d.outcome) for d in done] == [
            ("BuaNotifyFunctionSnapshotShared", "BuaNotifyFunction", "succeeded"),
            ("StartExecution", "BuaStateMachine", "succeeded")]
        execution = done[1].execution
        assert execution.name.startswith("bua-2024-10-01-")
        report = execution.output
        assert set(report["stages"].values()) == {"SUCCEEDED"} and len(report["stages"]) == 13

        # the same notification delivered again (at least once): no second run
        envelope = {"Type": "Notification", "MessageId": execution.name.removeprefix("bua-2024-10-01-"),
                    "TopicArn": app.names.arn("BuaSnapshotSharedTopic"), "Message": json.dumps({"run_date": "2024-10-01"}),
                    "Timestamp": "2024-10-01T00:00:05.000Z"}
        again = runtime.send_message("BuaNotifyQueue", envelope)
        assert [(d.target, d.outcome) for d in again] == [("BuaNotifyFunction", "succeeded")]


def test_a_message_that_cannot_start_a_run_ends_in_the_dead_letter_queue(app, aws):
    with app.deploy(aws) as runtime:
        done = runtime.publish("BuaSnapshotSharedTopic", {"run_date": "not a date"})
    assert [d.outcome for d in done] == ["failed"] * 3
    assert done[-1].detail == "1 message(s), 1 moved to the dead-letter queue"
    (moved,) = aws.queue_bodies("tst-anstead-sqs-bua-notify-dlq", parse_json=True)
    assert json.loads(moved["Message"]) == {"run_date": "not a date"}
    assert aws.queue_bodies("tst-anstead-sqs-bua-notify") == []


def test_aslrun_aws_trigger_keeps_what_it_delivered_in_the_state_directory(tmp_path):
    state = tmp_path / "aws"
    from click.testing import CliRunner

    from aslrun.cli import main

    # the trigger runs in this process (its template's decoder and functions are imported here once);
    # what it kept is then read by another process
    command = ["aws", "trigger", str(TEMPLATE), "--aws-state", str(state),
               "--sub", f"DataDirectory={tmp_path / 'data'}", "--topic", "BuaSnapshotSharedTopic"]
    bad = CliRunner().invoke(main, [*command, "--message", "no json here", "--json"], catch_exceptions=False)
    assert bad.exit_code == 1, bad.stderr
    deliveries = json.loads(bad.stdout)
    assert [(d["target"], d["outcome"]) for d in deliveries] == [("BuaNotifyFunction", "failed")] * 3
    assert deliveries[-1]["detail"] == "1 message(s), 1 moved to the dead-letter queue"
    shown = subprocess.run([sys.executable, "-m", "aslrun", "aws", "show", "--aws-state", str(state)], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert "sqs queue tst-anstead-sqs-bua-notify-dlq: 1 message(s)" in shown.stdout  # kept by the next process

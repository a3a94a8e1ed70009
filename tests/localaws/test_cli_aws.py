"""``aslrun aws``: seed, show, execute against a state directory, and send task tokens from another process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from aslrun.cli import main
from tests.helpers.local_aws import write_counter

def _files(tmp_path: Path) -> tuple[Path, Path, Path]:
    seed, machine = write_counter(tmp_path)
    return seed, machine, tmp_path / "state"


def test_seed_show_and_runs_that_build_on_each_other(tmp_path):
    seed, machine, state = _files(tmp_path)
    runner = CliRunner()
    seeded = runner.invoke(main, ["aws", "seed", str(seed), "--aws-state", str(state)])
    assert seeded.exit_code == 0, seeded.output
    assert "dynamodb table control: 1 item(s)" in seeded.output
    for _ in range(2):
        ran = runner.invoke(main, ["aws", "execute", str(machine), "--aws-state", str(state), "--json"])
        assert ran.exit_code == 0, ran.output
    shown = runner.invoke(main, ["aws", "show", "--json", "--aws-state", str(state)])
    document = json.loads(shown.output)
    assert document["dynamodb"]["control"]["typed_items"] == [{"pk": {"S": "run"}, "n": {"N": "3"}}]
    details = runner.invoke(main, ["aws", "show", "--details", "--aws-state", str(state)])
    assert '{"n": 3, "pk": "run"}' in details.output
    runner.invoke(main, ["aws", "reset", "--aws-state", str(state)])
    empty = runner.invoke(main, ["aws", "show", "--aws-state", str(state)])
    assert "(the local AWS is empty)" in empty.output


def test_a_bad_seed_file_exits_2_without_a_traceback(tmp_path):
    (tmp_path / "bad.yaml").write_text("dynamodb:\n  t:\n    key: {pk: Q}\n")
    result = CliRunner().invoke(main, ["aws", "seed", str(tmp_path / "bad.yaml"), "--aws-state", str(tmp_path / "s")])
    assert result.exit_code == 2
    assert "seed: dynamodb.t.key.pk: the type must be S, N or B" in result.output
    assert "Traceback" not in result.output


def test_an_unemulated_resource_is_a_warning_or_with_strict_bindings_exits_2_before_running(tmp_path):
    machine = tmp_path / "m.asl.json"
    machine.write_text(json.dumps({"StartAt": "A", "States": {"A": {
        "Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun.sync", "Parameters": {}, "End": True}}}))
    result = CliRunner().invoke(main, ["aws", "execute", str(machine), "--aws-state", str(tmp_path / "s"),
                                       "--strict-bindings"])
    assert result.exit_code == 2
    assert "state 'A': resource 'arn:aws:states:::glue:startJobRun.sync' is not emulated" in result.output
    ran = CliRunner().invoke(main, ["aws", "execute", str(machine), "--aws-state", str(tmp_path / "s")])
    assert ran.exit_code == 1  # without --strict-bindings: a warning, and the Task fails when reached
    assert "aslrun: warning: state 'A': resource 'arn:aws:states:::glue:startJobRun.sync' is not emulated" in ran.output
    assert '"States.Runtime"' in ran.output


def test_a_token_sent_from_another_process_completes_the_waiting_task(tmp_path):
    state = tmp_path / "state"
    machine = tmp_path / "approve.asl.json"
    machine.write_text(json.dumps({"StartAt": "Ask", "States": {"Ask": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "TimeoutSeconds": 3600,
        "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/asks", "MessageBody": "?"},
        "End": True}}}))
    (tmp_path / "seed.json").write_text(json.dumps({"sqs": {"asks": {}}}))
    seeded = CliRunner().invoke(main, ["aws", "seed", str(tmp_path / "seed.json"), "--aws-state", str(state)])
    assert seeded.exit_code == 0, seeded.output  # (set-up, here; the run and the shells below are processes)
    command = [sys.executable, "-c", "from aslrun.cli import main; main()", "aws"]
    # not --json: that keeps stderr quiet, and the test waits for what the run says there
    running = subprocess.Popen(command + ["execute", str(machine), "--aws-state", str(state),
                                          "--wait-callbacks", "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        # the run says the task waits once it has listed its token: read up to that line (an event,
        # not a poll against a deadline); the pipe closes, ending the loop, if the run ends instead
        said = []
        for line in running.stderr:
            said.append(line)
            if line.startswith("aslrun: state 'Ask' waits for its task token"):
                break
        assert said and said[-1].startswith("aslrun: state 'Ask' waits for its task token (up to 60 s more)"), said
        listed = subprocess.run(command + ["callbacks", "--aws-state", str(state)], capture_output=True, text=True)
        assert listed.stdout.startswith("Ask\tAQ")
        # another shell sees the run: who writes the directory, what waits, what it changed so far
        shown = subprocess.run(command + ["show", "--aws-state", str(state)], capture_output=True, text=True)
        assert shown.stdout.splitlines()[:3] == [
            f"running now: process {running.pid} writes this state directory (its changes so far are shown)",
            f"  state 'Ask' waits for its task token: aslrun aws send-task-success --state Ask --output JSON "
            f"--aws-state {state}",
            "sqs queue asks: 1 message(s)"]
        subprocess.run(command + ["send-task-success", "--state", "Ask", "--output", '{"approved": true}',
                                  "--aws-state", str(state)], check=True, capture_output=True)
        out, _ = running.communicate(timeout=60)  # a guard only: the answer ends the run at once
    finally:
        running.kill()
    assert json.loads(out) == {"status": "SUCCEEDED", "output": {"approved": True}, "error": None, "cause": None}


def test_a_token_no_running_execution_waits_for_is_refused_at_once(tmp_path):
    state = tmp_path / "state"
    result = CliRunner().invoke(main, ["aws", "send-task-success", "--token", "AQnot-a-waiting-token",
                                       "--aws-state", str(state)])
    assert result.exit_code == 2
    assert "TaskDoesNotExist: no running 'aslrun aws execute" in result.output
    assert not (state / "callbacks" / "inbox").exists() or not any((state / "callbacks" / "inbox").iterdir())


def test_a_waiting_task_is_named_with_how_to_answer_it(tmp_path):
    machine = tmp_path / "ask.asl.json"
    machine.write_text(json.dumps({"StartAt": "Ask", "States": {"Ask": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "TimeoutSeconds": 60,
        "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/asks", "MessageBody": "?"},
        "End": True}}}))
    (tmp_path / "seed.json").write_text(json.dumps({"sqs": {"asks": {}}}))
    base = ["aws", "execute", str(machine), "--aws-seed", str(tmp_path / "seed.json"), "--aws-state", str(tmp_path / "s")]
    without = CliRunner().invoke(main, base)
    assert without.exit_code == 1 and '"States.Timeout"' in without.output
    assert ("aslrun: state 'Ask' waits for a task token, which nothing sends in this run: the timeout runs out "
            "now (--wait-callbacks SECONDS") in without.output
    waiting = CliRunner().invoke(main, [*base, "--wait-callbacks", "0.3"])
    assert "aslrun: state 'Ask' waits for its task token (up to 0.3 s more): from another shell, aslrun aws " \
           "send-task-success --state Ask --output JSON" in waiting.output


def _map_calling(path: Path, function: str, *, max_concurrency: int) -> Path:
    """A machine whose Map calls Lambda ``function`` for each of ``$.items``, written to ``path``."""
    path.write_text(json.dumps({"StartAt": "M", "States": {"M": {
        "Type": "Map", "MaxConcurrency": max_concurrency, "ItemsPath": "$.items", "End": True,
        "ItemProcessor": {"StartAt": "T", "States": {"T": {
            "Type": "Task", "End": True, "Resource": f"arn:aws:lambda:us-east-1:123456789012:function:{function}"}}}}}}))
    return path


def test_aws_execute_runs_a_maps_handlers_at_once_with_handler_threads(tmp_path):
    """--handler-threads 3: the Map's three iterations call their handler at once (it answers only
    when all three calls have arrived), on the local AWS's run."""
    machine = _map_calling(tmp_path / "meet.asl.json", "Meet", max_concurrency=3)
    folder = tmp_path / "calls"
    folder.mkdir()
    items = [{"n": n, "folder": str(folder), "expected": 3} for n in range(3)]
    result = CliRunner().invoke(main, ["aws", "execute", str(machine), "--aws-state", str(tmp_path / "s"), "--json",
                                       "--handler", "Meet=tests.helpers.worker_handlers.meet", "--handler-threads", "3",
                                       "--input", json.dumps({"items": items})])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == "SUCCEEDED" and [item["n"] for item in answer["output"]] == [0, 1, 2]


def test_aws_execute_with_handler_processes_keeps_what_the_workers_wrote_to_the_local_aws(tmp_path):
    """--handler-processes 2: each iteration's handler runs in a worker process and writes to S3 with
    boto3; the calls are made on the command's local AWS, so the state directory keeps the objects."""
    machine = _map_calling(tmp_path / "upload.asl.json", "Upload", max_concurrency=2)
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"s3": {"bucket-a": {}, "bucket-b": {}}}))
    state = tmp_path / "state"
    items = [{"bucket": bucket, "kib": 1} for bucket in ("bucket-a", "bucket-b")]
    result = CliRunner().invoke(main, ["aws", "execute", str(machine), "--aws-state", str(state), "--aws-seed",
                                       str(seed), "--json", "--handler", "Upload=tests.helpers.worker_handlers.s3_round_trip",
                                       "--handler-processes", "2", "--input", json.dumps({"items": items})])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == "SUCCEEDED", answer
    assert [item["keys"] for item in answer["output"]] == [["big.bin", "small.txt"]] * 2
    shown = json.loads(CliRunner().invoke(main, ["aws", "show", "--json", "--aws-state", str(state)]).output)
    assert {bucket: sorted(objects) for bucket, objects in shown["s3"].items()} == {
        "bucket-a": ["big.bin", "small.txt"], "bucket-b": ["big.bin", "small.txt"]}
    both = CliRunner().invoke(main, ["aws", "execute", str(machine), "--aws-state", str(state),
                                     "--handler-threads", "2", "--handler-processes", "2"])
    assert both.exit_code == 2 and "give --handler-threads or --handler-processes, not both" in both.output

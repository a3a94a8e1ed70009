"""One way of choosing the local AWS for every command that runs something (aslrun.cli.local_aws):
``--aws-seed`` (``--seed-file``, its earlier name), ``--aws-state``, ``--no-save`` and
``--wait-callbacks`` mean the same to ``aws execute``, ``debug``, ``test-state`` and ``report``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from aslrun.cli import main
from tests.helpers.local_aws import COUNTER_MACHINE, write_counter

@pytest.fixture
def files(tmp_path):
    write_counter(tmp_path)
    return tmp_path


def _stored_count(state: Path) -> str:
    shown = CliRunner().invoke(main, ["aws", "show", "--json", "--aws-state", str(state)])
    return json.loads(shown.output)["dynamodb"]["control"]["typed_items"][0]["n"]["N"]


def test_debug_runs_on_the_seeded_state_directory_and_keeps_what_it_changed(files):
    state = files / "state"
    done = CliRunner().invoke(main, ["debug", str(files / "count.asl.json"), "--aws-seed", str(files / "seed.yaml"),
                                     "--aws-state", str(state)], input="s\ndata Get\nr\nq\n")
    assert done.exit_code == 0, done.output
    assert '  afterResultSelector: {"count": 1}' in done.output
    assert "■ SUCCEEDED" in done.output
    assert _stored_count(state) == "2"
    again = CliRunner().invoke(main, ["aws", "execute", str(files / "count.asl.json"), "--aws-state", str(state),
                                      "--json"])
    assert again.exit_code == 0, again.output
    assert _stored_count(state) == "3"  # aws execute goes on from what the debug session left


def test_the_earlier_name_seed_file_still_works_and_is_not_listed(files, monkeypatch):
    monkeypatch.chdir(files)
    done = CliRunner().invoke(main, ["debug", "count.asl.json", "--seed-file", "seed.yaml"], input="r\nq\n")
    assert done.exit_code == 0, done.output
    assert _stored_count(files / ".aslrun/aws") == "2"  # the default state directory, as aws execute's
    executed = CliRunner().invoke(main, ["aws", "execute", "count.asl.json", "--seed-file", "seed.yaml", "--json"])
    assert executed.exit_code == 0, executed.output
    assert _stored_count(files / ".aslrun/aws") == "2"  # seeding again put n back to 1, the run made it 2
    for command in (["debug"], ["test-state"], ["report"], ["aws", "execute"]):
        shown = CliRunner().invoke(main, [*command, "--help"]).output
        assert "--aws-seed" in shown and "--aws-state" in shown and "--seed-file" not in shown, command


def test_no_save_only_reads_the_state_directory(files):
    state = files / "state"
    CliRunner().invoke(main, ["aws", "seed", str(files / "seed.yaml"), "--aws-state", str(state)])
    done = CliRunner().invoke(main, ["debug", str(files / "count.asl.json"), "--aws-state", str(state), "--no-save"],
                              input="r\nq\n")
    assert done.exit_code == 0, done.output
    assert _stored_count(state) == "1"


def test_without_a_local_aws_option_a_fresh_empty_one_is_used(files, monkeypatch):
    monkeypatch.chdir(files)
    done = CliRunner().invoke(main, ["debug", "count.asl.json"], input="r\nq\n")
    assert done.exit_code == 1
    assert "DynamoDB.ResourceNotFoundException" in done.output
    assert not (files / ".aslrun").exists()  # nothing kept anywhere


def test_the_fresh_local_aws_is_fresh_even_after_another_run_in_the_same_process(files, monkeypatch):
    """A local AWS an earlier run left active in this process (the in-memory one started on demand)
    holding the table: a command given no local-AWS option still runs on an empty one."""
    from aslrun import StateMachine
    from aslrun.localaws.emulator import current_aws

    earlier = current_aws()
    earlier.client("dynamodb").create_table(
        TableName="control", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    earlier.client("dynamodb").put_item(TableName="control", Item={"pk": {"S": "run"}, "n": {"N": "7"}})
    try:
        assert StateMachine(COUNTER_MACHINE).execute({}).status == "SUCCEEDED"  # the earlier run's table
        monkeypatch.chdir(files)
        done = CliRunner().invoke(main, ["debug", "count.asl.json"], input="r\nq\n")
        assert done.exit_code == 1, done.output
        assert "DynamoDB.ResourceNotFoundException" in done.output
    finally:
        earlier.stop()


def test_test_state_runs_a_task_on_the_local_aws(files):
    done = CliRunner().invoke(main, ["test-state", str(files / "count.asl.json"), "--state", "Get", "--aws-seed",
                                     str(files / "seed.yaml"), "--aws-state", str(files / "state"), "--json"])
    assert done.exit_code == 0, done.output
    answer = json.loads(done.output)
    assert (answer["status"], answer["output"], answer["nextState"]) == ("SUCCEEDED", '{"count":1}', "Put")


def test_report_runs_on_the_local_aws_and_refuses_it_with_a_saved_history(files):
    page = files / "report.html"
    done = CliRunner().invoke(main, ["report", str(files / "count.asl.json"), "--aws-seed", str(files / "seed.yaml"),
                                     "--aws-state", str(files / "state"), "--out", str(page)])
    assert done.exit_code == 0, done.output
    assert done.output == f"report of a SUCCEEDED execution written to {page}\n"
    assert _stored_count(files / "state") == "2"
    (files / "run.jsonl").write_text("")
    refused = CliRunner().invoke(main, ["report", str(files / "count.asl.json"), "--history", str(files / "run.jsonl"),
                                        "--aws-seed", str(files / "seed.yaml"), "--out", str(page)])
    assert refused.exit_code == 2
    assert "--history reports a saved run: the local AWS options are for running the machine" in refused.output


def test_debug_says_how_a_waiting_task_token_is_answered(files):
    machine = files / "approve.asl.json"
    machine.write_text(json.dumps({"StartAt": "Ask", "States": {"Ask": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "TimeoutSeconds": 60,
        "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/asks", "MessageBody": "?"},
        "End": True}}}))
    (files / "queue.json").write_text(json.dumps({"sqs": {"asks": {}}}))
    done = CliRunner().invoke(main, ["debug", str(machine), "--aws-seed", str(files / "queue.json"), "--aws-state",
                                     str(files / "state")], input="c\nq\n")
    assert done.exit_code == 1
    assert ("aslrun: state 'Ask' waits for a task token, which nothing sends in this run: the timeout runs out now "
            "(--wait-callbacks SECONDS waits for 'aslrun aws send-task-success' from another shell)") in done.output
    assert "■ FAILED" in done.output and "error: States.Timeout" in done.output

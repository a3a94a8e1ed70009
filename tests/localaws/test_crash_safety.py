"""Crash safety of a state directory: a process killed with SIGKILL at any point loses nothing the
local AWS acknowledged and applies nothing twice; one process at a time writes a directory.

Each crash happens in a child process (crash_child.py) that prints the state it had as a snapshot
and waits to be killed, or dies by os._exit at a chosen step; a fresh local AWS on the same directory
must then show exactly that state.

The child processes are forked by a zygote (crash_zygote.py): one process per test process (per
xdist worker) that has imported aslrun, moto, boto3 and the BUA handlers once, so that no case pays
for them again. A forked case runs crash_child.main as ``python crash_child.py ARGS`` would, in a
process of its own, which the test kills by its pid with SIGKILL, or which dies at its step, and
which the zygote reaps; ``ASLRUN_CRASH_CHILDREN=spawn`` runs each case in a fresh interpreter
instead. A real ``python -m aslrun`` command is run with subprocess. The fresh local AWS that checks
a directory runs in the test process, as before."""

from __future__ import annotations

import copy
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from aslrun import InputError
from aslrun.cli import main
from aslrun.localaws import LocalAws, current_aws, journal
from aslrun.localaws.journal import loads, read_journal
from aslrun.localaws.state_dir import JOURNAL_FILE, SEQUENCE, STATE_FILE, StateDirectoryBusy, read_snapshot
from crash_child import BASE, CASES, SAVE_POINTS  # (beside this file)
from crash_zygote import Child, Spawner, Zygote

Start = Callable[..., Child]


# -- child processes ------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def start() -> Iterator[Start]:
    """``start(*args)``: a child process running ``crash_child.main(args)``, forked by the zygote of
    this test process (or, with ASLRUN_CRASH_CHILDREN=spawn, a fresh ``python crash_child.py ARGS``).
    One zygote per session: tests of other modules in between (xdist) do not restart it."""
    children = Spawner() if os.environ.get("ASLRUN_CRASH_CHILDREN") == "spawn" else Zygote()
    with children:  # (at the end, any case still running is killed)
        yield children.start


def line_of(child: Child, timeout: float = 120) -> str:
    """The child's next line of output (it failed if there is none)."""
    line = child.readline(timeout)
    if not line:
        child.kill()
        pytest.fail(f"the child said nothing (exit {child.wait(60)}):\n{child.errors()}")
    return line


def kill_9(child: Child) -> None:
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait(60) == -signal.SIGKILL


def snapshot_from(line: str) -> dict[str, Any]:
    assert line.startswith("READY "), line
    return loads(line.removeprefix("READY "))  # type: ignore[no-any-return]


def loaded(directory: Path) -> dict[str, Any]:
    """The state a fresh local AWS loads from the directory (only reading it)."""
    with LocalAws(state_dir=directory, reset=True, autosave=False) as aws:
        return aws.snapshot()


@pytest.fixture(scope="module")
def _base_saved(tmp_path_factory) -> tuple[Path, dict[str, Any]]:
    """A directory holding BASE, saved by a clean exit (a snapshot, an empty journal), and its state:
    made once for the module, since every test that starts from BASE saved starts from the same."""
    directory = tmp_path_factory.mktemp("base-saved")
    with LocalAws(state_dir=directory, reset=True) as aws:
        aws.seed(BASE)
        snapshot = aws.snapshot()
    return directory, snapshot


@pytest.fixture
def seeded(_base_saved) -> Callable[[Path], dict[str, Any]]:
    """``seeded(directory)``: BASE in the directory, saved by a clean exit (a copy of the module's
    directory, file for file); returns its state."""

    def _seeded(directory: Path) -> dict[str, Any]:
        saved, snapshot = _base_saved
        shutil.copytree(saved, directory, dirs_exist_ok=True)
        return copy.deepcopy(snapshot)

    return _seeded


def assert_clean_after_a_writer(directory: Path, expected: dict[str, Any]) -> None:
    """A writer loads the directory and exits cleanly: the same state, all in the snapshot, no file
    under objects/ that it does not name."""
    with LocalAws(state_dir=directory, reset=True):
        pass
    assert loaded(directory) == expected
    assert (directory / JOURNAL_FILE).read_bytes() == b""
    state = json.loads((directory / STATE_FILE).read_text())
    named = {body["file"] for objects in state.get("s3", {}).values() for body in objects.values()}
    kept = {p.relative_to(directory / "objects").as_posix() for p in (directory / "objects").rglob("*") if p.is_file()}
    assert kept == named


# -- (a) every kind of change, killed right after its call returned -------------------------------------

@pytest.mark.parametrize("case", sorted(CASES))
def test_a_change_survives_kill_9_right_after_its_call_returned(tmp_path, start, case, seeded):
    before = seeded(tmp_path)
    child = start("change", tmp_path, case)
    expected = snapshot_from(line_of(child))
    kill_9(child)
    assert (expected != before) == (case != "sqs-receive-only")  # each case changes something
    assert loaded(tmp_path) == expected
    assert_clean_after_a_writer(tmp_path, expected)


@pytest.mark.parametrize("case", ["ddb-update", "sqs-delete", "sns-publish", "s3-overwrite", "s3-delete",
                                  "delete-bucket"])
def test_a_change_survives_kill_9_when_everything_is_in_the_journal(tmp_path, start, case):
    """No snapshot at all: the same process seeded BASE (journaled) before the change."""
    child = start("change", tmp_path, case, "base")
    expected = snapshot_from(line_of(child))
    kill_9(child)
    assert not (tmp_path / STATE_FILE).exists()
    assert loaded(tmp_path) == expected
    assert_clean_after_a_writer(tmp_path, expected)


def test_received_but_undeleted_messages_are_visible_again_after_a_restart(tmp_path, start, seeded):
    seeded(tmp_path)
    child = start("change", tmp_path, "sqs-receive-only")  # two of the three messages in flight
    line_of(child)
    kill_9(child)
    with LocalAws(state_dir=tmp_path, reset=True) as aws:
        sqs = aws.client("sqs")
        url = sqs.get_queue_url(QueueName="work")["QueueUrl"]
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        assert sorted(m["Body"] for m in received) == ["first", "third", '{"site":"S1"}']


@pytest.mark.parametrize("point, body", [("before-entry", "id\n1\n"), ("before-rename", "id\n2\n")])
def test_an_object_is_either_as_before_or_as_written_never_half(tmp_path, start, point, body, seeded):
    """Killed between staging the new bytes and their entry: the old object; between the entry and
    the rename into place: the new one (the next load finishes the rename)."""
    seeded(tmp_path)
    child = start("object-crash", tmp_path, point)
    assert child.wait(timeout=120) == 9
    with LocalAws(state_dir=tmp_path, reset=True, autosave=False) as aws:
        assert aws.object_text("data-bucket", "in/a.csv") == body
    with LocalAws(state_dir=tmp_path, reset=True) as aws:
        assert aws.object_text("data-bucket", "in/a.csv") == body
        assert (tmp_path / "objects" / "data-bucket" / "in" / "a.csv").read_text() == body
    assert not list((tmp_path / "objects").glob(".incoming/*"))


# -- the clean exit's save, interrupted at each step ----------------------------------------------------

@pytest.mark.parametrize("point", SAVE_POINTS)
def test_a_crash_at_any_step_of_the_save_loses_nothing_and_replays_nothing_twice(tmp_path, start, point,
                                                                                 monkeypatch):
    child = start("save-crash", tmp_path, point)
    expected = snapshot_from(line_of(child))
    assert child.wait(timeout=120) == 9
    entries = [entry["seq"] for entry in read_journal(tmp_path / JOURNAL_FILE).entries]
    included = read_snapshot(tmp_path).get(SEQUENCE, 0)
    replayed: list[int] = []
    replay = journal.replay
    monkeypatch.setattr(journal, "replay", lambda aws, changes, *args, **kwargs: (
        replayed.extend(change["seq"] for change in changes), replay(aws, changes, *args, **kwargs))[1])

    assert loaded(tmp_path) == expected
    if point in ("before-commit", "mid-commit"):  # the old state (none) and the whole journal
        assert included == 0 and replayed == entries and len(entries) > 20
    elif point == "after-commit":  # the new snapshot; the journal's entries, all in it, are skipped
        assert included == entries[-1] and replayed == []
    else:  # the journal was emptied
        assert included > 0 and entries == [] and replayed == []
    assert_clean_after_a_writer(tmp_path, expected)


def test_a_torn_last_line_was_never_acknowledged_and_is_dropped(tmp_path):
    with LocalAws(state_dir=tmp_path, reset=True) as aws:
        aws.seed({"s3": {"torn-bucket": {}}})
        aws.put_object("torn-bucket", "kept.txt", "kept")
        expected = aws.snapshot()
        aws.stop(save=False)  # as if killed: all in the journal
    with open(tmp_path / JOURNAL_FILE, "ab") as torn:
        torn.write(b'{"seq":99,"change":"object_del')  # the process died while writing this line
    assert loaded(tmp_path) == expected
    with LocalAws(state_dir=tmp_path, reset=True) as aws:  # the writer cuts it off, then appends
        aws.put_object("torn-bucket", "later.txt", "later")
        aws.stop(save=False)
    assert [e["change"] for e in read_journal(tmp_path / JOURNAL_FILE).entries][-1] == "object"
    assert sorted(loaded(tmp_path)["s3"]["torn-bucket"]) == ["kept.txt", "later.txt"]


@pytest.mark.parametrize("damage, message", [
    (lambda text: text.replace('"seq":2,', '"seq":"two",', 1), "line 2 is not a journal entry"),
    (lambda text: text.replace('{"seq":1,', '{"seq":5,', 1), "line 2 is not a journal entry (entry 2 after entry 5)"),
    (lambda text: text.split("\n", 1)[1], "its entries start at 2 but state.json includes entries up to 0 only"),
])
def test_a_damaged_journal_is_a_clear_error(tmp_path, damage, message):
    with LocalAws(state_dir=tmp_path, reset=True) as aws:
        aws.seed({"s3": {"journal-bucket": {}}})
        aws.put_object("journal-bucket", "a.txt", "a")
        aws.stop(save=False)
    path = tmp_path / JOURNAL_FILE
    path.write_text(damage(path.read_text()))
    refused = LocalAws(state_dir=tmp_path, reset=True)
    with pytest.raises(InputError, match="journal.jsonl") as raised:
        refused.start()
    assert message in str(raised.value)
    assert not refused.active and current_aws(start=False) is not refused  # the refused start left nothing running


# -- concurrent runs: one writer per directory ---------------------------------------------------------

def test_a_second_writer_is_refused_naming_the_directory_and_the_process(tmp_path, start):
    state = tmp_path / "state"
    holder = start("hold", state)
    pid = int(line_of(holder).split()[1])
    assert pid == holder.pid
    try:
        second = LocalAws(state_dir=state, reset=True)
        with pytest.raises(StateDirectoryBusy) as refused:
            second.start()
        assert str(refused.value) == (f"the local AWS state directory {state} is in use by process {pid} (another "
                                      "'aslrun aws' run, or an 'aslrun serve --state-dir' that keeps its local AWS "
                                      "there?): wait for it to finish, or use another directory (--aws-state)")
        assert not second.active and current_aws(start=False) is not second
        machine = tmp_path / "m.asl.json"
        machine.write_text(json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}))
        seed = tmp_path / "seed.json"
        seed.write_text(json.dumps({"s3": {"other-bucket": {}}}))
        for command in (["execute", str(machine)], ["seed", str(seed)], ["reset"]):
            result = CliRunner().invoke(main, ["aws", *command, "--aws-state", str(state)])
            assert result.exit_code == 2, result.output
            assert f"is in use by process {pid}" in result.output and "Traceback" not in result.output
        shown = CliRunner().invoke(main, ["aws", "show", "--aws-state", str(state)])  # reading needs no lock
        assert shown.exit_code == 0 and "s3 bucket held-bucket: 1 object(s)" in shown.output
        ran = subprocess.run([sys.executable, "-m", "aslrun", "aws", "execute", str(machine), "--aws-state", str(state)],
                             capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False)
        assert ran.returncode == 2 and "Traceback" not in ran.stderr
        assert ran.stderr.strip() == f"aslrun: {refused.value}"
    finally:
        kill_9(holder)
    with LocalAws(state_dir=state, reset=True) as aws:  # killed, the holder let go; what it wrote is kept
        assert aws.object_text("held-bucket", "k.txt") == "written by the holder"


def test_two_writers_in_one_process_are_refused_too(tmp_path):
    with LocalAws(state_dir=tmp_path, reset=True) as writer:
        writer.put_object("one-bucket", "k", "v")
        with pytest.raises(StateDirectoryBusy, match=f"in use by process {os.getpid()}"):
            LocalAws(state_dir=tmp_path).start()
        assert current_aws(start=False) is writer
    assert loaded(tmp_path)["s3"] == {"one-bucket": {"k": "v"}}


def test_a_reader_that_saves_refuses_to_overwrite_what_changed_since_it_loaded(tmp_path, start, seeded):
    seeded(tmp_path)
    with LocalAws(state_dir=tmp_path, reset=True, autosave=False) as reader:
        reader.put_object("data-bucket", "by-reader.txt", "x")
        writer = start("change", tmp_path, "s3-put")  # another process writes the directory meanwhile
        line_of(writer)
        kill_9(writer)
        with pytest.raises(InputError, match="changed since it was loaded"):
            reader.save()
    assert sorted(loaded(tmp_path)["s3"]["data-bucket"]) == ["in/a.csv", "in/b.bin", "out/c.csv"]
    with LocalAws(state_dir=tmp_path, reset=True, autosave=False) as reader:
        reader.put_object("data-bucket", "by-reader.txt", "x")
        reader.save()  # nothing changed since it loaded: saved
    assert "by-reader.txt" in loaded(tmp_path)["s3"]["data-bucket"]


# -- (b) the BUA pipeline killed between stages, then run again ----------------------------------------

def bua_run(start: Start, directory: Path, event: dict[str, Any], pause: str | None = None) -> Child:
    (directory / "event.json").write_text(json.dumps(event))
    return start("bua", directory / "aws", directory / "event.json", *([pause] if pause else []))


def finished(child: Child) -> dict[str, Any]:
    line = line_of(child, timeout=300)
    returncode = child.wait(timeout=60)
    assert line.startswith("DONE ") and returncode == 0, line
    outcome: dict[str, Any] = json.loads(line.removeprefix("DONE "))
    assert outcome["status"] == "SUCCEEDED", outcome
    return outcome


def bua_results(directory: Path, event: dict[str, Any]) -> dict[str, Any]:
    """What a BUA run leaves: the control record (typed), the CSV objects in S3, the CSV files, and a
    digest of the run database's results."""
    from fixtures.bua.aws import CONTROL_TABLE, EXPORT_BUCKET, INTEGRATION_BUCKET
    from fixtures.bua.cases import run_fingerprint

    with LocalAws(state_dir=directory / "aws", reset=True, autosave=False) as aws:
        record, = aws.table_items(CONTROL_TABLE, typed=True)
        objects = {(bucket, key): aws.object_bytes(bucket, key) for bucket in (EXPORT_BUCKET, INTEGRATION_BUCKET)
                   for key in aws.describe()["s3"][bucket]}
    out = Path(event["config"]["output_dir"])
    files = {path.relative_to(out).as_posix(): path.read_bytes() for path in sorted(out.rglob("*.csv"))}
    return {"record": record, "objects": objects, "files": files,
            "database": run_fingerprint(event["db"], event["config"]["output_dir"])}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, start) -> dict[str, Any]:
    from fixtures.bua.cases import cases_event

    directory = tmp_path_factory.mktemp("bua-uninterrupted")
    event = cases_event(directory)
    outcome = finished(bua_run(start, directory, event))
    return {"outcome": outcome, **bua_results(directory, event)}


@pytest.mark.parametrize("pause, stages_done", [("1", 1), ("4", 4), ("8", 8), ("4+received", 4)])
def test_a_bua_run_killed_after_some_stages_resumes_without_running_them_again(tmp_path, start, uninterrupted,
                                                                               pause, stages_done):
    """Killed (SIGKILL) right after the control record says N stages SUCCEEDED, or while the next
    stage's batch is in flight, then run again: only the stages not finished run, and the exports,
    the CSV files, the run database and the control record are the uninterrupted run's."""
    from fixtures.bua.cases import cases_event
    from handlers.bua.control import STAGES

    event = cases_event(tmp_path)
    killed = bua_run(start, tmp_path, event, pause)
    assert line_of(killed, timeout=300) == "PAUSED"
    kill_9(killed)
    resumed = finished(bua_run(start, tmp_path, event))
    assert list(resumed["started"]) == list(STAGES[stages_done:])  # no finished stage starts again

    results = bua_results(tmp_path, event)
    assert results["objects"] == uninterrupted["objects"] and len(results["objects"]) == 4
    assert results["files"] == uninterrupted["files"] and len(results["files"]) == 3
    assert results["database"] == uninterrupted["database"]
    # the control record, attribute by attribute, byte for byte; a stage run again names its new
    # execution (on AWS every execution has a name of its own)
    record, reference = results["record"], uninterrupted["record"]
    assert sorted(record) == sorted(reference)
    for name, value in reference.items():
        stage = name if name in STAGES else None
        if stage is not None and stage in resumed["started"]:
            assert record[stage]["M"]["execution"] == {"S": resumed["started"][stage]}
            value = {"M": {**value["M"], "execution": record[stage]["M"]["execution"]}}
        assert json.dumps(record[name], sort_keys=True) == json.dumps(value, sort_keys=True), name


def test_a_forked_worker_does_not_write_the_journal_of_its_parent(tmp_path):
    """Forked workers (a distributed Map's) change their own copy of moto's state: never the journal."""
    with LocalAws(state_dir=tmp_path, reset=True) as aws:
        aws.put_object("fork-bucket", "parent.txt", "p")
        before = (tmp_path / JOURNAL_FILE).read_bytes()
        pid = os.fork()
        if pid == 0:  # the worker
            try:
                aws.client("s3").put_object(Bucket="fork-bucket", Key="worker.txt", Body=b"w")
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        assert (tmp_path / JOURNAL_FILE).read_bytes() == before
    assert loaded(tmp_path)["s3"] == {"fork-bucket": {"parent.txt": "p"}}


def test_a_call_the_sdk_refuses_is_refused_as_before_and_journals_nothing(tmp_path):
    from botocore.exceptions import ParamValidationError

    with LocalAws(state_dir=tmp_path, reset=True) as aws:
        aws.seed({"sqs": ["refusals"]})
        before = (tmp_path / JOURNAL_FILE).read_bytes()
        with pytest.raises(ParamValidationError):
            aws.client("sqs").delete_message(ReceiptHandle="x")  # no QueueUrl
        with pytest.raises(ParamValidationError):
            aws.client("sns").unsubscribe()
        with pytest.raises(aws.client("sqs").exceptions.QueueDoesNotExist):
            aws.client("sqs").send_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/123456789012/nope",
                                           MessageBody="x")
        assert (tmp_path / JOURNAL_FILE).read_bytes() == before

"""Child executions inside a debugging session: stepping into a stage started with
``startExecution.sync:2`` and out of it, a distributed Map's item executions, a child started
without waiting, breakpoints per machine (and the "did you mean" refusal), errors inside a child,
and what ``where`` / ``data`` / ``vars`` / ``context`` / ``mock`` / ``restart`` do there.

The machines are tests/debug/fixtures/nested: ``pipeline`` runs ``stage`` (RunStage, .sync:2),
a distributed Map ``Fan`` over [1, 2] (one at a time), and ``stage`` again without waiting (Notify).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from aslrun import StateMachine
from aslrun.debug import DebugSession
from aslrun.errors import AslrunError

NESTED = Path(__file__).resolve().parent / "fixtures" / "nested"


def _handlers():
    spec = importlib.util.spec_from_file_location("stage_handlers", NESTED / "stage_handlers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.HANDLERS


def _session(job="paint"):
    machine = StateMachine.from_file(NESTED / "pipeline.asl.json")
    return DebugSession(machine, {"job": job}, handlers=_handlers(), clock_start="2024-01-01T00:00:00Z", frozen=True)


@pytest.fixture
def session():
    return _session()


def where(session):
    if session.finished:
        return session.execution.status
    return (session.branch_of(session.paused), session.paused.name)


def to(session, state):
    """Step until paused before ``state`` at the top level."""
    while where(session) != ("", state):
        session.resume("step")


def test_step_on_a_sync_task_enters_the_child_at_its_first_state(session):
    to(session, "RunStage")
    session.resume("step")
    assert where(session) == ("stage", "Begin")
    assert session.paused.data == {"job": "paint"}
    child = session.paused.frame.execution
    assert (child.name, child.state_machine_name, child.parent) == ("stage-run", "stage", session.execution)
    assert session.context()["Execution"]["Name"] == "stage-run"
    assert session.context()["Execution"]["Input"] == {"job": "paint"}
    assert session.context()["State"] == {"Name": "Begin", "EnteredTime": "2024-01-01T00:00:00.000Z"}
    session.resume("step")
    assert where(session) == ("stage", "Work")
    assert session.variables() == {"phase": "begun"}  # the child's own variables
    visit, stages = session.stages()
    assert (visit.name, stages["output"]) == ("Begin", {"job": "paint"})
    assert [e.type for e in session.here().events] == ["ExecutionStarted", "PassStateEntered", "PassStateExited"]


def test_where_shows_the_stack_of_executions(session):
    to(session, "RunStage")
    session.resume("step")
    session.resume("step")
    levels = session.stack()
    assert [(level.machine, level.execution_name, level.state, level.type, level.branch, level.item)
            for level in levels] == [
        ("pipeline", session.execution.name, "RunStage", "Task", "", None),
        ("stage", "stage-run", "Work", "Task", "", None)]


def test_out_finishes_the_child_and_returns_to_the_parent(session):
    to(session, "RunStage")
    session.resume("step")
    session.resume("out")
    assert where(session) == ("", "Fan")
    assert session.paused.data["stage"] == {"made": "paint!"}
    assert session.paused.frame.execution is session.execution
    assert session.execution.children[0].status == "SUCCEEDED"


def test_next_runs_the_child_whole(session):
    to(session, "RunStage")
    session.resume("next")
    assert where(session) == ("", "Fan")
    assert session.paused.data["stage"] == {"made": "paint!"}


def test_step_past_the_childs_last_state_goes_on_in_the_parent(session):
    to(session, "RunStage")
    for expected in [("stage", "Begin"), ("stage", "Work"), ("stage", "Finish"), ("", "Fan")]:
        session.resume("step")
        assert where(session) == expected


def test_step_on_a_distributed_map_enters_each_item_execution(session):
    to(session, "Fan")
    session.resume("step")
    assert where(session) == ("Fan[0]", "Double")
    assert session.paused.data == 1
    assert session.paused.frame.execution.state_machine_name == "pipeline/Fan"
    levels = session.stack()
    assert [(level.machine, level.state, level.type, level.item) for level in levels] == [
        ("pipeline", "Fan", "Map", None), ("pipeline/Fan", "Double", "Pass", 0)]
    session.resume("step")
    assert where(session) == ("Fan[0]", "Finish")
    assert session.stages()[1]["output"] == {"n": 2}
    session.resume("step")
    assert where(session) == ("Fan[1]", "Double")  # the next item's execution starts when this one ends
    assert session.paused.data == 2
    session.resume("out")
    assert where(session) == ("", "Notify")
    assert session.paused.data["doubled"] == [2, 4]


def test_next_runs_a_distributed_map_whole(session):
    to(session, "Fan")
    session.resume("next")
    assert where(session) == ("", "Notify")
    assert session.paused.data["doubled"] == [2, 4]


def test_a_child_started_without_waiting_is_stepped_into_and_its_parent_runs_beside_it(session):
    to(session, "Notify")
    session.resume("step")
    assert where(session) == ("stage", "Begin")
    assert session.paused.frame.execution.name == "stage-notify"
    session.resume("step")
    assert where(session) == ("stage", "Work")
    assert session.execution.status == "SUCCEEDED"  # the parent did not wait for it
    assert not session.finished  # a child is still paused
    session.resume("out")
    assert session.finished
    assert [child.status for child in session.execution.children] == ["SUCCEEDED", "SUCCEEDED"]
    assert session.execution.children[1].output == {"made": "notify!"}


def test_breakpoints_in_any_machine_or_in_one(session):
    assert session.add_breakpoint("stage:Finish") == "stage:Finish"
    session.resume("continue")
    assert where(session) == ("stage", "Finish")
    assert session.paused.frame.execution.name == "stage-run"
    session.resume("continue")
    assert where(session) == ("stage", "Finish")
    assert session.paused.frame.execution.name == "stage-notify"
    session.resume("continue")
    assert session.finished

    other = _session()
    other.add_breakpoint("Finish")  # the stage's Finish and the Map's Finish (a state of pipeline)
    seen = []
    while not other.finished:
        other.resume("continue")
        if not other.finished:
            seen.append(where(other))
    assert seen == [("stage", "Finish"), ("Fan[0]", "Finish"), ("Fan[1]", "Finish"), ("stage", "Finish")]

    third = _session()
    third.add_breakpoint("pipeline:Finish")
    third.resume("continue")
    assert where(third) == ("Fan[0]", "Finish")


@pytest.mark.parametrize("spec, message", [
    ("Wrok", "no state named 'Wrok' in any machine of this run (did you mean 'Work'?)"),
    ("stage:Wrok", "stage has no state named 'Wrok' (did you mean 'Work'?)"),
    ("stgae:Work", "no state machine named 'stgae' (did you mean 'stage'?) (the machines of this run: pipeline, stage)"),
    ("Nowhere", "no state named 'Nowhere' in any machine of this run"),
])
def test_a_breakpoint_no_machine_has_is_refused(session, spec, message):
    with pytest.raises(AslrunError) as refused:
        session.add_breakpoint(spec)
    assert str(refused.value) == message
    assert session.breakpoints == set()


def test_an_error_inside_a_child_breaks(session):
    failing = _session("refuse")
    failing.break_on_errors = True
    failing.resume("continue")
    error = failing.error_hit
    assert (error.type, error.details["error"]) == ("LambdaFunctionFailed", "JobRefused")
    assert failing.state_of(error) == "Work"
    assert failing.error_place() == "stage"
    assert where(failing) == ("", "Recover")  # the child failed; the parent's Catch went on to Recover
    assert failing.paused.data["error"]["Error"] == "States.TaskFailed"


def test_an_error_filter_lets_other_errors_pass(session):
    failing = _session("refuse")
    failing.break_on_errors = True
    failing.error_filter = {"States.Timeout"}
    failing.resume("continue")
    assert failing.finished and failing.error_hit is None


def test_input_and_mock_work_in_a_child(session):
    to(session, "RunStage")
    session.resume("step")
    session.set_input({"job": "sand"})
    session.resume("step")
    assert session.paused.data == {"job": "sand"}
    session.mock_next({"made": "mocked"})
    session.resume("out")
    assert where(session) == ("", "Fan")
    assert session.paused.data["stage"] == {"made": "mocked"}


def test_restart_from_a_childs_state_runs_that_machine_alone(session):
    to(session, "RunStage")
    session.resume("step")
    session.resume("step")
    assert where(session) == ("stage", "Work")
    session.restart("Work")
    assert session.root_machine.name == "stage"
    assert where(session) == ("", "Work")
    assert session.paused.data == {"job": "paint"}
    assert session.variables() == {"phase": "begun"}  # what Work saw in the child
    session.resume("run")
    assert session.execution.output == {"made": "paint!"}
    session.restart("stage:Work", {"job": "glue"})
    session.resume("run")
    assert session.execution.output == {"made": "glue!"}
    session.restart()
    assert session.root_machine.name == "pipeline"
    assert where(session) == ("", "Prepare")


# -- the console and the command line ------------------------------------------------------------


def _transcript(session, script):
    import io

    from rich.console import Console

    from aslrun.debug.console import DebuggerConsole

    out = io.StringIO()
    console = DebuggerConsole(session, console=Console(file=out, highlight=False, width=200, no_color=True, soft_wrap=True),
                              stdin=io.StringIO(script), stdout=out)
    console.cmdloop()
    return out.getvalue()


def test_a_piped_session_through_a_child_and_a_map_item(session):
    out = _transcript(session, "break stage:Work\nc\nwhere\ndata\nvars\nhistory 3\nout\ns\nwhere\nbreak stage:Wrok\n"
                               "break\nq\n")
    name = session.execution.name
    assert "(aslrun) c\n⏸ before Work (Task) in stage\n  input: {\"job\": \"paint\"}\n" in out
    assert ("stack (outermost first):\n"
            f"  pipeline (execution {name}) at RunStage (Task)\n"
            "    └ stage (execution stage-run) at Work (Task) ⏸\n") in out
    assert "(aslrun) data\nstage > Begin (Pass) succeeded\n  input: {\"job\": \"paint\"}\n" in out
    assert "(aslrun) vars\n  $phase = \"begun\"\n" in out
    assert "(aslrun) history 3\n     1 ExecutionStarted\n     2 PassStateEntered 'Begin'\n" \
           "     3 PassStateExited 'Begin'\n" in out
    assert "(aslrun) out\n⏸ before Fan (Map)\n" in out
    assert "(aslrun) s\n⏸ before Double (Pass) in Fan[0]\n  input: 1\n" in out
    stack = out.split("(aslrun) where")[2].split("stack (outermost first):\n")[1].splitlines()
    assert stack[0] == f"  pipeline (execution {name}) at Fan (Map)"
    assert stack[1].startswith("    └ pipeline/Fan (execution ") and stack[1].endswith(", item 0) at Double (Pass) ⏸")
    assert "(aslrun) break stage:Wrok\n✗ stage has no state named 'Wrok' (did you mean 'Work'?)\n" in out
    assert "(aslrun) break\nbreakpoints: stage:Work; errors: off\n" in out


def test_an_error_in_a_child_is_shown_with_the_machine_it_happened_in():
    out = _transcript(_session("refuse"), "break --errors\nc\nq\n")
    after = out.split("(aslrun) c\n")[1].splitlines()
    assert after[0].startswith('⚠ LambdaFunctionFailed in Work of stage: JobRefused: {"errorMessage": "job refuse refused"')
    assert after[1] == "⏸ before Recover (Pass)"


def test_the_command_line_refuses_a_breakpoint_no_machine_has(tmp_path):
    from click.testing import CliRunner

    from aslrun.cli import main

    for name in ("pipeline.asl.json", "stage.asl.json", "stage_handlers.py"):
        (tmp_path / name).write_bytes((NESTED / name).read_bytes())
    result = CliRunner().invoke(main, ["debug", str(tmp_path / "pipeline.asl.json"), "--handlers",
                                       str(tmp_path / "stage_handlers.py"), "--break", "stage:Wrok"], input="q\n")
    assert result.exit_code == 2
    assert result.output == "aslrun: --break: stage has no state named 'Wrok' (did you mean 'Work'?)\n"
    result = CliRunner().invoke(main, ["debug", str(tmp_path / "pipeline.asl.json"), "--handlers",
                                       str(tmp_path / "stage_handlers.py"), "--break", "stage:Finish",
                                       "--input", '{"job": "paint"}'], input="c\nc\nc\nq\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("⏸ before Finish (Pass) in stage\n") == 2
    assert "■ SUCCEEDED after" in result.output


def test_children_of_children_are_named_and_stacked_all_the_way_up():
    machine = StateMachine.from_file(NESTED / "outer.asl.json")
    session = DebugSession(machine, {"job": "paint"}, handlers=_handlers(), clock_start="2024-01-01T00:00:00Z",
                           frozen=True)
    assert session.add_breakpoint("pipeline:Double") == "pipeline:Double"
    assert session.add_breakpoint("stage:Work") == "stage:Work"  # a machine two levels down
    session.resume("continue")
    assert where(session) == ("pipeline > stage", "Work")
    session.resume("continue")
    assert where(session) == ("pipeline > Fan[0]", "Double")
    assert [(level.machine, level.execution_name if level.item is None else "-", level.state, level.item)
            for level in session.stack()] == [
        ("outer", session.execution.name, "RunPipeline", None), ("pipeline", "pipeline-run", "Fan", None),
        ("pipeline/Fan", "-", "Double", 0)]
    session.resume("out")
    assert where(session) == ("pipeline > Fan[1]", "Double")  # the breakpoint, in the next item
    session.resume("run")
    assert session.finished and session.execution.output == "SUCCEEDED"

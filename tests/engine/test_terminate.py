"""An execution ended from outside (AWS ends the executions of a state machine being deleted): it
fails at its next state transition with the error and cause it was given."""

from __future__ import annotations

from aslrun import StateMachine

DEFINITION = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": True}}}


def test_a_terminated_execution_fails_with_the_given_error_and_cause(frozen):
    execution = StateMachine(DEFINITION).start({"n": 1}, clock=frozen())
    execution.terminate("States.Runtime", "the state machine was deleted")
    execution.run()
    assert (execution.status, execution.error, execution.cause) == (
        "FAILED", "States.Runtime", "the state machine was deleted")
    assert execution.history.states_entered() == []  # ended before its first state
    assert execution.history.events()[-1].type == "ExecutionFailed"


def test_the_termination_reads_as_its_error_and_cause():
    from aslrun.engine.runner import ExecutionTerminated

    ended = ExecutionTerminated("States.Runtime", "deleted")
    assert (str(ended), ended.error, ended.cause) == ("States.Runtime: deleted", "States.Runtime", "deleted")

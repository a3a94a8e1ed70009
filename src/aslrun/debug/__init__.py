"""The step debugger and single-state testing.

* :class:`DebugSession`: an execution paused before a state, moved on by step / next / out /
  continue / run, into and out of the child executions it starts (startExecution, distributed
  Map items), with breakpoints on states (of any machine, or ``machine:State``) and errors, the data at each stage of a state's input
  and output processing, the context object, the variables in reach, and restarts from a state
  with an edited input (``aslrun debug`` drives it from a terminal: :mod:`aslrun.debug.console`);
* :func:`run_test_state`: run one state of a machine with a given input, as AWS's TestState API does
  (``aslrun test-state``).
"""

from .inspector import Inspector
from .session import DebugSession, Position
from .single_state import TestStateResult, run_test_state

__all__ = ["DebugSession", "Inspector", "Position", "TestStateResult", "run_test_state"]

"""aslrun: run AWS Step Functions state machines (Amazon States Language) locally, in-process.

    from aslrun import StateMachine
    execution = StateMachine.from_file("machine.asl.json").execute({"x": 1}, handlers={...})
"""

from .bindings import Bindings
from .engine.clock import SystemClock, VirtualClock
from .engine.execution import Execution
from .errors import AslrunError, BindingError, DefinitionError, InputError, StatesError, UnboundResourceWarning
from .history import Event, History
from .integrations.shared_events import EventChangedError, reads_event_only
from .machine import StateMachine

__version__ = "0.1.0"

__all__ = [
    "AslrunError",
    "BindingError",
    "Bindings",
    "DefinitionError",
    "Event",
    "EventChangedError",
    "Execution",
    "History",
    "InputError",
    "StateMachine",
    "StatesError",
    "SystemClock",
    "UnboundResourceWarning",
    "VirtualClock",
    "reads_event_only",
]

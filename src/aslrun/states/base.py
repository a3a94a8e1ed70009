"""What every state has: a name, a transition, history event names, and its data flow.

A state's ``execute(frame, raw_input)`` returns ``(output, next_state_name)`` (``None`` ends the
branch) or raises :class:`~aslrun.errors.StatesError`. States that must wait (Wait, Task, Map,
Parallel) set ``blocking = True`` and implement ``execute`` as a generator that yields scheduler
commands and *returns* that pair. The runner around them records the entered/exited events and
applies Retry/Catch; a state only records the events inside it (``TaskScheduled``, ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from ..engine.recovery import Catcher, Retrier
    from .compile import Builder

__all__ = ["State"]


class State:
    type: ClassVar[str] = ""
    blocking: ClassVar[bool] = False
    #: history event recorded when the state is left (Fail states have none)
    has_exit_event: ClassVar[bool] = True
    #: whether the state's output can be larger than its input (then the payload limit is checked)
    grows_data: ClassVar[bool] = False
    #: whether the state may have Retry (then ``$$.State.RetryCount`` exists)
    can_retry: ClassVar[bool] = False
    #: the history event recorded when the state fails for good (after its retries), if any
    final_failure_event: ClassVar[str | None] = None
    #: whether AWS evaluates the state's fields in the step that enters it (see Frame.enter)
    evaluates_on_entry: ClassVar[bool] = True

    def __init__(self, name: str, spec: dict[str, Any], build: Builder) -> None:
        self.name = name
        self.spec = spec
        self.next: str | None = spec.get("Next")
        self.query_language: str = spec.get("QueryLanguage", build.query_language)
        self.entered_event = f"{self.type}StateEntered"
        self.exited_event = f"{self.type}StateExited"
        self.aborted_event = f"{self.type}StateAborted"
        self.retriers: tuple[Retrier, ...] = ()
        self.catchers: tuple[Catcher, ...] = ()
        #: the query language's data flow (InputPath ... OutputPath, or Arguments/Output/Assign)
        self.io: Any = build.io(self, spec)

    def __repr__(self) -> str:
        return f"<{self.type} state {self.name!r}>"

    @property
    def recoverable(self) -> bool:
        return bool(self.retriers or self.catchers)

    def execute(self, frame: Any, raw_input: Any) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

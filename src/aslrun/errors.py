"""Every exception aslrun raises, in one place.

    AslrunError                      anything aslrun reports to its user
    ├── DefinitionError              the definition is malformed (carries every problem at once)
    ├── InputError                   the execution input is not usable JSON
    ├── BindingError                 a Task resource has no handler / emulation (found before the run)
    └── StatesError                  an ASL error inside a run: ``error`` + ``cause``; Retry/Catch match
                                     it by name; an uncaught one fails the execution

``StatesError`` is data, not a crash: states raise it, the engine turns it into history events and
an execution outcome. Any other exception escaping a state is a bug in aslrun and is allowed to
surface with its traceback.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AslrunError",
    "BindingError",
    "DefinitionError",
    "InputError",
    "StatesError",
    "UnboundResourceWarning",
    "runtime_error",
]


class AslrunError(Exception):
    """Base class of the errors aslrun reports to its user."""


class DefinitionError(AslrunError):
    """A state machine definition failed to load or validate.

    ``problems`` lists every problem found (each has ``location``, ``message`` and ``code``), so a
    user fixes them all in one pass.
    """

    def __init__(self, problems: list[Any], *, source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        where = f" in {source}" if source else ""
        lines = [f"{len(self.problems)} problem{'' if len(self.problems) == 1 else 's'}{where}:"]
        lines += [f"  {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class InputError(AslrunError):
    """The execution input (or another user-supplied JSON document) could not be used."""


class BindingError(AslrunError):
    """A Task resource is bound to nothing: no handler, no mock, no local emulation."""


class UnboundResourceWarning(UserWarning):
    """Before a run: a Task's resource is bound to nothing. The run goes on; a Task that reaches it fails
    as AWS fails it (``Lambda.ResourceNotFoundException``, else ``States.Runtime``), so untaken branches
    may stay unbound, as mock-config suites leave them (``strict_bindings=True`` makes it an error)."""


class StatesError(AslrunError):
    """An ASL runtime error: what Retry/Catch see and what a failed execution reports.

    ``error`` is the error name (``States.Timeout``, ``Lambda.ResourceNotFoundException``, a
    handler's exception class name...), ``cause`` the human text (or ``None``).

    When ``in_state`` is true the engine prefixes the cause with AWS's locator
    ``An error occurred while executing the state 'X' (entered at the event id #N). `` - the form
    AWS uses for ``States.Runtime``, ``States.QueryEvaluationError`` and similar engine-raised
    errors.
    """

    def __init__(self, error: str | None, cause: str | None = None, *, in_state: bool = False,
                 location: str | None = None) -> None:
        self.error = error
        self.cause = cause
        self.in_state = in_state
        self.location = location  # the field that failed to evaluate (JSONata), for EvaluationFailed
        super().__init__(f"{error}: {cause}" if cause else str(error))


def runtime_error(detail: str) -> StatesError:
    """A ``States.Runtime`` error whose cause the engine locates in the failing state."""
    return StatesError("States.Runtime", detail, in_state=True)

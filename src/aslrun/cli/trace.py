"""The readable, coloured trace ``aslrun execute`` prints: the states taken, what each changed, the end.

Events stream in as they happen (a long run shows progress). For each state it shows:

* the state, its type, and for a Task what it calls (``lambda:invoke ValidateMeterReading``,
  ``dynamodb:putItem``), with the attempt number when a Retry runs it again;
* what the state changed, not its whole output: the fields it set or changed at the top of the data
  (``$.usage = {...}``), ``(unchanged)``, or the new value when the data is not an object;
* failures with their error and cause.

Inside Map iterations and Parallel branches only failures are shown unless ``--verbose`` (then each
iteration's number too); the summary counts what was hidden. The final output is kept to a screen on
a terminal (``--json``, ``-v`` or ``--history FILE`` give all of it).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from rich.console import Console
from rich.markup import escape

__all__ = ["Trace"]

_MAX_VALUE = 100  # characters of one value shown
_MAX_FIELDS = 4  # changed fields shown per state
_SCREEN_LINES = 40  # lines of the final output shown on a terminal


def _short(value: Any, limit: int = _MAX_VALUE) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def changes(before: Any, after: Any) -> str:
    """What a state did to its data, in a line: the top-level fields set, changed or removed."""
    if after == before:
        return "(unchanged)"
    if not (isinstance(before, dict) and isinstance(after, dict)) or not any(
            key in before and before[key] == value for key, value in after.items()):
        return _short(_essence(after))  # the state replaced its data (no ResultPath): its new data
    parts = [f"{_path(key)} = {_short(_essence(value), 60)}" for key, value in after.items()
             if key not in before or before[key] != value]
    parts += [f"{_path(key)} removed" for key in before if key not in after]
    if len(parts) > _MAX_FIELDS:
        parts = parts[:_MAX_FIELDS] + [f"… {len(parts) - _MAX_FIELDS} more"]
    return ", ".join(parts)


def _essence(value: Any) -> Any:
    """A Lambda invoke result shown by its Payload (the SDK metadata beside it is the same each time)."""
    if isinstance(value, dict) and "Payload" in value and ("SdkHttpMetadata" in value or "StatusCode" in value):
        return {"Payload": value["Payload"]}
    return value


def _path(key: str) -> str:
    return f"$.{key}" if key.isidentifier() else f"$[{json.dumps(key, ensure_ascii=False)}]"


def _called(details: dict[str, Any]) -> str:
    """``lambda:invoke ValidateMeterReading``, ``dynamodb:putItem``, or the function of a bare ARN."""
    resource_type, resource = details.get("resourceType"), details.get("resource")
    if resource_type is None:  # LambdaFunctionScheduled: the function's ARN
        return f"lambda {str(resource).rsplit(':function:', 1)[-1]}"
    called = f"{resource_type}:{resource}"
    parameters = details.get("parameters")
    function = parameters.get("FunctionName") if isinstance(parameters, dict) else None
    if isinstance(function, str):
        called += " " + function.rsplit(":function:", 1)[-1].split(":", 1)[0]
    return called


def _message_of(cause: Any) -> str | None:
    """A Lambda error document's ``errorMessage`` (the rest is its stack), else the cause as it is."""
    if isinstance(cause, str) and cause.startswith("{"):
        try:
            document = json.loads(cause)
        except ValueError:
            return cause
        if isinstance(document, dict) and isinstance(document.get("errorMessage"), str):
            return str(document["errorMessage"])
    return cause


def _clip(text: str, limit: int = 2 * _MAX_VALUE) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Trace:
    def __init__(self, *, verbose: bool = False, console: Console | None = None) -> None:
        self.console = console or Console(highlight=False, soft_wrap=True)
        self.verbose = verbose
        self.nested = Counter[str]()
        self._inputs: dict[int, Any] = {}  # a state's entered event id -> its input
        self._attempts: dict[int, int] = {}  # a state's entered event id -> resource calls so far
        self._previous: dict[int, int] = {}  # event id -> the id of the event before it on its branch
        #: the last failure on the way (kind, state, error, whole message): a run that fails later, at a
        #: Fail state a Catch led to, says only the Fail state's words; this says what went wrong first
        self._last_failure: tuple[str, str | None, Any, str | None] | None = None

    def on_event(self, event: Any) -> None:
        self._previous[event.id] = event.previous_id
        kind = event.type
        details = event.details
        indent = "  " * (event.depth + 1)
        show = self.verbose or event.depth == 0
        if kind == "ExecutionStarted":
            self.console.print(f"[bold]▶ execution started[/] input {escape(_short(details.get('input')))}")
        elif kind.endswith("StateEntered"):
            self._inputs[event.id] = details.get("input")
            if event.depth:
                self.nested["states"] += 1
            if show:
                state_type = kind[: -len("StateEntered")]
                self.console.print(f"{indent}[cyan]{escape(details['name'])}[/] [dim]({state_type})[/]")
        elif kind.endswith("StateExited"):
            entered = self._entered_id(event)
            before = self._inputs.pop(entered, None)
            self._attempts.pop(entered, None)
            if show:
                self.console.print(f"{indent}  [dim]→[/] {escape(changes(before, details.get('output')))}")
        elif kind == "MapIterationStarted":
            self.nested["iterations"] += 1
            if self.verbose:
                self.console.print(f"{indent}[dim]iteration {details.get('index')}[/]")
        elif kind.endswith("Failed") or kind.endswith("TimedOut"):
            if kind.startswith("Execution"):
                return
            self._failure(indent, kind, details)
        elif kind in ("TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled") and show:
            entered = self._entered_id(event)
            attempt = self._attempts[entered] = self._attempts.get(entered, 0) + 1
            again = f" (attempt {attempt})" if attempt > 1 else ""
            called = _called(details) if kind != "ActivityScheduled" else f"activity {details.get('resource')}"
            self.console.print(f"{indent}  [dim]calls {escape(called)}{again}[/]")

    def _failure(self, indent: str, kind: str, details: dict[str, Any]) -> None:
        error, cause = details.get("error"), _message_of(details.get("cause"))
        if error is not None or cause is not None:  # (MapIterationFailed, a MapStateFailed of a limit: no details)
            self._last_failure = (kind, details.get("name"), error, cause)
        where = f"{escape(details['name'])} " if "name" in details else ""
        said = escape(str(error)) if error is not None else "(no error name)"
        self.console.print(f"{indent}  [red]✗ {kind}[/] {where}{said}{': ' + escape(_clip(cause)) if cause else ''}")

    def _entered_id(self, event: Any) -> int:
        """The entered event of the state an event belongs to: followed back through the links each
        event has to the one before it on its own branch (so Parallel branches do not mix)."""
        current = event.previous_id
        while current and current not in self._inputs:
            current = self._previous.get(current, 0)
        return current

    def summary(self, execution: Any) -> None:
        console = self.console
        status = execution.status
        elapsed = ""
        if execution.start_time is not None and execution.stop_time is not None:
            from ..report.durations import duration

            elapsed = f" after {duration(execution.stop_time - execution.start_time)} (clock)"
        nested = ""
        if self.nested and not self.verbose:
            hidden = [_plural(self.nested[key], word) for key, word in
                      (("iterations", "Map iteration"), ("states", "nested state")) if self.nested[key]]
            nested = f" ({', '.join(hidden)}; -v shows them)"
        colour = {"SUCCEEDED": "green", "FAILED": "red", "TIMED_OUT": "yellow"}.get(status, "white")
        console.print(f"[bold {colour}]■ {status}[/]{elapsed}, {_plural(len(execution.history), 'event')}{nested}")
        if status == "SUCCEEDED":
            self._output(execution.output)
        elif status == "FAILED":
            error = execution.error
            console.print(f"[red]error[/] {escape(str(error)) if error is not None else '(no error name)'}")
            if execution.cause is not None:
                console.print(f"[red]cause[/] {escape(str(execution.cause))}")
            self._caught_earlier(execution)

    def _caught_earlier(self, execution: Any) -> None:
        """The failure a Catch took on the way to the failed end, whole (the trace line clips it)."""
        if self._last_failure is None:
            return
        kind, where, error, cause = self._last_failure
        if error == execution.error and (cause is None or cause == _message_of(execution.cause)):
            return  # the same failure ended the run: already said
        said = escape(str(error)) if error is not None else "(no error name)"
        place = f" in {escape(where)}" if where else ""
        self.console.print(f"[red]caught earlier[/] {kind}{place}: {said}{': ' + escape(cause) if cause else ''}")

    def _output(self, output: Any) -> None:
        text = json.dumps(output, ensure_ascii=False, indent=2)
        lines = text.splitlines()
        if self.verbose or not self.console.is_terminal or len(lines) <= _SCREEN_LINES:
            self.console.print_json(text)
            return
        self.console.print(escape("\n".join(lines[:_SCREEN_LINES])))
        self.console.print(f"[dim]… {_plural(len(lines) - _SCREEN_LINES, 'more line')} of output "
                           "(--json, -v or --history FILE show all of it)[/]")

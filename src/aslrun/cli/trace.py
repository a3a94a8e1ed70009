"""The readable, coloured trace ``aslrun execute`` prints: the states taken, their outputs, the end.

Events stream in as they happen (a long run shows progress). Inside Map iterations and Parallel
branches only failures are shown unless ``--verbose``; a summary counts them.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from rich.console import Console
from rich.markup import escape

__all__ = ["Trace"]

_MAX_VALUE = 160


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"


class Trace:
    def __init__(self, *, verbose: bool = False, console: Console | None = None) -> None:
        self.console = console or Console(highlight=False)
        self.verbose = verbose
        self.nested = Counter[str]()

    def on_event(self, event: Any) -> None:
        kind = event.type
        details = event.details
        indent = "  " * (event.depth + 1)
        show = self.verbose or event.depth == 0
        if kind == "ExecutionStarted":
            self.console.print(f"[bold]▶ execution started[/] input {escape(_short(details.get('input')))}")
        elif kind.endswith("StateEntered"):
            if event.depth:
                self.nested["states"] += 1
            if show:
                state_type = kind[: -len("StateEntered")]
                self.console.print(f"{indent}[cyan]{escape(details['name'])}[/] [dim]({state_type})[/]")
        elif kind.endswith("StateExited"):
            if show:
                self.console.print(f"{indent}  [dim]→[/] {escape(_short(details.get('output')))}")
        elif kind in ("MapIterationStarted",):
            self.nested["iterations"] += 1
        elif kind.endswith("Failed") or kind.endswith("TimedOut"):
            if kind.startswith("Execution"):
                return
            error = details.get("error")
            cause = details.get("cause")
            where = f"{escape(details['name'])} " if "name" in details else ""
            self.console.print(f"{indent}  [red]✗ {kind}[/] {where}{escape(str(error))}"
                               f"{': ' + escape(_short(cause)) if cause else ''}")
        elif kind in ("TaskScheduled", "LambdaFunctionScheduled") and show:
            resource = details.get("resource")
            self.console.print(f"{indent}  [dim]calls {escape(str(resource))}[/]")

    def summary(self, execution: Any) -> None:
        console = self.console
        status = execution.status
        elapsed = ""
        if execution.start_time is not None and execution.stop_time is not None:
            elapsed = f" after {execution.stop_time - execution.start_time:.3f} s (clock)"
        nested = ""
        if self.nested and not self.verbose:
            nested = (f" ({self.nested['iterations']} Map iterations, {self.nested['states']} nested states; "
                      "-v shows them)")
        colour = {"SUCCEEDED": "green", "FAILED": "red", "TIMED_OUT": "yellow"}.get(status, "white")
        console.print(f"[bold {colour}]■ {status}[/]{elapsed}, {len(execution.history)} events{nested}")
        if status == "SUCCEEDED":
            console.print_json(json.dumps(execution.output, ensure_ascii=False))
        elif status == "FAILED":
            console.print(f"[red]error[/] {escape(str(execution.error))}")
            if execution.cause is not None:
                console.print(f"[red]cause[/] {escape(str(execution.cause))}")

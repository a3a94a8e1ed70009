"""Assertions on an execution, with failure messages that show what happened.

    check = expect(execution)
    check.succeeded().output({"total": 42}).path(["Validate", "Price", "Bill"])
    check.ran("Price", times=2)              # Price called its resource twice (a retry)
    check.state_input("Bill", {"total": 42})
    assert check.output_of("Price") == {...}

Every failed assertion raises ``AssertionError`` whose message says what was expected, what was
found, and the path the execution took, each state with its input and output (the failing state's
error and cause): the first thing one looks for when a workflow test fails. The queries
(``path``, ``input_of``, ``runs_of``...) read the history, through :mod:`aslrun.report.visits`.

pytest leaves this module's frames out of a failure's traceback (``__tracebackhide__``): the report
points at the test's line, and the message says the rest (``--full-trace`` shows them all).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, NoReturn

from ..report.visits import Visit, read_visits

__all__ = ["ExecutionCheck", "expect"]

__tracebackhide__ = True  # pytest: a failed assertion is reported at the test's own line

_SHOWN = 200  # characters of a value shown in a message


def expect(execution: Any) -> ExecutionCheck:
    """Assertions on a finished execution (``StateMachine.execute(...)`` or ``start(...).run()``); given
    the checks already made (``run_machine``, ``aslrun_runner.run``), those."""
    if isinstance(execution, ExecutionCheck):  # wrapping it again would lose the machine's state names
        return execution
    return ExecutionCheck(execution)


class ExecutionCheck:
    """A finished execution, with queries over its history and chainable assertions."""

    def __init__(self, execution: Any) -> None:
        self.execution = execution
        self._names: set[str] | None = None  # the machine's state names, read when first needed
        self._visits: list[Visit] | None = None

    def __repr__(self) -> str:
        return f"<ExecutionCheck {self.execution!r}>"

    # -- plain facts -----------------------------------------------------------------------------

    @property
    def status(self) -> str:
        return str(self.execution.status)

    @property
    def output(self) -> Any:
        return self.execution.output

    @property
    def error(self) -> str | None:
        return self.execution.error  # type: ignore[no-any-return]

    @property
    def cause(self) -> str | None:
        return self.execution.cause  # type: ignore[no-any-return]

    @property
    def history(self) -> Any:
        return self.execution.history

    @property
    def visits(self) -> list[Visit]:
        """Every state entered, in order (nested states included)."""
        if self._visits is None:
            self._visits = read_visits(self.execution.history)
        return self._visits

    @property
    def path(self) -> list[str]:
        """The top-level states entered, in order."""
        return [v.name for v in self.visits if v.depth == 0]

    @property
    def full_path(self) -> list[str]:
        """Every state entered, nested ones (Map iterations, Parallel branches) included."""
        return [v.name for v in self.visits]

    def visits_of(self, state: str) -> list[Visit]:
        self._require_state(state)
        return [v for v in self.visits if v.name == state]

    def _require_state(self, state: str) -> None:
        """Fail when the machine has no state of that name: an assertion about it (``not_visited("Typo")``)
        would pass without proving anything."""
        known = self._state_names()
        if known is not None and state not in known:
            import difflib

            close = difflib.get_close_matches(state, sorted(known), n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            self.fail(f"the state machine has no state '{state}'{hint}: an assertion about it would prove "
                      f"nothing (its states: {', '.join(sorted(known))})")

    def _state_names(self) -> set[str] | None:
        if self._names is None:
            program = getattr(self.execution, "program", None)
            self._names = {state.name for state in program.walk()} if program is not None else set()
        return self._names or None

    def runs_of(self, state: str) -> int:
        """How often a Task state called its resource (retries count) across all its visits."""
        return sum(v.attempts for v in self.visits_of(state))

    def entries_of(self, state: str) -> int:
        return len(self.visits_of(state))

    def input_of(self, state: str, visit: int = -1) -> Any:
        """The input ``state`` received (its last visit by default; ``visit=0`` the first)."""
        return self._visit(state, visit).input

    def output_of(self, state: str, visit: int = -1) -> Any:
        """The output ``state`` produced (None when it did not complete)."""
        return self._visit(state, visit).output

    def error_of(self, state: str, visit: int = -1) -> tuple[str | None, str | None]:
        found = self._visit(state, visit)
        return found.error, found.cause

    def _visit(self, state: str, visit: int) -> Visit:
        found = self.visits_of(state)
        if not found:
            self.fail(f"state '{state}' was never entered")
        try:
            return found[visit]
        except IndexError:
            self.fail(f"state '{state}' was entered {len(found)} time(s); there is no visit {visit}")

    # -- assertions (each returns self, to chain) ------------------------------------------------

    def succeeded(self) -> ExecutionCheck:
        return self.has_status("SUCCEEDED")

    def timed_out(self) -> ExecutionCheck:
        return self.has_status("TIMED_OUT")

    def has_status(self, expected: str) -> ExecutionCheck:
        if self.status != expected:
            self.fail(f"expected status {expected}, got {self.status}")
        return self

    def failed(self, error: str | None = None, cause: str | None = None, *,
               cause_contains: str | None = None) -> ExecutionCheck:
        """The execution failed (with this error / cause, when given)."""
        self.has_status("FAILED")
        if error is not None and self.error != error:
            self.fail(f"expected error {error!r}, got {self.error!r}")
        if cause is not None and self.cause != cause:
            self.fail(f"expected cause {cause!r}, got {self.cause!r}")
        if cause_contains is not None and cause_contains not in (self.cause or ""):
            self.fail(f"expected the cause to contain {cause_contains!r}, got {self.cause!r}")
        return self

    def has_output(self, expected: Any) -> ExecutionCheck:
        """The execution's output equals ``expected``."""
        if self.status != "SUCCEEDED":
            self.fail(f"expected output {_short(expected)}, but the execution did not succeed ({self.status})")
        if self.output != expected:
            self.fail(f"output differs\n  expected: {_short(expected)}\n  got:      {_short(self.output)}"
                      + _difference(expected, self.output))
        return self

    def output_includes(self, subset: Any) -> ExecutionCheck:
        """Every key of ``subset`` (recursively, arrays item by item, of the same length) is in the
        output with that value."""
        mismatch = _subset_mismatch(subset, self.output, "$")
        if mismatch:
            self.fail(f"output does not include {_short(subset)}: {mismatch}\n  output: {_short(self.output)}")
        return self

    def took_path(self, expected: Sequence[str], *, nested: bool = False) -> ExecutionCheck:
        """The states entered, in order: top-level ones, or all (``nested=True``)."""
        found = self.full_path if nested else self.path
        if list(found) != list(expected):
            self.fail(f"path differs\n  expected: {list(expected)}\n  got:      {found}")
        return self

    def visited(self, *states: str) -> ExecutionCheck:
        missing = [s for s in states if not self.visits_of(s)]
        if missing:
            self.fail(f"expected {missing} to be entered, but they never were")
        return self

    def not_visited(self, *states: str) -> ExecutionCheck:
        entered = [s for s in states if self.visits_of(s)]
        if entered:
            self.fail(f"expected {entered} never to be entered, but they were", focus=entered[0])
        return self

    def ran(self, state: str, times: int) -> ExecutionCheck:
        """``state`` (a Task) called its resource ``times`` times in all, retries included."""
        runs = self.runs_of(state)
        if runs != times:
            self.fail(f"expected Task '{state}' to run {times} time(s), it ran {runs} time(s) "
                      f"(entered {self.entries_of(state)} time(s))", focus=state)
        return self

    def entered(self, state: str, times: int) -> ExecutionCheck:
        count = self.entries_of(state)
        if count != times:
            self.fail(f"expected '{state}' to be entered {times} time(s), it was entered {count} time(s)", focus=state)
        return self

    def state_input(self, state: str, expected: Any, visit: int = -1) -> ExecutionCheck:
        found = self.input_of(state, visit)
        if found != expected:
            self.fail(f"input of '{state}' differs\n  expected: {_short(expected)}\n  got:      {_short(found)}",
                      focus=state)
        return self

    def state_output(self, state: str, expected: Any, visit: int = -1) -> ExecutionCheck:
        chosen = self._visit(state, visit)
        if chosen.exited is None:
            self.fail(f"'{state}' produced no output: it ended {chosen.status}", focus=state)
        if chosen.output != expected:
            self.fail(f"output of '{state}' differs\n  expected: {_short(expected)}\n  got:      "
                      f"{_short(chosen.output)}", focus=state)
        return self

    def state_failed(self, state: str, error: str | None = None, visit: int = -1) -> ExecutionCheck:
        """``state`` reported an error (caught, retried or fatal), with this error name when given."""
        chosen = self._visit(state, visit)
        if not chosen.failures and chosen.type != "Fail":
            self.fail(f"expected '{state}' to fail, it ended {chosen.status}", focus=state)
        if error is not None and chosen.error != error and not (chosen.type == "Fail" and self.error == error):
            self.fail(f"expected '{state}' to fail with {error!r}, it failed with {chosen.error!r}", focus=state)
        return self

    # -- messages --------------------------------------------------------------------------------

    def fail(self, message: str, *, focus: str | None = None) -> NoReturn:
        raise AssertionError(f"{message}\n{self.describe(focus=focus)}")

    def describe(self, *, focus: str | None = None) -> str:
        """The execution in a few lines: status, error, and the path with inputs and outputs."""
        lines = [f"execution {self.execution.name}: {self.status}"]
        if self.error is not None or self.cause is not None:
            lines.append(f"  error: {self.error}")
            if self.cause:
                lines.append(f"  cause: {_clip(self.cause)}")
        if self.status == "SUCCEEDED":
            lines.append(f"  output: {_short(self.output)}")
        lines.append("path taken:")
        visits = self.visits
        if not visits:
            lines.append("  (no state was entered)")
        for visit in visits[:60]:
            mark = {"SUCCEEDED": "✓", "CAUGHT": "↪", "FAILED": "✗", "ABORTED": "⊘", "RUNNING": "…"}[visit.status]
            runs = f" ×{visit.attempts} calls" if visit.attempts > 1 else ""
            lines.append(f"  {'  ' * visit.depth}{mark} {visit.where.split(' > ')[-1]} ({visit.type}){runs}")
            detailed = focus == visit.name or visit.status in ("FAILED", "CAUGHT") or len(visits) <= 12
            if detailed:
                pad = "  " * visit.depth + "      "
                lines.append(f"{pad}input:  {_short(visit.input)}")
                if visit.exited is not None:
                    lines.append(f"{pad}output: {_short(visit.output)}")
                if visit.error is not None:
                    lines.append(f"{pad}error:  {visit.error}: {_clip(visit.cause or '')}")
        if len(visits) > 60:
            lines.append(f"  ... {len(visits) - 60} more states")
        return "\n".join(lines)


def _short(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    except (TypeError, ValueError):
        text = repr(value)
    return _clip(text)


def _clip(text: str) -> str:
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _difference(expected: Any, found: Any) -> str:
    """The first place two JSON values differ, as a path (empty when they are equal)."""
    where = _first_difference(expected, found, "$")
    return f"\n  first difference at {where}" if where else ""


def _first_difference(expected: Any, found: Any, path: str) -> str | None:
    if isinstance(expected, dict) and isinstance(found, dict):
        for key in expected:
            if key not in found:
                return f"{path}.{key} (missing)"
            inner = _first_difference(expected[key], found[key], f"{path}.{key}")
            if inner:
                return inner
        extra = [k for k in found if k not in expected]
        return f"{path}.{extra[0]} (unexpected)" if extra else None
    if isinstance(expected, list) and isinstance(found, list):
        for index, (a, b) in enumerate(zip(expected, found)):
            inner = _first_difference(a, b, f"{path}[{index}]")
            if inner:
                return inner
        return f"{path} (length {len(expected)} vs {len(found)})" if len(expected) != len(found) else None
    if expected != found or type(expected) is not type(found) and not (
            isinstance(expected, (int, float)) and isinstance(found, (int, float))):
        return f"{path}: expected {_short(expected)}, got {_short(found)}"
    return None


def _subset_mismatch(subset: Any, found: Any, path: str) -> str | None:
    if isinstance(subset, dict):
        if not isinstance(found, dict):
            return f"{path} is {_short(found)}, not an object"
        for key, value in subset.items():
            if key not in found:
                return f"{path}.{key} is missing"
            inner = _subset_mismatch(value, found[key], f"{path}.{key}")
            if inner:
                return inner
        return None
    if isinstance(subset, list):  # item by item: a Map's outputs, each with more keys than checked
        if not isinstance(found, list):
            return f"{path} is {_short(found)}, not an array"
        if len(found) != len(subset):
            return f"{path} has {len(found)} item(s), expected {len(subset)}: {_short(found)}"
        for index, (value, item) in enumerate(zip(subset, found)):
            inner = _subset_mismatch(value, item, f"{path}[{index}]")
            if inner:
                return inner
        return None
    if subset != found or (type(subset) is bool) != (type(found) is bool):  # (JSON's true is not 1)
        return f"{path} is {_short(found)}, expected {_short(subset)}"
    return None

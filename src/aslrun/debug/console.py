"""The terminal front of the step debugger: a command loop over a :class:`DebugSession`.

Plain ``cmd`` reads the commands (``input()`` on a terminal, lines from a pipe otherwise, so a
session can be scripted); ``rich`` prints. Each command is a method ``do_<name>``; ``help`` lists
them. When the input is not a terminal the commands are echoed after the prompt, so a scripted
session's output reads like a transcript.
"""

from __future__ import annotations

import cmd
import json
import shlex
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape

from ..errors import AslrunError
from .session import DebugSession

__all__ = ["DebuggerConsole"]

_MAX_SHOWN = 2000


def _json(value: Any, indent: int | None = 2) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + " …"


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise AslrunError(f"not JSON: {exc.msg} at column {exc.colno}") from None


class DebuggerConsole(cmd.Cmd):
    intro = ""
    prompt = "(aslrun) "

    def __init__(self, session: DebugSession, *, console: Console | None = None, stdin: TextIO | None = None,
                 stdout: TextIO | None = None) -> None:
        stdin = stdin or sys.stdin
        super().__init__(stdin=stdin, stdout=stdout or sys.stdout)
        self.session = session
        self.out = console or Console(highlight=False, file=stdout or sys.stdout, soft_wrap=True)
        self.interactive = stdin.isatty()
        self.use_rawinput = stdin is sys.stdin  # input() (line editing) on the terminal; a given stream is read

    # -- loop plumbing ----------------------------------------------------------------------------

    def preloop(self) -> None:
        self.out.print(f"[bold]aslrun debug[/] {escape(self.session.machine.source or self.session.machine.name)} "
                       "- [dim]help lists the commands; s step, n next, c continue, q quit[/]")
        self.show_position()

    def precmd(self, line: str) -> str:
        if not self.interactive and line != "EOF":
            self.out.print(f"[dim]{escape(line)}[/]")  # a transcript of a scripted session
        return line

    def onecmd(self, line: str) -> bool:
        try:
            return super().onecmd(line)
        except AslrunError as exc:
            self.out.print(f"[red]✗ {escape(str(exc))}[/]")
        return False

    def emptyline(self) -> bool:
        return False  # unlike pdb, an empty line does not repeat the last command

    def default(self, line: str) -> None:
        self.out.print(f"[red]✗ unknown command {escape(line.split()[0])!r}[/] (help lists the commands)")

    def do_EOF(self, arg: str) -> bool:
        """End the session (end of input)."""
        if self.interactive:
            self.out.print()
        return True

    def do_quit(self, arg: str) -> bool:
        """quit (q): end the session."""
        return True

    do_q = do_quit

    # -- moving -----------------------------------------------------------------------------------

    def _move(self, mode: str) -> bool:
        session = self.session
        if session.finished:
            self.out.print("[yellow]the execution has ended[/]: restart (from a state) to run again")
            return False
        with self._pause_on_interrupt():
            session.resume(mode)
        self.show_position()
        return False

    @contextmanager
    def _pause_on_interrupt(self) -> Iterator[None]:
        """While the execution runs, Ctrl-C pauses it at the next state (twice: stop the session)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = signal.getsignal(signal.SIGINT)

        def interrupted(signum: int, frame: Any) -> None:
            if self.session.mode == "pause":
                raise KeyboardInterrupt
            self.session.request_pause()
            self.out.print("[yellow]pausing at the next state (Ctrl-C again to stop)[/]")

        signal.signal(signal.SIGINT, interrupted)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)

    def do_step(self, arg: str) -> bool:
        """step (s): run the paused state; pause before the next one of this branch, or the first
        one of a Map iteration / Parallel branch / child execution that starts."""
        return self._move("step")

    def do_next(self, arg: str) -> bool:
        """next (n): run the paused state (all of a Map, Parallel or child execution); pause before
        the next one."""
        return self._move("next")

    def do_out(self, arg: str) -> bool:
        """out (o): run to the end of this Map iteration / Parallel branch / child execution; pause
        where its parent goes on."""
        return self._move("out")

    def do_continue(self, arg: str) -> bool:
        """continue (c): run until a breakpoint (or an error, after break --errors), or the end."""
        return self._move("continue")

    def do_run(self, arg: str) -> bool:
        """run (r): run to the end, ignoring breakpoints."""
        return self._move("run")

    do_s, do_n, do_o, do_c, do_r = do_step, do_next, do_out, do_continue, do_run

    # -- breakpoints ------------------------------------------------------------------------------

    def do_break(self, arg: str) -> bool:
        """break STATE: pause before STATE (any branch, any machine; MACHINE:STATE: in that machine
        only). break --errors [ERROR...]: pause after an error (any, or these names; in child
        executions too). break: list the breakpoints."""
        session = self.session
        arg = arg.strip()
        if not arg:
            names = ", ".join(sorted(session.breakpoints)) or "none"
            errors = "off" if not session.break_on_errors else (", ".join(sorted(session.error_filter)) or "all")
            self.out.print(f"breakpoints: {escape(names)}; errors: {escape(errors)}")
            return False
        if arg.startswith("--errors"):
            session.break_on_errors = True
            session.error_filter = set(shlex.split(arg[len("--errors"):]))
            self.out.print(f"will pause after {'errors ' + ', '.join(sorted(session.error_filter)) if session.error_filter else 'any error'}")
            return False
        name = session.add_breakpoint(arg)
        self.out.print(f"breakpoint before [cyan]{escape(name)}[/]")
        return False

    def do_delete(self, arg: str) -> bool:
        """delete STATE | --errors | --all: remove breakpoints."""
        session = self.session
        arg = arg.strip()
        if arg == "--all":
            session.breakpoints.clear()
            session.break_on_errors = False
        elif arg == "--errors":
            session.break_on_errors = False
        elif arg in session.breakpoints:
            session.breakpoints.discard(arg)
        else:
            raise AslrunError(f"no breakpoint on {arg!r}")
        self.out.print("deleted")
        return False

    do_b = do_break

    # -- looking ----------------------------------------------------------------------------------

    def do_input(self, arg: str) -> bool:
        """input: the input the paused state will receive. input JSON: replace it."""
        session = self.session
        if session.paused is None:
            raise AslrunError("not paused before a state")
        if arg.strip():
            session.set_input(_parse_json(arg))
            self.out.print(f"input of [cyan]{escape(session.paused.name)}[/] replaced")
        else:
            self.out.print(escape(_json(session.paused.data)))
        return False

    do_i = do_input

    def do_data(self, arg: str) -> bool:
        """data [[MACHINE:]STATE]: each stage of the last run of STATE (default: the state just
        finished) in the execution paused in (or the ones around it): input, afterInputPath,
        afterParameters, result, afterResultSelector, afterResultPath, output (JSONata: afterArguments)."""
        session = self.session
        watched, visit, stages = session.stages_in(arg.strip() or None)
        if visit is None or watched is None:
            raise AslrunError(f"no finished state {arg.strip()!r}" if arg.strip() else "no state has finished yet")
        place = session.execution_label(watched)
        where = f"{place} > {visit.where}" if place else visit.where
        self.out.print(f"[bold]{escape(where)}[/] ({visit.type}) {visit.status.lower()}")
        if not stages:
            self.out.print("[dim](no stages recorded: it ran where the debugger does not look, e.g. a "
                           "distributed Map's child execution)[/]")
        for name, value in stages.items():
            self.out.print(f"  [green]{name}[/]: {escape(_json(value, None))}")
        if visit.error:
            self.out.print(f"  [red]error[/]: {escape(visit.error)}: {escape(visit.cause or '')}")
        return False

    do_d = do_data

    def do_context(self, arg: str) -> bool:
        """context (ctx): the context object ($$) as the paused state sees it."""
        self.out.print(escape(_json(self.session.context())))
        return False

    do_ctx = do_context

    def do_vars(self, arg: str) -> bool:
        """vars: the workflow variables in reach of the paused branch."""
        values = self.session.variables()
        if not values:
            self.out.print("[dim](no variables)[/]")
        for name, value in values.items():
            self.out.print(f"  ${escape(name)} = {escape(_json(value, None))}")
        return False

    def do_history(self, arg: str) -> bool:
        """history [N]: the last N history events of the execution paused in (default 20; 'all')."""
        events = self.session.here().events
        count = len(events) if arg.strip() == "all" else int(arg or 20)
        for event in events[-count:]:
            name = event.details.get("name")
            extra = ""
            if "error" in event.details:
                extra = f" {event.details['error']}: {event.details.get('cause') or ''}"
            elif "index" in event.details:
                extra = f" #{event.details['index']}"
            self.out.print(f"  {event.id:>4} {'  ' * event.depth}{event.type}"
                           f"{' ' + escape(repr(name)) if name else ''}{escape(extra[:160])}")
        return False

    def do_where(self, arg: str) -> bool:
        """where (w): the path taken so far in the execution paused in; in a child execution, the
        stack of executions around it (each one's state machine, name, state and branch); and
        where the session is paused."""
        session = self.session
        for visit in session.visits():
            mark = {"SUCCEEDED": "✓", "CAUGHT": "↪", "FAILED": "✗", "ABORTED": "⊘", "RUNNING": "…"}[visit.status]
            self.out.print(f"  {'  ' * visit.depth}{mark} {escape(visit.where.split(' > ')[-1])} ({visit.type})")
        levels = session.stack()
        if len(levels) > 1:
            self.out.print("[bold]stack[/] (outermost first):")
            for depth, level in enumerate(levels):
                item = f", item {level.item}" if level.item is not None else ""
                branch = f" in {escape(level.branch)}" if level.branch else ""
                paused = " [bold yellow]⏸[/]" if depth == len(levels) - 1 else ""
                self.out.print(f"  {'  ' * depth}{'└ ' if depth else ''}{escape(level.machine)} "
                               f"[dim](execution {escape(level.execution_name)}{item})[/] at "
                               f"[cyan]{escape(level.state)}[/] ({level.type}){branch}{paused}")
        self.show_position()
        return False

    do_w = do_where

    def do_status(self, arg: str) -> bool:
        """status: the execution's status, and its output or error when it has ended."""
        self.show_end() if self.session.finished else self.show_position()
        return False

    # -- changing ---------------------------------------------------------------------------------

    def do_mock(self, arg: str) -> bool:
        """mock JSON: the paused Task returns JSON instead of calling its resource (once).
        mock --error ERROR [CAUSE]: it fails with ERROR instead."""
        arg = arg.strip()
        if arg.startswith("--error"):
            parts = shlex.split(arg[len("--error"):])
            if not parts:
                raise AslrunError("mock --error needs an error name")
            self.session.mock_next(error=parts[0], cause=" ".join(parts[1:]) or None)
            self.out.print(f"[cyan]{escape(self.session.paused.name)}[/] will fail with {escape(parts[0])}")  # type: ignore[union-attr]
        else:
            self.session.mock_next(_parse_json(arg))
            self.out.print(f"[cyan]{escape(self.session.paused.name)}[/] will return {escape(_json(_parse_json(arg), None))}")  # type: ignore[union-attr]
        return False

    def do_restart(self, arg: str) -> bool:
        """restart [[MACHINE:]STATE] [JSON]: run again from the start, or from the top-level STATE,
        with JSON as its input (default: what it received last time) and the variables it saw. A
        state of a child machine (paused in it, or MACHINE:STATE) runs that machine alone from it."""
        session = self.session
        state, document = _split_state_and_json(arg.strip())
        session.restart(state, _parse_json(document) if document else None)
        where = f"from [cyan]{escape(state)}[/]" if state else "from the start"
        if session.root_machine is not session.machine:
            where = f"{escape(session.root_machine.name)} alone {where}"
        self.out.print(f"[bold]restarted[/] {where}")
        self.show_position()
        return False

    # -- showing ----------------------------------------------------------------------------------

    def show_position(self) -> None:
        session = self.session
        error = session.error_hit
        if error is not None:
            state = session.state_of(error)
            place = session.error_place()
            name = f" in {escape(state)}" if state else ""
            name += f" [dim]of {escape(place)}[/]" if place else ""
            what = error.details.get("error")
            cause = error.details.get("cause")
            self.out.print(f"[red]⚠ {error.type}{name}[/]" + (f": {escape(str(what))}" if what is not None else "")
                           + (f": {escape(str(cause)[:300])}" if cause else ""))
        if session.finished:
            self.show_end()
            return
        position = session.paused
        if position is None:
            return
        branch = session.branch_of(position)
        where = f" [dim]in {escape(branch)}[/]" if branch else ""
        self.out.print(f"[bold yellow]⏸[/] before [cyan]{escape(position.name)}[/] ({position.state.type}){where}")
        self.out.print(f"  input: {escape(_json(position.data, None))}")
        others = [h for h in session.held if h is not position]
        if others:
            waiting = ", ".join(f"{escape(session.branch_of(h) or 'top')}: {escape(h.name)}" for h in others[:5])
            self.out.print(f"  [dim]also waiting: {waiting}{' …' if len(others) > 5 else ''}[/]")

    def show_end(self) -> None:
        execution = self.session.execution
        colour = {"SUCCEEDED": "green", "FAILED": "red"}.get(execution.status, "yellow")
        self.out.print(f"[bold {colour}]■ {execution.status}[/] after {len(execution.history)} events")
        if execution.status == "SUCCEEDED":
            self.out.print(f"  output: {escape(_json(execution.output, None))}")
        elif execution.error is not None or execution.cause is not None:
            self.out.print(f"  error: {escape(str(execution.error))}")
            if execution.cause:
                self.out.print(f"  cause: {escape(str(execution.cause)[:500])}")


def _split_state_and_json(arg: str) -> tuple[str | None, str | None]:
    """``restart``, ``restart {..}``, ``restart Some State``, ``restart Some State {..}``."""
    if not arg:
        return None, None
    if arg[0] in "{[\"" or arg in ("null", "true", "false") or arg[0].isdigit() or arg[0] == "-":
        return None, arg
    for index, char in enumerate(arg):
        if char in "{[" and arg[index - 1] == " ":
            return arg[:index].strip(), arg[index:]
    return arg, None

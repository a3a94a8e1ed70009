"""The live progress line is transient whatever ends the run: finished, Ctrl-C (a KeyboardInterrupt
raised by a handler, as the signal raises it, and one landing in the middle of the erasing),
an exception. Driven with a fake terminal and a virtual clock: what the screen shows is worked
out from the bytes written, as a terminal would (no signals, no waiting)."""

from __future__ import annotations

import io
import re
import signal
from typing import Any

import pytest
from rich.console import Console

from aslrun.report.progress import Progress, Terminated
from aslrun.testing import run_machine

MAP = {"StartAt": "Each", "States": {"Each": {
    "Type": "Map", "MaxConcurrency": 1, "ItemProcessor": {"StartAt": "Work", "States": {
        "Work": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Work", "End": True}}},
    "End": True}}}


class Terminal(io.StringIO):
    """A terminal's output stream: remembers every byte; ``interrupt_on`` raises KeyboardInterrupt at
    that write (as Ctrl-C would land there)."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0
        self.interrupt_on: int | None = None
        self.masks: list[bool] = []  # whether SIGINT was held back at each write

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.writes += 1
        self.masks.append(signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, []))
        if self.writes == self.interrupt_on:
            raise KeyboardInterrupt
        return super().write(text)


def screen(output: str) -> list[str]:
    """The rows a terminal shows after ``output`` (carriage return, newline, erase line, cursor up,
    colours ignored)."""
    rows, row, col = [""], 0, 0
    index = 0
    while index < len(output):
        char = output[index]
        if char == "\x1b":
            match = re.match(r"\x1b\[(\??)(\d*)([A-Za-z])", output[index:])
            assert match, repr(output[index:index + 10])
            number, code = match.group(2), match.group(3)
            if code == "K":
                rows[row] = "" if number == "2" else rows[row][:col]
            elif code == "A":
                row = max(0, row - int(number or 1))
            index += match.end()
            continue
        if char == "\r":
            col = 0
        elif char == "\n":
            row, col = row + 1, 0
            if row == len(rows):
                rows.append("")
        else:
            line = rows[row].ljust(col)
            rows[row] = line[:col] + char + line[col + 1:]
            col += 1
        index += 1
    return [r.rstrip() for r in rows if r.strip()]


class Clock:
    """A virtual clock: each reading is 10 ms after the previous one (the line shows from the 30th
    event on, drawn again every 10th)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 0.01
        return self.now


def console(terminal: Terminal, width: int = 120) -> Console:
    return Console(file=terminal, force_terminal=True, width=width, color_system="standard", highlight=False)


def run_with_progress(terminal: Terminal, items: int, work: Any, width: int = 120) -> Progress:
    progress = Progress(console(terminal, width), clock=Clock())
    with progress:
        run_machine(MAP, list(range(items)), handlers={"Work": work}, listeners=[progress.on_event])
    return progress


def test_the_line_shows_during_a_long_run_and_is_gone_after_it():
    terminal = Terminal()
    seen = []

    def work(event: Any, context: Any) -> Any:
        seen.append(screen(terminal.getvalue()))
        return event

    run_with_progress(terminal, 40, work)
    assert seen[0] == []  # nothing before the delay (0.3 s)
    assert seen[-1] == [seen[-1][0]] and re.fullmatch(
        r"⏵ \d+ states · \d+ states/s · Map Each \d+/40 iterations · \d+\.\d s", seen[-1][0])
    assert screen(terminal.getvalue()) == []


def test_ctrl_c_while_a_handler_runs_erases_the_line():
    terminal = Terminal()

    def work(event: Any, context: Any) -> Any:
        if event == 30:
            assert "states/s" in screen(terminal.getvalue())[-1]
            raise KeyboardInterrupt  # where the signal's handler raises it: in the running code
        return event

    with pytest.raises(KeyboardInterrupt):
        run_with_progress(terminal, 40, work)
    assert screen(terminal.getvalue()) == []


def test_ctrl_c_in_the_middle_of_a_draw_still_leaves_a_clean_screen():
    for interrupt_on in range(1, 8):  # every write of the first draws
        terminal = Terminal()
        terminal.interrupt_on = interrupt_on
        with pytest.raises(KeyboardInterrupt):
            run_with_progress(terminal, 40, lambda event, context: event)
        assert screen(terminal.getvalue()) == [], interrupt_on


def test_the_erasing_holds_ctrl_c_back():
    terminal = Terminal()
    progress = run_with_progress(terminal, 40, lambda event, context: event)
    assert terminal.masks[-1] is True  # the erase was written with SIGINT blocked
    assert terminal.masks[:-1] == [False] * (len(terminal.masks) - 1)  # and only then
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])  # given back after
    progress.close()  # again: nothing more to erase
    assert len(terminal.masks) == terminal.writes


def test_an_exception_ends_the_line_too():
    events = run_machine(MAP, list(range(40)), handlers={"Work": lambda event, context: event}).history
    terminal = Terminal()
    progress = Progress(console(terminal), clock=Clock())
    with pytest.raises(RuntimeError), progress:
        for event in events:
            progress.on_event(event)
        assert "states/s" in screen(terminal.getvalue())[-1]
        raise RuntimeError("a bug surfaces")
    assert screen(terminal.getvalue()) == []


def test_printed_text_goes_above_the_line_never_onto_it():
    terminal = Terminal()
    shown = console(terminal)

    def work(event: Any, context: Any) -> Any:
        if event in (20, 30):
            shown.print(f"note {event}")
            print(f"handler says {event}")  # a handler's own print goes through the console too
        return event

    progress = Progress(shown, clock=Clock())
    with progress:
        run_machine(MAP, list(range(40)), handlers={"Work": work}, listeners=[progress.on_event])
    assert screen(terminal.getvalue()) == ["note 20", "handler says 20", "note 30", "handler says 30"]


def test_the_line_never_wraps_on_a_narrow_terminal():
    terminal = Terminal()
    widths = []

    def work(event: Any, context: Any) -> Any:
        widths.extend(len(row) for row in screen(terminal.getvalue()))
        return event

    run_with_progress(terminal, 40, work, width=30)
    assert widths and max(widths) == 29
    assert screen(terminal.getvalue()) == []


def test_a_sigterm_while_the_line_is_shown_exits_through_the_erasing():
    terminal = Terminal()
    seen = []

    def work(event: Any, context: Any) -> Any:
        if event == 30:
            handler = signal.getsignal(signal.SIGTERM)
            seen.append(handler)
            handler(signal.SIGTERM, None)  # what the signal would call here
        return event

    with pytest.raises(Terminated):  # ends the run as Ctrl-C does, even from inside a handler
        run_with_progress(terminal, 40, work)
    assert seen[0] not in (signal.SIG_DFL, None)
    assert screen(terminal.getvalue()) == []
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # given back

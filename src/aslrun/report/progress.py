"""A live progress line for long runs on a terminal: states done, states per second, Map
iterations done per Map.

    with Progress(console) as progress:
        machine.execute(input, listeners=[progress.on_event])

It is a history listener, so it costs a few counter increments per event; the line is drawn at
most every ``refresh`` seconds and only once the run has lasted ``delay`` seconds (a short run
prints nothing extra). ``aslrun execute`` uses it only when its output is a terminal and not
``--json``: piped output never carries progress.

The line is transient: it is gone when the run ends, however it ends (finished, Ctrl-C, an
exception, an exit), leaving the trace as it would be without it. So it is kept as simple as a
line can be: drawn and erased by one write each (carriage return, erase line), never wider than
the terminal (a wrapped line cannot be erased from its last row), and erased with Ctrl-C held
back, so an interrupt cannot land half way through the erasing; while it is shown, a SIGTERM ends
the run as Ctrl-C does (``Terminated``) rather than killing the process where it stands, so the
line is erased then too. Whatever the console prints
while the line is shown (the trace, a handler's ``print``) first erases it (a render hook), so
text never runs on from the line.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["Progress", "Terminated"]

_ERASE = "\r\x1b[2K"  # to the start of the line, and clear all of it


class Progress:
    def __init__(self, console: Any, *, delay: float = 0.3, refresh: float = 0.1,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.console = console
        self.delay = delay
        self.refresh = refresh
        self.clock = clock
        self.started = clock()
        self.last_drawn = 0.0
        self.states = 0
        self.maps: dict[str, list[int]] = {}  # Map state name -> [iterations done, iterations started in all]
        self._map_entries: dict[int, str] = {}  # MapStateEntered event id -> Map name
        self._shown = False  # the line is on the screen (the cursor at its end)
        self._hooked = False  # our render hook is on the console, and sys.stdout goes through it
        self._stdout: Any = None
        self._sigterm: Any = None  # the SIGTERM handler we replaced while the line is shown

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def on_event(self, event: Any) -> None:
        kind = event.type
        if kind.endswith("StateEntered"):
            self.states += 1
            if kind == "MapStateEntered":
                self._map_entries[event.id] = event.details["name"]
        elif kind == "MapStateStarted":
            name = self._map_entries.pop(event.previous_id, None)
            if name is not None:
                self.maps.setdefault(name, [0, 0])[1] += int(event.details.get("length", 0))
        elif kind in ("MapIterationSucceeded", "MapIterationFailed", "MapIterationAborted"):
            counts = self.maps.get(event.details.get("name"))
            if counts is not None:
                counts[0] += 1
        now = self.clock()
        due = not self._shown or now - self.last_drawn >= self.refresh  # printed text took it away: at once
        if due and now - self.started >= self.delay:
            self.last_drawn = now
            self._draw(now)

    def line(self, now: float | None = None) -> str:
        """The progress line as text."""
        elapsed = (now if now is not None else self.clock()) - self.started
        rate = self.states / elapsed if elapsed > 0 else 0.0
        parts = [f"{self.states:,} states", f"{rate:,.0f} states/s"]
        for name, (done, total) in list(self.maps.items())[-3:]:
            parts.append(f"Map {name} {done:,}/{total:,} iterations")
        parts.append(f"{elapsed:.1f} s")
        return " · ".join(parts)

    def close(self) -> None:
        """Erase the line (if shown) and give the console back; safe to call again."""
        with _interrupts_held():
            if self._shown:
                self._shown = False
                self._write(_ERASE)
            if self._hooked:
                self._hooked = False
                self.console.pop_render_hook()
                if self._stdout is not None:
                    sys.stdout, self._stdout = self._stdout, None
                if self._sigterm is not None:
                    signal.signal(signal.SIGTERM, self._sigterm)
                    self._sigterm = None

    # -- drawing ---------------------------------------------------------------------------------

    def _draw(self, now: float) -> None:
        if not self._hooked:
            self._hook()
        text = "⏵ " + self.line(now)
        width = max(self.console.width - 1, 1)  # never wraps: a wrapped line's first row would stay
        if len(text) > width:
            text = text[: width - 1] + "…"
        self._shown = True  # before the write: an interrupt right after it still erases
        self._write(f"{_ERASE}\x1b[2m{text}\x1b[0m")

    def _write(self, text: str) -> None:
        file = self.console.file
        file.write(text)
        file.flush()

    def _hook(self) -> None:
        from rich.file_proxy import FileProxy

        self.console.push_render_hook(self)
        self._hooked = True
        if not isinstance(sys.stdout, FileProxy):  # a handler's print() goes above the line too
            self._stdout = sys.stdout
            sys.stdout = FileProxy(self.console, sys.stdout)
        on_main = threading.current_thread() is threading.main_thread()
        if on_main and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            self._sigterm = signal.signal(signal.SIGTERM, _terminated)

    def process_renderables(self, renderables: list[Any]) -> list[Any]:
        """The render hook: what the console prints while the line is shown erases it first (the next
        event draws it again, below)."""
        if not self._shown:
            return renderables
        from rich.control import Control, ControlType

        self._shown = False
        return [Control(ControlType.CARRIAGE_RETURN, (ControlType.ERASE_IN_LINE, 2)), *renderables]


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived while the line was shown. A KeyboardInterrupt, so it ends the run the way
    Ctrl-C does, through the ``finally`` blocks that erase the line: a SystemExit raised inside a
    handler would be that function's own exit (Lambda's Runtime.ExitError), not the run's end."""


def _terminated(signum: int, frame: Any) -> None:
    raise Terminated(f"signal {signum}")


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold SIGINT back for the few writes of the erasing (delivered right after, as KeyboardInterrupt),
    so Ctrl-C can never leave half a line; only the main thread can (and need) do it."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)

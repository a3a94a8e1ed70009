"""A live progress line for long runs on a terminal: states done, states per second, Map
iterations done per Map.

    progress = Progress(console)
    machine.execute(input, listeners=[progress.on_event])
    progress.close()

It is a history listener, so it costs a few counter increments per event; the line is drawn at
most every ``refresh`` seconds and only once the run has lasted ``delay`` seconds (a short run
prints nothing extra). ``aslrun execute`` uses it only when its output is a terminal and not
``--json``: piped output never carries progress. The line is transient: it is gone when the run
ends, leaving the trace as it would be without it.
"""

from __future__ import annotations

import time
from typing import Any

__all__ = ["Progress"]


class Progress:
    def __init__(self, console: Any, *, delay: float = 0.3, refresh: float = 0.1) -> None:
        self.console = console
        self.delay = delay
        self.refresh = refresh
        self.started = time.monotonic()
        self.last_drawn = 0.0
        self.states = 0
        self.maps: dict[str, list[int]] = {}  # Map state name -> [iterations done, iterations started in all]
        self._map_entries: dict[int, str] = {}  # MapStateEntered event id -> Map name
        self._live: Any = None

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
        now = time.monotonic()
        if now - self.last_drawn >= self.refresh and now - self.started >= self.delay:
            self.last_drawn = now
            self._draw(now)

    def line(self, now: float | None = None) -> str:
        """The progress line as text."""
        elapsed = (now if now is not None else time.monotonic()) - self.started
        rate = self.states / elapsed if elapsed > 0 else 0.0
        parts = [f"{self.states:,} states", f"{rate:,.0f} states/s"]
        for name, (done, total) in list(self.maps.items())[-3:]:
            parts.append(f"Map {name} {done:,}/{total:,} iterations")
        parts.append(f"{elapsed:.1f} s")
        return " · ".join(parts)

    def _draw(self, now: float) -> None:
        from rich.text import Text

        text = Text("⏵ " + self.line(now), style="dim")
        if self._live is None:
            from rich.live import Live

            self._live = Live(text, console=self.console, transient=True, auto_refresh=False)
            self._live.start()
        self._live.update(text, refresh=True)

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

"""Succeed: ends its branch successfully with its (filtered) input."""

from __future__ import annotations

from typing import Any

from .base import State

__all__ = ["SucceedState"]


class SucceedState(State):
    type = "Succeed"

    def execute(self, frame: Any, raw_input: Any) -> tuple[Any, None]:
        io = self.io
        return io.output(frame, raw_input, io.effective_input(frame, raw_input)), None

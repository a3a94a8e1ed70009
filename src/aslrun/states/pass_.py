"""Pass: passes its input on, or a fixed ``Result``, through the usual data flow."""

from __future__ import annotations

from typing import Any

from ..jsontext import json_size
from .base import State

__all__ = ["PassState"]


class PassState(State):
    type = "Pass"
    grows_data = True

    def __init__(self, name: str, spec: dict[str, Any], build: Any) -> None:
        super().__init__(name, spec, build)
        self.has_result = "Result" in spec
        self.result = spec.get("Result")  # a constant: '.$' keys inside it are not evaluated
        # the JSON size of that constant (and of its ResultPath, for the key it may add): the output is
        # at most the input and this, so the payload limit need not measure it (engine.execution)
        self.result_bound = (json_size(self.result) + len(str(spec.get("ResultPath") or ""))
                             if self.has_result else None)

    def execute(self, frame: Any, raw_input: Any) -> tuple[Any, str | None]:
        io = self.io
        effective = io.effective_input(frame, raw_input)
        result = self.result if self.has_result else effective
        frame.result_bound = self.result_bound  # (None without a Result: the output is measured)
        return io.output(frame, raw_input, result), self.next

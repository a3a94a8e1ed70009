"""Pass: passes its input on, or a fixed ``Result``, through the usual data flow."""

from __future__ import annotations

import json
from typing import Any

from ..errors import StatesError
from .base import State

__all__ = ["PassState"]


class PassState(State):
    type = "Pass"

    def __init__(self, name: str, spec: dict[str, Any], build: Any) -> None:
        super().__init__(name, spec, build)
        self.has_result = "Result" in spec
        self.result = spec.get("Result")  # a constant: '.$' keys inside it are not evaluated
        self.result_bytes = len(json.dumps(self.result, separators=(",", ":"), ensure_ascii=False).encode()) \
            if self.has_result else 0

    def execute(self, frame: Any, raw_input: Any) -> tuple[Any, str | None]:
        io = self.io
        effective = io.effective_input(frame, raw_input)
        if self.has_result:
            limit = frame.execution.payload_limit
            if limit is not None and self.result_bytes > limit:
                raise StatesError(
                    "States.DataLimitExceeded",
                    f"The state/task '{self.name}' returned a result with a size exceeding the maximum number "
                    "of bytes service limit.",
                )
            result = self.result
        else:
            result = effective
        return io.output(frame, raw_input, result), self.next

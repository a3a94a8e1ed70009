"""Fail: ends the execution (or its branch) with an error and a cause.

``Error``/``Cause`` are fixed strings; ``ErrorPath``/``CausePath`` read them from the raw input or
the context object (a path or an intrinsic function). A Fail state records no exit event.
"""

from __future__ import annotations

from typing import Any

from ..errors import StatesError, runtime_error
from ..expr.template import compact_json, compile_field
from .base import State

__all__ = ["FailState"]


class FailState(State):
    type = "Fail"
    has_exit_event = False

    def __init__(self, name: str, spec: dict[str, Any], build: Any) -> None:
        super().__init__(name, spec, build)
        self.error = spec.get("Error")
        self.cause = spec.get("Cause")
        # ErrorPath/CausePath are evaluated like a template entry "key.$": "<path>", named by their field
        self.error_path = compile_field("ErrorPath", spec["ErrorPath"]) if "ErrorPath" in spec else None
        self.cause_path = compile_field("CausePath", spec["CausePath"]) if "CausePath" in spec else None

    def execute(self, frame: Any, raw_input: Any) -> tuple[Any, str | None]:
        raise self.io.fail_error(self, frame, raw_input)

    def jsonpath_error(self, frame: Any, raw_input: Any) -> StatesError:
        error, cause = self.error, self.cause
        frame.data = raw_input
        if self.error_path is not None:
            error = _text(self.error_path(frame), "ErrorPath", self.spec["ErrorPath"])
        if self.cause_path is not None:
            cause = _text(self.cause_path(frame), "CausePath", self.spec["CausePath"])
        return StatesError(error, cause)


def _text(value: Any, field: str, path: str) -> str:
    """ErrorPath/CausePath must select a string (developer guide, Fail state)."""
    if not isinstance(value, str):
        raise runtime_error(f"The {field} field must refer to a string value, but {path} is "
                            f"{compact_json(value)}")
    return value

"""Choice: picks the next state by the first rule that holds, else ``Default``."""

from __future__ import annotations

from typing import Any

from ..errors import StatesError
from .base import State

__all__ = ["ChoiceState"]


class ChoiceState(State):
    type = "Choice"

    def __init__(self, name: str, spec: dict[str, Any], build: Any) -> None:
        super().__init__(name, spec, build)
        self.default: str | None = spec.get("Default")
        self.choices = [(build.condition(self, rule), rule["Next"], rule) for rule in spec["Choices"]]

    def execute(self, frame: Any, raw_input: Any) -> tuple[Any, str | None]:
        io = self.io
        data = io.effective_input(frame, raw_input)
        for index, (holds, next_state, rule) in enumerate(self.choices):
            frame.data = data
            if holds(frame):
                observer = frame.execution.observer
                if observer is not None:  # which rule held (two may lead to the same state)
                    observer.chose(frame, self, index)
                return io.choice_output(frame, raw_input, data, rule), next_state
        if self.default is not None:
            observer = frame.execution.observer
            if observer is not None:
                observer.chose(frame, self, None)
            return io.choice_output(frame, raw_input, data, None), self.default
        raise StatesError(
            "States.NoChoiceMatched",
            "No Matches!",
            in_state=False,
        )

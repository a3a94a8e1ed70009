"""The request a distributed Map's ItemReader or ResultWriter sends: ``Parameters`` (JSONPath) or
``Arguments`` (JSONata), compiled once and evaluated per run of the Map."""

from __future__ import annotations

from typing import Any

from ..errors import StatesError
from ..expr.template import compile_template

__all__ = ["ResourceParameters"]


class ResourceParameters:
    def __init__(self, spec: dict[str, Any], owner: str, *, jsonata: bool, error: str) -> None:
        self.jsonata = jsonata
        self.owner = owner  # "ItemReader" / "ResultWriter": named in the error
        self.error = error  # States.ItemReaderFailed / States.ResultWriterFailed
        if jsonata:
            from ..expr.jsonata import compile_field

            self.template: Any = compile_field(spec.get("Arguments", {}), f"{owner}.Arguments")
        else:
            self.template = compile_template(spec.get("Parameters", {}), f"{owner}.Parameters")

    def evaluate(self, frame: Any, raw_input: Any, data: Any) -> dict[str, Any]:
        """The request object; ``$``/``$states.input`` is the Map's input."""
        if self.jsonata:
            from ..expr.jsonata import JsonataScope

            value = self.template.evaluate(JsonataScope(frame, raw_input))
        else:
            frame.data = data
            value = self.template.evaluate(frame)
        if not isinstance(value, dict):
            raise StatesError(self.error, f"the {self.owner} parameters must be a JSON object")
        return value

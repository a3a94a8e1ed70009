"""Wait: delays its branch for ``Seconds`` or until a ``Timestamp`` (fixed, or read by a path).

Waiting reads the execution's clock: with the default virtual clock the wait is skipped at once
while time moves on; other branches keep running meanwhile. A timestamp is read as validation reads
it (:mod:`aslrun.model.timestamps`) and, as AWS documents, counts to the second ("considers the time
value up to seconds and truncates milliseconds").
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from ..errors import runtime_error
from ..expr.jsonpath import PathNotFound, compile_path
from ..expr.template import compact_json, read_path
from ..model.timestamps import parse_timestamp, wake_time
from .base import State

__all__ = ["WaitState"]


class WaitState(State):
    type = "Wait"
    blocking = True
    evaluates_on_entry = False  # Seconds/Timestamp are evaluated after WaitStateEntered

    def __init__(self, name: str, spec: dict[str, Any], build: Any) -> None:
        super().__init__(name, spec, build)
        self.seconds = spec.get("Seconds")
        timestamp = spec.get("Timestamp")
        instant = parse_timestamp(timestamp)
        self.timestamp = wake_time(instant) if instant is not None else timestamp
        self.seconds_path = compile_path(spec["SecondsPath"]) if "SecondsPath" in spec else None
        self.timestamp_path = compile_path(spec["TimestampPath"]) if "TimestampPath" in spec else None

    def execute(self, frame: Any, raw_input: Any) -> Generator[Any, Any, tuple[Any, str | None]]:
        io = self.io
        data = io.effective_input(frame, raw_input)
        until = self.io.wait_until(self, frame, raw_input, data)
        execution = frame.execution
        if until > execution.clock.now():
            yield from execution.sleep(until)
        return io.output(frame, raw_input, data), self.next

    def jsonpath_wait_until(self, frame: Any, data: Any) -> float:
        now = frame.entered_time
        if self.seconds is not None:
            return now + self.seconds
        if self.timestamp is not None:
            return float(self.timestamp)
        frame.data = data
        if self.seconds_path is not None:
            return now + self._seconds(frame)
        assert self.timestamp_path is not None
        path = self.timestamp_path
        value = _read(path, frame)
        instant = parse_timestamp(value)
        if instant is None:
            shown = value if isinstance(value, str) else compact_json(value)
            raise runtime_error(
                "The TimestampPath parameter does not reference a valid ISO-8601 extended offset "
                f"date-time format string: {path.text} == {shown}"
            )
        return wake_time(instant)

    def _seconds(self, frame: Any) -> int:
        """The whole seconds ``SecondsPath`` finds, refused with AWS's causes (as LocalStack, which
        snapshot-tests against AWS, words them): nothing there, not an integer, a negative integer."""
        path = self.seconds_path
        assert path is not None
        try:
            value = read_path(path, frame)
        except PathNotFound:
            raise runtime_error(f"The SecondsPath parameter does not reference an input value: {path.text}") from None
        shown = value if isinstance(value, str) else compact_json(value)
        if value.__class__ is not int:
            raise runtime_error(f"The SecondsPath parameter cannot be parsed as a long value: {path.text} == {shown}")
        if value < 0:
            raise runtime_error(f"The SecondsPath parameter references a negative value: {path.text} == {shown}")
        return int(value)


def _read(path: Any, frame: Any) -> Any:
    try:
        return read_path(path, frame)
    except PathNotFound as missing:
        raise runtime_error(f"Invalid path '{path.text}' : {missing}") from None

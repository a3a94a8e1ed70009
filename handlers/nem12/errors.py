"""What can go wrong with a NEM12/NEM13 file, always said with the line it happened on.

    NemError                 base class
    +-- NemFormatError       the file breaks the format: rejected (strict mode, or fatal in any mode)
    +-- NemWriteError        the data handed to the writer cannot be written as valid NEM12

Lenient reading does not raise for damaged records: it keeps what is complete and lists what it
skipped or repaired as :class:`Issue` values on the result, so the caller can log or report them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Issue", "NemError", "NemFormatError", "NemWriteError"]


@dataclass(frozen=True, slots=True)
class Issue:
    """One record that lenient reading skipped or repaired (``line`` is 1-based, 0 = whole file)."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class NemError(Exception):
    """Base class of the NEM12/NEM13 errors."""


class NemFormatError(NemError):
    """The file cannot be accepted; the message names the file and line and says what is wrong."""

    def __init__(self, message: str, *, source: str = "", line: int = 0) -> None:
        self.source = source
        self.line = line
        self.reason = message
        where = source or "NEM file"
        if line:
            where += f", line {line}"
        super().__init__(f"{where}: {message}")


class NemWriteError(NemError):
    """The writer was given data that would make an invalid file (value, length or quality)."""

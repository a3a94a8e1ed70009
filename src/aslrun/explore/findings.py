"""What explore reports: one finding per problem, each with the place in the definition."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Finding", "KINDS"]

#: every kind of finding, in the order a report lists them, with a heading for people
KINDS = {
    "unreachable-state": "unreachable states",
    "shadowed-rule": "Choice rules shadowed by earlier rules",
    "dead-default": "Choice Defaults never taken",
    "dead-catch": "Catch entries that can never match",
    "dead-retry": "Retry entries that can never match",
    "endless-loop": "loops with no way out",
    "uncaught-error": "possible uncaught error paths",
    "not-reached": "states and transitions no generated run reached",
}


@dataclass(frozen=True)
class Finding:
    """One problem: its ``kind`` (a key of :data:`KINDS`), the ``state`` it belongs to, where it is
    written (``location``, in ``aslrun validate``'s form, e.g. ``States.Route.Choices[1]``) and a
    sentence saying what is wrong."""

    kind: str
    state: str
    location: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

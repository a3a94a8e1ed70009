"""'Did you mean' hints for a definition's problems: a misspelt state name, field or state type.

A misspelt field is compared with the fields allowed where it stands (``MaxAtempts`` in a retrier
with a retrier's fields, ``StringEqual`` in a Choice rule with the comparison operators,
``TimeoutSecond`` at the top with the top level's), read from the definition models themselves, so
a field the models learn is hinted at without a list to keep up to date. A misspelt target is
compared with the machine's state names, an unknown ``Type`` with the state types.

The hints are for people (``aslrun validate``'s text, ``aslrun execute``'s refusal); AWS's own
diagnostics (``validate --json``) keep AWS's words.
"""

from __future__ import annotations

import difflib
import re
from functools import cache
from typing import Any

from .state_names import state_names

__all__ = ["did_you_mean"]

_MISSING_TARGET = re.compile(r"no state named '([^']+)'")
_UNSUPPORTED_FIELD = re.compile(r"Field '([^']+)' is not supported")
_UNKNOWN_TYPE = re.compile(r"The field 'Type' should have one of these values")

#: where a field stands (the end of its parent's location) -> the model that says what it may be
_PLACES = (
    (re.compile(r"Retry\[\d+\]$"), "Retrier"),
    (re.compile(r"Catch\[\d+\]$"), "Catcher"),
    (re.compile(r"(Choices|And|Or)\[\d+\]$|(^|\.)Not$"), "ChoiceRule"),
    (re.compile(r"(^|\.)Credentials$"), "Credentials"),
    (re.compile(r"(^|\.)(ItemProcessor|Iterator)$"), "ItemProcessor"),
    (re.compile(r"Branches\[\d+\]$"), "Branch"),
)


def did_you_mean(message: str, location: str, definition: Any) -> str | None:
    """The name ``message`` (a problem at ``location`` of ``definition``) most likely meant, if any."""
    match = _MISSING_TARGET.search(message)
    if match:
        return _closest(match.group(1), state_names(definition))
    match = _UNSUPPORTED_FIELD.search(message)
    if match:
        field = match.group(1)
        parent = location[: -len(field)].rstrip(".") if location.endswith(field) else location
        return _closest(field, _fields_at(parent, definition))
    if _UNKNOWN_TYPE.search(message):
        state = _find(definition, location)
        kind = state.get("Type") if isinstance(state, dict) else None
        return _closest(kind, _state_types()) if isinstance(kind, str) else None
    return None


def _closest(word: str, candidates: Any) -> str | None:
    close = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=0.6)
    return close[0] if close else None


def _fields_at(parent: str, definition: Any) -> frozenset[str]:
    if not parent:
        return _fields("StateMachine")
    for pattern, model in _PLACES:
        if pattern.search(parent):
            return _fields(model)
    state = _find(definition, parent)  # a state: the fields of its type, else of any state
    kind = state.get("Type") if isinstance(state, dict) else None
    if isinstance(kind, str) and kind in _state_types():
        return _fields(f"{kind}State")
    return frozenset().union(*(_fields(f"{k}State") for k in _state_types()))


@cache
def _fields(model: str) -> frozenset[str]:
    from . import states

    cls = getattr(states, model)
    return frozenset(info.alias or name for name, info in cls.model_fields.items())


@cache
def _state_types() -> tuple[str, ...]:
    from . import states

    return tuple(name[: -len("State")] for name in dir(states)
                 if name.endswith("State") and name[0].isupper() and hasattr(getattr(states, name), "model_fields"))


def _find(document: Any, location: str) -> Any:
    """The value at ``location`` (``States.A.Branches[0].States.B``) of a raw definition; state names
    may hold dots, so each step takes the longest key that fits. None when the path leads nowhere."""
    node, rest = document, location
    while rest:
        if rest.startswith("["):
            end = rest.find("]")
            if end < 0 or not isinstance(node, list) or not rest[1:end].isdigit() or int(rest[1:end]) >= len(node):
                return None
            node, rest = node[int(rest[1:end])], rest[end + 1:].lstrip(".")
            continue
        if not isinstance(node, dict):
            return None
        keys = [k for k in node if rest == k or rest.startswith(k + ".") or rest.startswith(k + "[")]
        if not keys:
            return None
        key = max(keys, key=len)
        node, rest = node[key], rest[len(key):].lstrip(".")
    return node

"""JSONPath as Step Functions evaluates it (AWS runs Jayway JsonPath), compiled once, read many times.

A path has a root:

* ``$...``      the state's data (input, or the raw input / result, by field),
* ``$$...``     the context object,
* ``$name...``  a workflow variable (JSONPath states may read variables this way).

Definite paths (names and indexes only, e.g. ``$.a.b[0]['c d']``) compile to a tuple of steps and
are read by a short loop: the hot path of every state. Indefinite paths (wildcards, slices, unions,
filters, ``..``) go to jsonpath-ng and always yield a list, as Jayway does. A missing value on a
definite path raises :class:`PathNotFound` carrying Jayway's wording, which AWS puts into causes::

    No results for path: $['a']['b']       (the last step is missing)
    Missing property in path $['a']         (an intermediate step is missing)

A quoted name in brackets is read as Jayway reads it: up to the closing quote of the same kind
(``$['a.b']``, ``$["x'y"]``, ``$['a]b']``), a backslash escaping the next character
(``$['it\\'s']``), then Jayway's unescaping (``\\n``, ``\\t``, ``\\uXXXX``...; any other escaped
character stands for itself). "No results" shows each name in the quotes the path used, unescaped
(``$["x'y"]``, the path's own text); "Missing property" always uses ``'`` (the walk's text), as Jayway.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

__all__ = [
    "Path",
    "PathNotFound",
    "PathSyntaxError",
    "compile_path",
    "compile_reference_path",
    "jayway_path",
]


class PathSyntaxError(ValueError):
    """The text is not a JSONPath Step Functions accepts."""


class PathNotFound(LookupError):
    """A definite path points at nothing in the data; ``str()`` is Jayway's message."""


# A step is a str (object member), an int (array index) or _LENGTH (the Jayway length() function).
_LENGTH = object()

_NAME = re.compile(r"[^.\[\]\s()'\"]+")  # what may follow a dot
_INDEX = re.compile(r"\[\s*(-?\d+)\s*\]")
_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "r": "\r", "f": "\f", "t": "\t", "n": "\n", "b": "\b"}
_INDEFINITE_HINTS = ("*", "..", "?", ":", ",")


class Path:
    """A compiled JSONPath. ``get(data)`` reads it; ``definite`` says whether the answer is a list."""

    __slots__ = ("text", "root", "variable", "steps", "quotes", "definite", "_ng", "_ng_text")

    def __init__(self, text: str, root: str, variable: str | None, steps: tuple[Any, ...] | None,
                 ng_text: str | None, quotes: tuple[str, ...] | None = None) -> None:
        self.text = text
        self.root = root  # "data" | "context" | "variable"
        self.variable = variable
        self.steps = steps
        self.quotes = quotes  # per step, the quote a name was written in (messages show it)
        self.definite = steps is not None
        self._ng_text = ng_text
        self._ng: Any = None

    def __repr__(self) -> str:
        return f"Path({self.text!r})"

    @property
    def is_root(self) -> bool:
        """True for ``$`` (or ``$$`` / ``$var``) alone: the whole document."""
        return self.steps == ()

    def get(self, data: Any) -> Any:
        """The value at this path in ``data`` (the document its root names)."""
        steps = self.steps
        if steps is None:
            return self._get_indefinite(data)
        current = data
        for i, step in enumerate(steps):
            if step.__class__ is str:
                if current.__class__ is dict and step in current:
                    current = current[step]
                    continue
            elif step.__class__ is int:
                if current.__class__ is list and -len(current) <= step < len(current):
                    current = current[step]
                    continue
            elif step is _LENGTH and isinstance(current, (list, str, dict)):
                return len(current)  # length() is always the last step
            raise PathNotFound(self._missing_message(i))
        return current

    def _missing_message(self, failed_step: int) -> str:
        assert self.steps is not None
        if failed_step == len(self.steps) - 1:
            return f"No results for path: {jayway_path(self.steps, self.quotes)}"
        return f"Missing property in path {jayway_path(self.steps[: failed_step + 1])}"  # always '...' in Jayway

    def _get_indefinite(self, data: Any) -> list[Any]:
        if self._ng is None:
            from jsonpath_ng.ext import parse as ng_parse  # imported on first use: CLI start-up stays light

            assert self._ng_text is not None  # (an indefinite path is compiled with its jsonpath-ng text)
            self._ng = ng_parse(self._ng_text)
        return [match.value for match in self._ng.find(data)]


def jayway_path(steps: tuple[Any, ...], quotes: tuple[str, ...] | None = None) -> str:
    """Jayway's normalised form of a definite path: ``$['a'][0]['b']`` (a name in the quotes its
    path wrote it in, ``'`` for dot notation)."""
    out = ["$"]
    for i, step in enumerate(steps):
        if step.__class__ is str:
            quote = quotes[i] if quotes is not None and i < len(quotes) else "'"
            out.append(f"[{quote}{step}{quote}]")
        elif step is _LENGTH:
            out.append(".length()")
        else:
            out.append(f"[{step}]")
    return "".join(out)


@lru_cache(maxsize=4096)
def compile_path(text: str) -> Path:
    """Compile a JSONPath (``$...``, ``$$...`` or ``$var...``); raise PathSyntaxError if malformed."""
    if not isinstance(text, str) or not text.startswith("$"):
        raise PathSyntaxError(f"a path must start with '$': {text!r}")
    if text.startswith("$$"):
        root, variable, rest = "context", None, text[2:]
    else:
        match = re.match(r"\$([A-Za-z_][A-Za-z0-9_]*)", text)
        if match:
            root, variable, rest = "variable", match.group(1), text[match.end():]
        else:
            root, variable, rest = "data", None, text[1:]
    rest = rest.strip()
    parsed = _definite_steps(rest)
    if parsed is not None:
        steps, quotes = parsed
        return Path(text, root, variable, steps, None, quotes if any(q != "'" for q in quotes) else None)
    if not any(hint in rest for hint in _INDEFINITE_HINTS):
        raise PathSyntaxError(f"malformed path: {text!r}")
    ng_text = "$" + rest  # Jayway's filter syntax (==, <, &&, ||) is jsonpath-ng's too
    try:
        from jsonpath_ng.ext import parse as ng_parse

        ng_parse(ng_text)
    except Exception as exc:  # jsonpath-ng raises several exception types for bad syntax
        raise PathSyntaxError(f"malformed path: {text!r} ({exc})") from None
    return Path(text, root, variable, None, ng_text)


def compile_reference_path(text: str) -> Path:
    """A reference path (ResultPath and the like): definite, names and indexes only."""
    path = compile_path(text)
    if not path.definite or any(step is _LENGTH for step in path.steps or ()):
        raise PathSyntaxError(f"a reference path may only name fields and indexes: {text!r}")
    return path


def _definite_steps(rest: str) -> tuple[tuple[Any, ...], tuple[str, ...]] | None:
    """Parse ``.a['b'][0].length()`` into steps (and the quote of each), or None when the path is not
    definite."""
    steps: list[Any] = []
    quotes: list[str] = []
    pos = 0
    n = len(rest)
    while pos < n:
        ch = rest[pos]
        quote = "'"
        if ch == ".":
            if rest.startswith(".length()", pos) and pos + 9 == n:
                steps.append(_LENGTH)  # the last step, and one with no quote
                break
            match = _NAME.match(rest, pos + 1)
            if not match:  # also "..": a name never starts with a dot
                return None
            name = match.group(0)
            if name == "*":
                return None
            steps.append(name)
            pos = match.end()
        elif ch == "[":
            match = _INDEX.match(rest, pos)
            if match:
                steps.append(int(match.group(1)))
                pos = match.end()
            else:
                quoted = _quoted_name(rest, pos)
                if quoted is None:
                    return None
                name, quote, pos = quoted
                steps.append(name)
        else:
            return None
        quotes.append(quote)
    return tuple(steps), tuple(quotes)


def _quoted_name(rest: str, pos: int) -> tuple[str, str, int] | None:
    """``['name']`` or ``["name"]`` at ``pos``: (the unescaped name, its quote, where the step ends),
    or None when the bracket holds something else (several names, a filter...)."""
    start = pos + 1
    while start < len(rest) and rest[start].isspace():
        start += 1
    if start >= len(rest) or rest[start] not in "'\"":
        return None
    quote = rest[start]
    i = start + 1
    while i < len(rest):
        ch = rest[i]
        if ch == "\\":
            i += 2
            continue
        if ch == quote:
            break
        i += 1
    else:
        return None  # no closing quote
    end = i + 1
    while end < len(rest) and rest[end].isspace():
        end += 1
    if end >= len(rest) or rest[end] != "]":
        return None
    name = _unescape(rest[start + 1:i])
    return (name, quote, end + 1) if name is not None else None


def _unescape(text: str) -> str | None:
    """Jayway's ``Utils.unescape``: ``\\n`` ``\\t`` ``\\r`` ``\\f`` ``\\b`` ``\\uXXXX``, any other escaped
    character itself, a trailing backslash kept; None for a ``\\u`` without four hex digits."""
    if "\\" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        if i + 1 == len(text):
            out.append("\\")
            break
        escaped = text[i + 1]
        if escaped == "u":
            digits = text[i + 2:i + 6]
            if len(digits) != 4 or not all(c in "0123456789abcdefABCDEF" for c in digits):
                return None
            out.append(chr(int(digits, 16)))
            i += 6
            continue
        out.append(_ESCAPES.get(escaped, escaped))
        i += 2
    return "".join(out)

"""The stand-in path and intrinsic-call recogniser, used when the engine's compilers are absent.

It knows the ASL subset of Jayway JsonPath (dot and bracket members, indexes, slices, unions,
wildcards, deep scan, filters, ``length()``) and the ``States.Name(arg, ...)`` call grammar, and
says which kinds of segment a path uses so that reference paths can be told apart. See
:mod:`aslrun.model.syntax` for when it answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["INTRINSIC_FUNCTIONS", "SyntaxProblem", "VARIABLE_ROOT", "parse_intrinsic", "parse_path",
           "reference_problem"]

#: The intrinsic functions AWS documents, by name.
INTRINSIC_FUNCTIONS = frozenset(
    {
        "States.Array", "States.ArrayContains", "States.ArrayGetItem", "States.ArrayLength",
        "States.ArrayPartition", "States.ArrayRange", "States.ArrayUnique", "States.Base64Decode",
        "States.Base64Encode", "States.Format", "States.Hash", "States.JsonMerge", "States.JsonToString",
        "States.MathAdd", "States.MathRandom", "States.StringSplit", "States.StringToJson", "States.UUID",
    }
)


class SyntaxProblem(ValueError):
    """The text is malformed; ``str()`` says where and why."""


VARIABLE_ROOT = re.compile(r"^\$[A-Za-z_]")
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INTEGER = re.compile(r"-?\d+")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_FUNCTION_NAME = re.compile(r"States\.[A-Za-z0-9]+")
#: Characters that end a dot-notation name.
_NAME_STOP = frozenset(".[]()")

# Segment kinds that name exactly one node.
_SINGLE = frozenset({"name", "index"})


def parse_path(text: str) -> list[str]:
    """The kinds of ``text``'s segments after the root; raises SyntaxProblem when malformed."""
    if text.startswith("$$"):
        pos = 2
    elif VARIABLE_ROOT.match(text):
        match = _VARIABLE_NAME.match(text, 1)
        assert match is not None
        pos = match.end()
    else:
        pos = 1
    kinds: list[str] = []
    end = len(text)
    while pos < end:
        char = text[pos]
        if text.startswith("..", pos):
            pos += 2
            kinds.append("deep")
            if pos < end and text[pos] == "[":
                continue
            pos = _dot_member(text, pos, kinds)
        elif char == ".":
            pos = _dot_member(text, pos + 1, kinds)
        elif char == "[":
            pos = _bracket(text, pos, kinds)
        else:
            raise SyntaxProblem(f"unexpected character {char!r} at position {pos} of {text!r}")
    return kinds


def _dot_member(text: str, pos: int, kinds: list[str]) -> int:
    if pos < len(text) and text[pos] == "*":
        kinds.append("wildcard")
        return pos + 1
    start = pos
    while pos < len(text) and text[pos] not in _NAME_STOP:
        pos += 1
    if pos == start:
        raise SyntaxProblem(f"a field name is missing at position {start} of {text!r}")
    if text.startswith("()", pos):
        kinds.append("function")
        return pos + 2
    kinds.append("name")
    return pos


def _bracket(text: str, pos: int, kinds: list[str]) -> int:
    close = _matching_bracket(text, pos)
    inner = text[pos + 1 : close].strip()
    if not inner:
        raise SyntaxProblem(f"empty brackets at position {pos} of {text!r}")
    if inner == "*":
        kinds.append("wildcard")
    elif inner.startswith("?(") and inner.endswith(")"):
        kinds.append("filter")
    elif inner.startswith("(") and inner.endswith(")"):
        kinds.append("script")
    elif inner[0] in "'\"":
        names = _quoted_names(inner, text)
        kinds.append("name" if names == 1 else "union")
    elif ":" in inner:
        parts = [p.strip() for p in inner.split(":")]
        if len(parts) > 3 or not all(p == "" or _INTEGER.fullmatch(p) for p in parts):
            raise SyntaxProblem(f"invalid array slice [{inner}] in {text!r}")
        kinds.append("slice")
    else:
        parts = [p.strip() for p in inner.split(",")]
        if not all(_INTEGER.fullmatch(p) for p in parts):
            raise SyntaxProblem(f"invalid array index [{inner}] in {text!r}")
        kinds.append("index" if len(parts) == 1 else "union")
    return close + 1


def _matching_bracket(text: str, pos: int) -> int:
    """Index of the ``]`` closing the ``[`` at ``pos``, skipping quoted text and nesting."""
    depth = 0
    quote = ""
    i = pos
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
            if depth == 0:
                if char != "]":
                    raise SyntaxProblem(f"unbalanced parentheses in {text!r}")
                return i
        i += 1
    raise SyntaxProblem(f"unclosed '[' at position {pos} of {text!r}")


def _quoted_names(inner: str, text: str) -> int:
    count = 0
    pos = 0
    while True:
        quote = inner[pos] if pos < len(inner) else ""
        if quote not in ("'", '"'):
            raise SyntaxProblem(f"expected a quoted field name in [{inner}] of {text!r}")
        pos += 1
        while pos < len(inner) and inner[pos] != quote:
            pos += 2 if inner[pos] == "\\" else 1
        if pos >= len(inner):
            raise SyntaxProblem(f"unterminated quoted name in {text!r}")
        count += 1
        pos += 1
        while pos < len(inner) and inner[pos] == " ":
            pos += 1
        if pos == len(inner):
            return count
        if inner[pos] != ",":
            raise SyntaxProblem(f"expected ',' or ']' after a quoted name in {text!r}")
        pos += 1
        while pos < len(inner) and inner[pos] == " ":
            pos += 1


def reference_problem(segments: list[str]) -> str | None:
    """Why a path of these segments can name more than one node (a reference path names one)."""
    for kind in segments:
        if kind not in _SINGLE:
            return {
                "deep": "a reference path cannot use deep scan ('..')",
                "wildcard": "a reference path cannot use wildcards ('*')",
                "filter": "a reference path cannot use filter expressions ('[?(...)]')",
                "script": "a reference path cannot use script expressions ('[(...)]')",
                "slice": "a reference path cannot use array slices ('[a:b]')",
                "union": "a reference path cannot select several fields or indexes at once",
                "function": "a reference path cannot call functions",
            }[kind]
    return None


def parse_intrinsic(text: str, check_path: Callable[[str], str | None]) -> None:
    """Raise SyntaxProblem unless ``text`` is one well-formed call (``check_path`` judges paths)."""
    _IntrinsicParser(text, check_path).parse()


class _IntrinsicParser:
    """Recursive descent over ``States.Name(arg, ...)``; arguments are literals, paths or calls."""

    def __init__(self, text: str, check_path: Callable[[str], str | None]) -> None:
        self.text = text
        self.check_path = check_path
        self.pos = 0

    def parse(self) -> None:
        self._skip_spaces()
        self._call()
        self._skip_spaces()
        if self.pos != len(self.text):
            self._fail(f"unexpected text after the call at position {self.pos}")

    def _fail(self, message: str) -> None:
        raise SyntaxProblem(f"{message} in {self.text!r}")

    def _skip_spaces(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def _call(self) -> None:
        match = _FUNCTION_NAME.match(self.text, self.pos)
        if match is None:
            self._fail(f"expected an intrinsic function name at position {self.pos}")
            return
        name = match.group(0)
        if name not in INTRINSIC_FUNCTIONS:
            self._fail(f"unknown intrinsic function '{name}'")
        self.pos = match.end()
        self._skip_spaces()
        if not self.text.startswith("(", self.pos):
            self._fail(f"expected '(' after {name}")
        self.pos += 1
        self._skip_spaces()
        if self.text.startswith(")", self.pos):
            self.pos += 1
            return
        while True:
            self._skip_spaces()
            self._argument()
            self._skip_spaces()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            if self.text.startswith(")", self.pos):
                self.pos += 1
                return
            self._fail(f"expected ',' or ')' at position {self.pos}")

    def _argument(self) -> None:
        text, pos = self.text, self.pos
        char = text[pos] if pos < len(text) else ""
        if char == "'":
            self._string()
        elif char == "$":
            self._path()
        elif text.startswith("States.", pos):
            self._call()
        elif (number := _NUMBER.match(text, pos)) is not None:
            self.pos = number.end()
        else:
            for word in ("true", "false", "null"):
                if text.startswith(word, pos):
                    self.pos = pos + len(word)
                    return
            self._fail(f"expected an argument at position {pos}")

    def _string(self) -> None:
        pos = self.pos + 1
        while pos < len(self.text) and self.text[pos] != "'":
            pos += 2 if self.text[pos] == "\\" else 1
        if pos >= len(self.text):
            self._fail("unterminated string literal")
        self.pos = pos + 1

    def _path(self) -> None:
        start = pos = self.pos
        depth = 0
        while pos < len(self.text):
            char = self.text[pos]
            if char in "'\"" and depth:
                closing = self.text.find(char, pos + 1)
                pos = closing if closing != -1 else len(self.text)
            elif char in "[(":
                depth += 1
            elif char in "])":
                if depth == 0:
                    break
                depth -= 1
            elif char == "," and depth == 0:
                break
            pos += 1
        path = self.text[start:pos].rstrip()
        detail = self.check_path(path)
        if detail is not None:
            self._fail(f"invalid path argument {path!r} ({detail})")
        self.pos = pos

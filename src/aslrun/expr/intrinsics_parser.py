"""Parsing intrinsic function calls (``States.Format('Hi {}', $.name)``) into a small AST.

The grammar, as Step Functions accepts it in a ``"key.$"`` value of a JSONPath state::

    call      := "States." NAME "(" [ argument ( "," argument )* ] ")"
    argument  := call | string | number | "true" | "false" | "null" | path
    string    := "'" ( any character | "\\'" | "\\{" | "\\}" | "\\\\" )* "'"
    number    := "-"? digits ( "." digits )? ( ("e" | "E") ("+" | "-")? digits )?
    path      := "$" ...   ($, $.a.b[0], $$.Execution.Id, $var.x, $.a['b c'], $.a[?(@.n > 1)])

Whitespace may surround arguments. A path ends at the first ``,`` or ``)`` that is not inside
brackets, parentheses or a quoted member name, so bracket notation (``$.a['x, y']``) and
``.length()`` work.

Inside a string literal only ``\\'``, ``\\{``, ``\\}`` and ``\\\\`` are escapes. AWS accepts a
definition with any other backslash ("open escape") and fails when the field is evaluated, so the
parser does not reject it: it records the problem in the literal (:attr:`StringLiteral.error`) and
evaluation raises ``States.Runtime``.

Escaped braces matter to ``States.Format`` only: ``'\\{}'`` is the two characters ``{}``, not a
placeholder. A literal therefore keeps its text split at its *unescaped* ``{}`` pairs
(:attr:`StringLiteral.pieces`) besides its plain value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Union

__all__ = [
    "Call",
    "IntrinsicSyntaxError",
    "Literal",
    "Node",
    "PathRef",
    "StringLiteral",
    "parse_intrinsic",
]


class IntrinsicSyntaxError(ValueError):
    """The text is not a well-formed intrinsic function call; ``position`` is a 0-based offset."""

    def __init__(self, message: str, text: str, position: int) -> None:
        self.text = text
        self.position = position
        self.detail = message
        super().__init__(f"{message} at column {position + 1} of intrinsic function {text!r}")


@dataclass(frozen=True, slots=True)
class Literal:
    """A number, ``true``, ``false`` or ``null`` written in the call."""

    value: Any


@dataclass(frozen=True, slots=True)
class StringLiteral:
    """A quoted string: ``value`` unescaped, ``pieces`` the value split at unescaped ``{}``."""

    value: str
    pieces: tuple[str, ...]
    error: str | None = None  # set when the literal holds an open escape backslash


@dataclass(frozen=True, slots=True)
class PathRef:
    """A path argument; ``text`` is handed to the engine's resolver unchanged."""

    text: str


@dataclass(frozen=True, slots=True)
class Call:
    """``States.<name>(args)``; ``source`` is the call's own text, quoted in error causes."""

    name: str
    args: tuple[Node, ...]
    source: str
    position: int


Node = Union[Call, Literal, StringLiteral, PathRef]

_FUNCTION_NAME = re.compile(r"States\.([A-Za-z][A-Za-z0-9]*)")
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
_WORD = re.compile(r"[A-Za-z]+")
_KEYWORDS = {"true": True, "false": False, "null": None}
_ESCAPABLE = "'{}\\"


def parse_intrinsic(text: str) -> Call:
    """The AST of one intrinsic call; surrounding whitespace is allowed, nothing else is."""
    if not isinstance(text, str):
        raise IntrinsicSyntaxError("an intrinsic function must be a string", repr(text), 0)
    parser = _Parser(text)
    parser.skip_space()
    if not text.startswith("States.", parser.pos):
        raise IntrinsicSyntaxError("expected an intrinsic function call 'States.<Name>(...)'", text, parser.pos)
    call = parser.call()
    parser.skip_space()
    if parser.pos != len(text):
        raise IntrinsicSyntaxError("unexpected text after the closing ')'", text, parser.pos)
    return call


class _Parser:
    """A recursive-descent parser over ``text``; ``pos`` is the next unread character."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, message: str, position: int | None = None) -> IntrinsicSyntaxError:
        return IntrinsicSyntaxError(message, self.text, self.pos if position is None else position)

    def skip_space(self) -> None:
        text, pos = self.text, self.pos
        while pos < len(text) and text[pos].isspace():
            pos += 1
        self.pos = pos

    def call(self) -> Call:
        start = self.pos
        match = _FUNCTION_NAME.match(self.text, start)
        if not match:
            raise self.fail("expected a function name 'States.<Name>'")
        self.pos = match.end()
        self.skip_space()
        if not self.text.startswith("(", self.pos):
            raise self.fail(f"expected '(' after {match.group(0)}")
        self.pos += 1
        args: list[Node] = []
        self.skip_space()
        if self.text.startswith(")", self.pos):
            self.pos += 1
            return Call(match.group(1), (), self.text[start:self.pos], start)
        while True:
            self.skip_space()
            args.append(self.argument())
            self.skip_space()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            if self.text.startswith(")", self.pos):
                self.pos += 1
                return Call(match.group(1), tuple(args), self.text[start:self.pos], start)
            if self.pos >= len(self.text):
                raise self.fail(f"missing ')' to close {match.group(0)}(")
            raise self.fail("expected ',' or ')' after an argument")

    def argument(self) -> Node:
        text, pos = self.text, self.pos
        if pos >= len(text):
            raise self.fail("expected an argument")
        ch = text[pos]
        if ch == "'":
            return self.string()
        if ch == "$":
            return self.path()
        if text.startswith("States.", pos):
            return self.call()
        if ch == "-" or ch.isdigit():
            return self.number()
        word = _WORD.match(text, pos)
        if word and word.group(0) in _KEYWORDS:
            self.pos = word.end()
            return Literal(_KEYWORDS[word.group(0)])
        if ch in ",)":
            raise self.fail("expected an argument")
        raise self.fail("expected a string in single quotes, a number, true, false, null, a path or a call")

    def number(self) -> Literal:
        match = _NUMBER.match(self.text, self.pos)
        if not match:
            raise self.fail("malformed number")
        self.pos = match.end()
        digits = match.group(0)
        if match.group(1) or match.group(2):
            return Literal(float(digits))
        return Literal(int(digits))

    def string(self) -> StringLiteral:
        text = self.text
        pos = self.pos + 1  # past the opening quote
        chunks: list[str] = []  # characters of the current piece
        pieces: list[str] = []
        error: str | None = None
        while True:
            if pos >= len(text):
                raise self.fail("unterminated string literal: missing closing \"'\"", self.pos)
            ch = text[pos]
            if ch == "'":
                pos += 1
                break
            if ch == "\\":
                nxt = text[pos + 1] if pos + 1 < len(text) else ""
                if nxt and nxt in _ESCAPABLE:
                    chunks.append(nxt)
                    pos += 2
                    continue
                if error is None:
                    error = f"open escape backslash at column {pos + 1}: only \\', \\{{, \\}} and \\\\ are escapes"
                chunks.append(ch)
                pos += 1
                continue
            if ch == "{" and text.startswith("{}", pos):
                pieces.append("".join(chunks))
                chunks = []
                pos += 2
                continue
            chunks.append(ch)
            pos += 1
        pieces.append("".join(chunks))
        self.pos = pos
        return StringLiteral("{}".join(pieces), tuple(pieces), error)

    def path(self) -> PathRef:
        """Read a path up to the first top-level ``,``/``)`` or whitespace."""
        text = self.text
        start = pos = self.pos
        open_brackets: list[str] = []  # the closers still expected, innermost last
        quote = ""  # the quote character while inside a quoted member name
        while pos < len(text):
            ch = text[pos]
            if quote:
                if ch == "\\":
                    pos += 2
                    continue
                if ch == quote:
                    quote = ""
            elif ch in "'\"" and open_brackets:
                quote = ch
            elif ch == "[":
                open_brackets.append("]")
            elif ch == "(":
                open_brackets.append(")")
            elif ch in "])":
                if not open_brackets:
                    break
                if open_brackets.pop() != ch:
                    raise self.fail("unbalanced brackets or quotes in path", start)
            elif not open_brackets and (ch == "," or ch.isspace()):
                break
            pos += 1
        if quote or open_brackets:
            raise self.fail("unbalanced brackets or quotes in path", start)
        self.pos = pos
        return PathRef(text[start:pos])

"""Is this string a well-formed path, reference path or intrinsic function call?

Validation needs the answer before anything runs; the engine needs the same answer when it
compiles the expression. So that the two never disagree, the syntax itself is judged by the
engine's own compilers, :func:`aslrun.expr.jsonpath.compile_path` (and
``compile_reference_path``) and :func:`aslrun.expr.intrinsics.compile_intrinsic`, whenever they
can be imported. Without them, a small recogniser here stands in (the ASL subset of Jayway
JsonPath, and the ``States.*`` call grammar).

JSONata expressions (``{% ... %}``) are parsed with jsonata-python, the library the engine
evaluates them with.

What stays here either way is what only the static check cares about: which *kind* of path a
field takes. A reference path (``ResultPath``, ``ItemsPath``, the ``...Path`` fields) must name
one node, so it has no wildcard, deep scan, filter, slice, union or function; ``ResultPath``
can only write into the state's input, so it starts at ``$`` (no ``$$``, no ``$variable``).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from enum import Enum

from aslrun.model.standin_syntax import (
    INTRINSIC_FUNCTIONS,
    VARIABLE_ROOT,
    SyntaxProblem,
    parse_intrinsic,
    parse_path,
    reference_problem,
)

__all__ = [
    "INTRINSIC_FUNCTIONS",
    "PathKind",
    "intrinsic_problem",
    "is_intrinsic",
    "is_jsonata",
    "jsonata_problem",
    "path_problem",
    "payload_value_problem",
]


class PathKind(Enum):
    """Which paths a field accepts."""

    PATH = "path"  #: any JSONPath over the input, the context (``$$``) or a variable
    REFERENCE = "reference"  #: a path naming a single node, over input, context or a variable
    RESULT = "result"  #: a reference path into the state's input only (``ResultPath``)


def is_jsonata(value: object) -> bool:
    """A JSONata expression field value: a string written ``{% expression %}``."""
    return isinstance(value, str) and len(value) >= 4 and value.startswith("{%") and value.endswith("%}")


def is_intrinsic(text: str) -> bool:
    """The string is meant as an intrinsic function call (``States.Name(...)``)."""
    return text.lstrip().startswith("States.")


def path_problem(text: str, kind: PathKind = PathKind.PATH) -> str | None:
    """Why ``text`` is not a path of ``kind``, or None when it is one."""
    if not text.startswith("$"):
        return "a path must start with '$'"
    if kind is PathKind.RESULT and (text.startswith("$$") or VARIABLE_ROOT.match(text)):
        return "ResultPath can only refer to the state's input ('$...'), not to the context or a variable"
    if kind is PathKind.PATH:
        engine = _engine_compiler("aslrun.expr.jsonpath", "compile_path", "PathSyntaxError")
    else:
        engine = _engine_compiler("aslrun.expr.jsonpath", "compile_reference_path", "PathSyntaxError")
    if engine is not None:
        return engine(text)
    try:
        segments = parse_path(text)
    except SyntaxProblem as exc:
        return str(exc)
    return None if kind is PathKind.PATH else reference_problem(segments)


def intrinsic_problem(text: str) -> str | None:
    """Why ``text`` is not a well-formed intrinsic function call, or None when it is one."""
    compiler = _engine_compiler("aslrun.expr.intrinsics", "compile_intrinsic", "IntrinsicSyntaxError")
    if compiler is not None:
        return compiler(text)
    try:
        parse_intrinsic(text, path_problem)
    except SyntaxProblem as exc:
        return str(exc)
    return None


@functools.lru_cache(maxsize=4096)
def jsonata_problem(expression: str) -> str | None:
    """Why ``expression`` (the text between ``{%`` and ``%}``) does not parse as JSONata, or None.

    Parsed by jsonata-python, the library the engine evaluates JSONata with, so an expression
    that passes here compiles there too.
    """
    from jsonata.jsonata import Jsonata  # type: ignore[import-untyped]  # loaded on first use only

    try:
        Jsonata(expression)
    except Exception as exc:  # jsonata-python raises JException (and, rarely, others) on bad syntax
        code = getattr(exc, "error", None)
        position = getattr(exc, "location", None)
        where = f" at position {position}" if isinstance(position, int) else ""
        return f"{code or 'syntax error'}{where}: {exc}"
    return None


def payload_value_problem(text: str) -> str | None:
    """Why ``text`` is unusable as the value of a ``"key.$"`` field (a path or intrinsic)."""
    if is_intrinsic(text):
        return intrinsic_problem(text)
    return path_problem(text, PathKind.PATH)


# --- the engine's compilers, when they exist ---------------------------------------------------


@functools.cache
def _engine_compiler(module: str, function: str, error: str) -> Callable[[str], str | None] | None:
    """A checker built on the engine's compiler: returns its error message, or None when valid."""
    try:
        mod = importlib.import_module(module)
        compile_fn = getattr(mod, function)
        error_type = getattr(mod, error)
    except Exception:  # absent, or not importable right now: the stand-in answers instead
        return None

    def check(text: str) -> str | None:
        try:
            compile_fn(text)
        except error_type as exc:
            return str(exc) or f"invalid syntax: {text!r}"
        return None

    return check

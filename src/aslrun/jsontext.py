"""Reading a JSON document the user gives (a definition, an execution input...), strictly.

Python's ``json`` module accepts what no other JSON reader does, and lets through values that
fail much later, far from their cause: ``NaN`` and ``Infinity``, a number too large for a double
(``1e400`` becomes ``inf``, printed back as ``Infinity``), an escaped lone surrogate (``"\\ud800"``,
which no UTF-8 writer can encode), an integer of more digits than Python converts (its error tells
the user to call ``sys.set_int_max_str_digits``), and bytes that are not UTF-8. :func:`read_json`
refuses each of them at reading time, saying where, with :class:`JsonTextError`; callers turn it
into their own error (:class:`~aslrun.errors.DefinitionError`, :class:`~aslrun.errors.InputError`).

:func:`json_value_problem` asks the same of a value built in Python (the API's
``StateMachine(definition)`` and ``execute(input)``).
"""

from __future__ import annotations

import itertools
import json
import math
from typing import Any, Callable

from .jsondepth import MAX_DEPTH, too_deep

__all__ = ["MAX_INT_DIGITS", "SCALAR_TYPES", "JsonTextError", "compact_json_text", "decode_utf8", "dump_json",
           "json_size", "json_value_problem", "json_writer", "read_json", "read_json_input"]

#: Python refuses to convert longer integers (``sys.get_int_max_str_digits()``'s default).
MAX_INT_DIGITS = 4300


class JsonTextError(ValueError):
    """Why a JSON text was refused; ``place`` says where in the text (``line 3 column 7``) or in
    the document (``States.A.Result``), or is None when it concerns the whole text."""

    def __init__(self, message: str, place: str | None = None, *, position: tuple[int, int] | None = None) -> None:
        self.message = message
        self.place = place
        self.position = position  # (line, column) of text that does not parse as JSON
        super().__init__(f"{message} (at {place})" if place else message)


def decode_utf8(data: bytes) -> str:
    """``data`` as text (a UTF-8 byte order mark is dropped), or :class:`JsonTextError`."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise JsonTextError(f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot start or continue a character",
                            f"line {line} column {column}, byte {exc.start}") from None


def read_json(text: str, *, object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None,
              root: str = "$") -> Any:
    """The JSON value of ``text``: strict JSON, numbers a double holds (integers of up to
    :data:`MAX_INT_DIGITS` digits), valid Unicode, nesting up to :data:`~aslrun.jsondepth.MAX_DEPTH`.
    ``root`` names the document in the places of :class:`JsonTextError` (``""``: places read as
    definition locations, ``States.A.Result``)."""
    numbers: list[str] = []

    def parse_float(literal: str) -> float:
        value = float(literal)
        if math.isinf(value):
            numbers.append(literal)
            raise _Refused(f"the number {_shorten(literal)} is too large (it does not fit a double; AWS refuses it too)")
        return value

    def parse_int(literal: str) -> int:
        digits = len(literal.lstrip("-"))
        if digits > MAX_INT_DIGITS:
            numbers.append(literal)
            raise _Refused(f"an integer of {digits} digits is too long (at most {MAX_INT_DIGITS} digits)")
        return int(literal)

    def parse_constant(name: str) -> Any:
        numbers.append(name)
        raise _Refused(f"{name} is not JSON (JSON has no NaN or Infinity)")

    try:
        value = json.loads(text, object_pairs_hook=object_pairs_hook, parse_float=parse_float, parse_int=parse_int,
                           parse_constant=parse_constant)
    except json.JSONDecodeError as exc:
        raise JsonTextError(f"invalid JSON: {exc.msg}", f"line {exc.lineno} column {exc.colno}",
                            position=(exc.lineno, exc.colno)) from None
    except _Refused as exc:
        place = _place_of(text, numbers[-1]) if numbers else None
        raise JsonTextError(str(exc), place) from None
    except RecursionError:
        raise JsonTextError(f"nested too deeply to read (aslrun reads up to {MAX_DEPTH} levels)") from None
    except ValueError as exc:  # anything else json's scanner refuses
        raise JsonTextError(str(exc)) from None
    problem = json_value_problem(value, check_types=False, root=root)
    if problem is not None:
        raise JsonTextError(problem[1], problem[0] if problem[0] != root else None)
    return value


def read_json_input(text: str, where: str) -> Any:
    """:func:`read_json`, its refusal an :class:`~aslrun.errors.InputError` naming ``where`` (a file, an
    option) and, for a syntax error, the line and column."""
    from .errors import InputError

    try:
        return read_json(text)
    except JsonTextError as exc:
        if exc.position is not None:
            line, column = exc.position
            detail = exc.message.removeprefix("invalid JSON: ")
            raise InputError(f"{where}: invalid JSON at line {line}, column {column}: {detail}") from None
        raise InputError(f"{where}: {exc}") from None


#: the types of JSON's scalars as Python reads them (the leaves of a plain JSON value)
SCALAR_TYPES = frozenset({str, int, float, bool, type(None)})
_STR_ONLY = frozenset({str})
_DICT_ONLY = frozenset({dict})


def _surely_sound(value: Any) -> bool:
    """True only when ``value`` is certainly sound: exact JSON types (dict with str keys, list, str,
    int, float, bool, None), finite numbers, no lone surrogate, at most :data:`MAX_DEPTH` levels.
    False means "look closer" (:func:`json_value_problem` then finds what and where). One walk over
    the containers; a container of scalars only (a reading's thousands of values) is checked by C
    routines: its types as a set, its floats by their sum (finite exactly when every one is, unless
    the sum overflows, which only sends it to the closer look), its strings by encoding them all
    at once (UTF-8 refuses any surrogate). A list of objects (records) is taken as one batch, and
    its records' arrays of scalars together (a reading's 32 days of values: 234 -> 104 us)."""
    texts: list[str] = []
    floats: list[float] = []
    stack: list[tuple[Any, int]] = [([value], 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return False
        keys: Any
        children: Any
        if node.__class__ is dict:
            keys = node.keys()
            if not _STR_ONLY.issuperset(map(type, keys)):
                return False
            texts.extend(keys)
            children = node.values()
        elif node and _DICT_ONLY.issuperset(map(type, node)):  # a list of objects (records): one batch
            depth += 1  # (the objects' depth: their values are children at the next)
            if depth > MAX_DEPTH:
                return False
            keys = list(itertools.chain.from_iterable(node))
            if not _STR_ONLY.issuperset(map(type, keys)):
                return False
            texts.extend(keys)
            children = list(itertools.chain.from_iterable(map(dict.values, node)))
        else:
            children = node
        if not _scalars_taken(children, texts, floats):
            lists: list[Any] = []
            for child in children:
                cls = child.__class__
                if cls is list:
                    lists.append(child)
                elif cls is dict:
                    stack.append((child, depth + 1))
                elif cls is str:
                    texts.append(child)
                elif cls is float:
                    floats.append(child)
                elif cls not in SCALAR_TYPES:
                    return False
            if depth + 1 > MAX_DEPTH and lists:
                return False
            if len(lists) > 1 and _scalars_taken(list(itertools.chain.from_iterable(lists)), texts, floats):
                continue  # arrays of scalars (a record's values), taken together
            stack.extend((child, depth + 1) for child in lists)
    if not math.isfinite(sum(floats)):
        return False
    try:
        "".join(texts).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _scalars_taken(children: Any, texts: list[str], floats: list[float]) -> bool:
    """When every child is a JSON scalar (checked as a set of types, in C): its strings added to
    ``texts`` and its floats to ``floats``, True; otherwise nothing added, False."""
    kinds = set(map(type, children))
    if not kinds <= SCALAR_TYPES:
        return False
    if str in kinds:
        texts.extend(child for child in children if child.__class__ is str)
    if float in kinds:
        floats.extend(children if len(kinds) == 1 else (c for c in children if c.__class__ is float))
    return True


def json_value_problem(value: Any, *, check_types: bool = True, root: str = "$") -> tuple[str, str] | None:
    """``(where, what)`` of the first thing in ``value`` that is not JSON a run can use (a lone
    surrogate, NaN or an infinity, too deep a nesting, with ``check_types`` a Python value JSON has
    no type for), ``where`` a JSONPath-like location (``$.a[2]``, ``$`` the value itself); None
    when it is sound. ``root`` is the location of ``value`` itself (``""``: definition locations,
    ``States.A.Result``)."""
    if _surely_sound(value):  # the fast answer for the usual document
        return None
    return _problem_found(value, check_types, root)


def _problem_found(value: Any, check_types: bool, root: str) -> tuple[str, str] | None:
    """:func:`json_value_problem` without its fast answer: the first problem and where."""
    if too_deep(value):
        return root, f"nested more than {MAX_DEPTH} levels deep (aslrun's limit)"
    try:  # the next fastest, for a sound document of other types (a str subclass...)
        json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
        return None
    except (ValueError, TypeError, UnicodeEncodeError, RecursionError):
        pass
    stack: list[tuple[Any, str]] = [(value, root)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            if _has_surrogate(node):
                return where, "a string holds a lone surrogate (\\ud800-\\udfff), which is not valid Unicode"
        elif isinstance(node, float):
            if not math.isfinite(node):
                return where, f"{node!r} is not a JSON number (JSON has no NaN or Infinity)"
        elif isinstance(node, dict):
            items = list(node.items())
            for key, child in reversed(items):
                if not isinstance(key, str):
                    if check_types:
                        return where, f"an object key must be a string, not {type(key).__name__}"
                    continue
                if _has_surrogate(key):
                    return where, "an object key holds a lone surrogate (\\ud800-\\udfff), which is not valid Unicode"
                stack.append((child, _child(where, key)))
        elif isinstance(node, list):
            stack.extend((child, f"{where}[{i}]") for i, child in reversed(list(enumerate(node))))
        elif check_types and not (node is None or isinstance(node, (bool, int))):
            return where, f"a {type(node).__name__} is not a JSON value"
    return None


def _child(where: str, key: str) -> str:
    if not where:
        return key
    if where.startswith("$") and not key.isidentifier():
        return f"{where}[{json.dumps(key, ensure_ascii=False)}]"
    return f"{where}.{key}"


class _Refused(ValueError):
    pass


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _place_of(text: str, literal: str) -> str | None:
    index = text.find(literal)
    if index < 0:
        return None
    line = text.count("\n", 0, index) + 1
    return f"line {line} column {index - (text.rfind(chr(10), 0, index) + 1) + 1}"


def _shorten(literal: str) -> str:
    return literal if len(literal) <= 40 else f"{literal[:20]}...{literal[-10:]}"


def json_writer(*, separators: tuple[str, str] = (", ", ": "), ensure_ascii: bool = True,
                allow_nan: bool = True) -> Callable[[Any], str]:
    """``json.dumps`` with these options, for texts written many times a run: json's C encoder is
    made once here (json.dumps makes one for each call given any option). The same text; what the C
    encoder refuses (an object json does not know: it has no ``default``; a cycle: it keeps no
    markers, so that threads may share it; NaN where not allowed) goes to json.dumps, which writes
    it or raises in its own words."""
    make_encoder = getattr(json.encoder, "c_make_encoder", None)
    escape = json.encoder.encode_basestring_ascii if ensure_ascii else json.encoder.encode_basestring
    encode = (make_encoder(None, None, escape, None, separators[1], separators[0], False, False, allow_nan)
              if make_encoder is not None else None)

    def write(value: Any) -> str:
        if encode is not None:
            try:
                return "".join(encode(value, 0))
            except (TypeError, ValueError, RecursionError):
                pass
        return json.dumps(value, separators=separators, ensure_ascii=ensure_ascii, allow_nan=allow_nan)

    return write


def json_size(value: Any) -> int:
    """The bytes of ``value``'s compact JSON text in UTF-8: what AWS's payload limit counts (an ASCII
    text's length is its size: it is not encoded again)."""
    text = compact_json_text(value)
    return len(text) if text.isascii() else len(text.encode("utf-8"))


#: ``json.dumps(value, separators=(",", ":"), ensure_ascii=False)``, its encoder made once: the payload
#: limit's measure, the history's and the server's event texts, causes and variables write such texts many
#: times a run
compact_json_text = json_writer(separators=(",", ":"), ensure_ascii=False)


def dump_json(value: Any, *, what: str = "the output", **options: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, **options)`` that never writes NaN or Infinity (which
    no JSON reader takes): a value holding one is a :class:`JsonTextError` naming ``what`` and where."""
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, **options)
    except ValueError:
        problem = json_value_problem(value)
        where, message = problem if problem is not None else ("$", "it is not JSON")
        raise JsonTextError(f"{what} cannot be written as JSON: {message}", where) from None

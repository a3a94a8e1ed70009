"""The non-array intrinsics: Format, StringToJson, JsonToString, Base64Encode, Base64Decode, Hash,
JsonMerge, MathRandom, MathAdd, StringSplit and UUID.

Plain functions over evaluated JSON arguments; a bad argument raises :class:`ArgumentProblem`.
Behaviour copied from AWS recordings where they exist (LocalStack's AWS-validated snapshots):

* ``Format`` inserts strings raw, ``null`` as ``null``, objects as ``{Arg1=1, Arg2=[]}``;
* ``StringToJson`` of an empty or blank string is ``null``;
* ``JsonToString`` prints compact JSON (``{"Arg1":1,"Arg2":[]}``);
* ``MathAdd`` rounds each argument half-up first (``1.5 + 1.51 = 4``);
* ``StringSplit`` splits at *any* delimiter character and drops empty pieces (``",,,"`` gives
  ``[]``), like Java's ``StringTokenizer``.

Limits from the developer guide: Base64 input and Hash data at most 10,000 characters, MathAdd
arguments within 32-bit signed integers, MathRandom's end exclusive, JsonMerge shallow only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import random
import re
import uuid
from functools import lru_cache
from typing import Any

from .intrinsics_values import (
    ArgumentProblem,
    describe,
    expect_integer,
    expect_object,
    expect_string,
    format_text,
    json_text,
)

__all__ = [
    "FormatTemplate",
    "base64_decode",
    "base64_encode",
    "format_string",
    "hash_text",
    "json_merge",
    "json_to_string",
    "math_add",
    "math_random",
    "string_split",
    "string_to_json",
    "uuid4",
]

MAX_ENCODING_CHARS = 10_000
MAX_HASH_CHARS = 10_000
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
HASH_ALGORITHMS = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}


class FormatTemplate:
    """A ``States.Format`` template written as a literal: its text already split at placeholders
    (escaped ``\\{}`` is not a placeholder, which a runtime string cannot express)."""

    __slots__ = ("pieces",)

    def __init__(self, pieces: tuple[str, ...]) -> None:
        self.pieces = pieces


def format_string(template: Any, *values: Any) -> str:
    """The template with each ``{}`` replaced by the next value."""
    if isinstance(template, FormatTemplate):
        pieces: tuple[str, ...] | list[str] = template.pieces
    else:
        pieces = expect_string(template, 1).split("{}")
    if len(pieces) - 1 != len(values):
        raise ArgumentProblem(
            f"the template has {len(pieces) - 1} placeholder(s) '{{}}' but {len(values)} value(s) follow it"
        )
    out = [pieces[0]]
    for value, piece in zip(values, pieces[1:]):
        out.append(format_text(value))
        out.append(piece)
    return "".join(out)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise ValueError(f"the number {text} is out of range")
    return number


def string_to_json(text: Any) -> Any:
    """The JSON value a string holds; an empty or blank string gives ``null``."""
    source = expect_string(text, 1)
    if not source.strip():
        return None
    try:
        return json.loads(source, parse_constant=_refuse_constant, parse_float=_finite_float)
    except ValueError as exc:
        raise ArgumentProblem(f"argument 1 is not valid JSON ({exc}): {describe(source)}") from None


def json_to_string(value: Any) -> str:
    return json_text(value)


def base64_encode(text: Any) -> str:
    """Standard Base64 (RFC 4648, with padding) of the string's UTF-8 bytes."""
    source = _limited_string(text, MAX_ENCODING_CHARS)
    return base64.b64encode(source.encode("utf-8")).decode("ascii")


def base64_decode(text: Any) -> str:
    """The UTF-8 text of Base64 data, read as Java's ``Base64.getDecoder()`` reads it.

    Padding may be left out (``QQ`` is ``A``), but padding that is there must be complete (``QQ=``
    is refused), as must the last group (a single character left over is refused).
    """
    source = _limited_string(text, MAX_ENCODING_CHARS)
    if "=" in source and len(source) % 4:
        raise ArgumentProblem(f"argument 1 is not valid Base64: {describe(source)}")
    padded = source + "=" * (-len(source) % 4)
    try:
        data = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        raise ArgumentProblem(f"argument 1 is not valid Base64: {describe(source)}") from None
    return data.decode("utf-8", errors="replace")


def hash_text(data: Any, algorithm: Any) -> str:
    """The lowercase hex digest of the string's UTF-8 bytes."""
    source = _limited_string(data, MAX_HASH_CHARS)
    name = expect_string(algorithm, 2)
    if name not in HASH_ALGORITHMS:
        raise ArgumentProblem(
            f"argument 2 must name a hash algorithm ({', '.join(HASH_ALGORITHMS)}), but was {describe(name)}"
        )
    return hashlib.new(HASH_ALGORITHMS[name], source.encode("utf-8")).hexdigest()


def json_merge(first: Any, second: Any, deep: Any) -> dict[str, Any]:
    """The members of both objects; the second wins on a shared key (shallow merge only)."""
    left = expect_object(first, 1)
    right = expect_object(second, 2)
    if deep is not False:
        if deep is True:
            raise ArgumentProblem("deep merging is not supported: argument 3 must be false")
        raise ArgumentProblem(f"argument 3 must be the boolean false, but was {describe(deep)}")
    return {**left, **right}


def math_add(first: Any, second: Any) -> int:
    """The sum of two integers (fractions rounded half-up first)."""
    return _int32(first, 1) + _int32(second, 2)


def math_random(start: Any, end: Any, seed: Any = None, *, rng: random.Random) -> int:
    """A random integer in ``[start, end)``; the same seed always gives the same number."""
    low = expect_integer(start, 1)
    high = expect_integer(end, 2)
    if high <= low:
        raise ArgumentProblem(
            f"argument 2 (the end, exclusive) must be greater than argument 1 (the start), "
            f"but the range was [{low}, {high})"
        )
    source = rng if seed is None else random.Random(expect_integer(seed, 3))
    return source.randrange(low, high)


def string_split(text: Any, delimiters: Any) -> list[str]:
    """The non-empty pieces of the string between any of the delimiter characters."""
    source = expect_string(text, 1)
    chars = expect_string(delimiters, 2)
    if not chars:
        return [source] if source else []
    return [piece for piece in _splitter(chars).split(source) if piece]


@lru_cache(maxsize=256)
def _splitter(chars: str) -> re.Pattern[str]:
    return re.compile("[" + "".join(re.escape(ch) for ch in chars) + "]+")


def uuid4(*, rng: random.Random) -> str:
    """A version 4 UUID drawn from ``rng`` (the execution's seeded source: runs are repeatable)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _limited_string(value: Any, limit: int) -> str:
    text = expect_string(value, 1)
    if len(text) > limit:
        raise ArgumentProblem(f"argument 1 has {len(text)} characters, more than the maximum of {limit}")
    return text


def _int32(value: Any, position: int) -> int:
    number = expect_integer(value, position)
    if not INT32_MIN <= number <= INT32_MAX:
        raise ArgumentProblem(
            f"argument {position} must be within [{INT32_MIN}, {INT32_MAX}], but was {describe(value)}"
        )
    return number

"""The functions Step Functions adds to JSONata, and the built-ins it must answer differently.

AWS's additions (behaviour as recorded on AWS where known):

* ``$partition(array, size)`` - consecutive chunks; no size: one chunk; the size is truncated
  towards zero; an empty array or a size of 0 gives nothing; a negative size is an error;
* ``$range(start, end, step)`` - ``start, start+step, ...`` up to and including ``end``
  (arguments truncated towards zero); no step, a step of 0 or one pointing away from ``end``
  give nothing; a one-element range is that element (a JSONata sequence);
* ``$hash(value, algorithm)`` - hex digest of the UTF-8 text (MD5, SHA-1, SHA-256, SHA-384,
  SHA-512; the name is case-sensitive); no algorithm gives nothing;
* ``$random([seed])`` - a number in [0, 1); with a seed, ``java.util.Random(seed).nextDouble()``
  (so the same seed gives AWS's number), without one a draw from the execution's seeded source;
* ``$uuid()`` - a version 4 UUID from the execution's seeded source;
* ``$parse(text)`` - strict JSON parsing (no duplicate keys, no trailing data, no NaN).

Built-ins replaced so that a run is repeatable and prints numbers as AWS does: ``$now`` and
``$millis`` read the execution's (possibly virtual) clock, ``$string`` writes JavaScript's
number text. A function that needs the execution (clock, random source) is made per evaluation
scope by :func:`scope_functions`; the others are shared, bound once in :data:`AWS_FRAME`.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import uuid
from collections.abc import Callable
from typing import Any

from jsonata.functions import Functions
from jsonata.jexception import JException
from jsonata.jsonata import Jsonata
from jsonata.signature import Signature
from jsonata.utils import Utils

from .jsonata_values import deep_copy, js_string, to_jsonata

__all__ = ["AWS_FRAME", "SCOPE_FUNCTION_NAMES", "java_random_double", "scope_functions"]

_HASHES = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}
_MAX_RANGE = 10_000_000  # the JavaScript range operator's limit


class AwsFunction(Jsonata.JFunction):
    """A function implemented here, with a JSONata signature checked before the call."""

    def __init__(self, name: str, signature: str, implementation: Callable[..., Any]) -> None:
        self.function = None
        self.function_name = name
        self.signature = Signature(signature, name)
        self.implementation = implementation
        self.nargs = implementation.__code__.co_argcount

    def call(self, input: Any, args: Any) -> Any:
        values = list(args or ())
        values += [None] * (self.nargs - len(values))
        return self.implementation(*values[: self.nargs])

    def get_number_of_args(self) -> int:
        return self.nargs


def _failure(message: str) -> JException:
    """An error raised by one of AWS's functions: reported as ``D3137: <message>``."""
    return JException("D3137", 0, message)


def _truncate(number: Any) -> int:
    return int(math.trunc(number))


# -- AWS's functions --------------------------------------------------------------------------------

def partition(values: Any, size: Any) -> Any:
    if values is None:
        return None
    items = list(values)
    if not items:
        return None
    if size is None:
        return [items]
    chunk = _truncate(size)
    if chunk < 0:
        raise _failure("Second argument must be zero or greater")
    if chunk == 0:
        return None
    return [items[i:i + chunk] for i in range(0, len(items), chunk)]


def number_range(start: Any, end: Any, step: Any) -> Any:
    if start is None or end is None or step is None:
        return None
    first, last, increment = _truncate(start), _truncate(end), _truncate(step)
    if increment == 0 or (last - first) * increment < 0:
        return None
    count = (last - first) // increment + 1
    if count > _MAX_RANGE:
        raise JException("D2014", 0, count)
    return Utils.create_sequence_from_iter(range(first, first + count * increment, increment))


def hash_text(value: Any, algorithm: Any) -> Any:
    if value is None or algorithm is None:
        return None
    name = _HASHES.get(algorithm)
    if name is None:
        raise _failure(
            f"Invalid hash algorithm '{algorithm}'. Supported algorithms: {', '.join(_HASHES)}"
        )
    return hashlib.new(name, value.encode("utf-8")).hexdigest()


def parse(text: Any) -> Any:
    if text is None:
        return None
    try:
        return json.loads(
            text, object_pairs_hook=_unique_keys, parse_constant=_reject_constant, parse_float=_finite_float,
        )
    except (ValueError, RecursionError) as problem:
        raise _failure(f"Invalid JSON: {problem}") from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {json.dumps(key)}")
        out[key] = value
    return out


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"the number {text} is out of range")
    return number


def _parse_result(text: Any) -> Any:
    """``$parse``: JSON null must stay null (jsonata-python's None would mean 'no value')."""
    if text is None:
        return None
    return to_jsonata(parse(text))


def java_random_double(seed: int) -> float:
    """``new java.util.Random(seed).nextDouble()``: AWS's ``$random(seed)``."""
    mask = (1 << 48) - 1
    state = ((seed & 0xFFFFFFFFFFFFFFFF) ^ 0x5DEECE66D) & mask

    def next_bits(bits: int) -> int:
        nonlocal state
        state = (state * 0x5DEECE66D + 0xB) & mask
        return state >> (48 - bits)

    high = next_bits(26)
    low = next_bits(27)
    return ((high << 27) + low) * (1.0 / (1 << 53))


def _string(value: Any, prettify: Any) -> Any:
    return js_string(value, bool(prettify))


def _distinct(values: Any) -> Any:
    """``$distinct`` keeps an array an array (jsonata-python returns a sequence, which a single
    remaining item would collapse) and compares items as JSON values."""
    if values is None:
        return None
    if not isinstance(values, list) or len(values) <= 1:
        return values
    results: list[Any] = Utils.create_sequence() if Utils.is_sequence(values) else []
    for item in values:
        if not any(Utils.is_deep_equal(item, kept) for kept in results):
            results.append(item)
    return results


def _power(base: Any, exponent: Any) -> Any:
    """``$power`` with JavaScript's failures: an overflow or a complex result is D3061."""
    if base is None:
        return None
    try:
        result = float(base) ** float(exponent)
    except (OverflowError, ZeroDivisionError):
        result = math.inf
    if isinstance(result, complex) or not math.isfinite(result):
        raise JException("D3061", 0, base, exponent)
    return Utils.convert_number(result)


def _to_millis(timestamp: Any, picture: Any) -> Any:
    """``$toMillis`` reporting a malformed timestamp as D3110, not a Python ValueError."""
    try:
        return Functions.datetime_to_millis(timestamp, picture)
    except (ValueError, OverflowError):
        raise JException("D3110", 0, timestamp) from None


#: The longest string ``$pad`` builds (JavaScript's own limit, about 2**29 characters, would take
#: gigabytes here first; a state's result is at most 256 KiB anyway).
_MAX_PAD = 100_000_000


def _js_error(message: str) -> JException:
    """A JavaScript error jsonata-js lets through (``RangeError: Invalid time value``): reported
    with no code, as AWS does."""
    return JException(message, 0)


def _pad(string: Any, width: Any, char: Any) -> Any:
    """``$pad`` refusing a width no string reaches (it used to exhaust memory)."""
    if isinstance(width, (int, float)) and math.isfinite(width) and \
            abs(_truncate(width)) - len(string or "") > _MAX_PAD:
        raise _js_error("RangeError: Invalid string length")
    if isinstance(width, float) and not math.isfinite(width):
        raise _js_error("RangeError: Invalid string length")
    return Functions.pad(string, width, char)


def _contains(string: Any, token: Any) -> Any:
    """``$contains`` with no token to look for is an error, not a Python RuntimeError."""
    if string is not None and token is None:
        raise _js_error('T0410: Argument 2 of function "contains" does not match function signature')
    return Functions.contains(string, token)


def _integer_picture(function: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """``$formatInteger`` / ``$parseInteger``: an unsupported picture is JSONata's D3130."""

    def call(value: Any, picture: Any) -> Any:
        try:
            return function(value, picture)
        except RuntimeError as error:
            if "is not supported by this implementation" not in str(error):
                raise
            raise JException("D3130", 0, picture) from None
        except (OverflowError, MemoryError):
            raise _js_error("RangeError: Invalid array length") from None

    return call


def _from_millis(millis: Any, picture: Any, timezone: Any) -> Any:
    """``$fromMillis`` (and ``$now``): a time no date holds is JavaScript's RangeError, a picture
    without its closing bracket JSONata's D3135."""
    try:
        return Functions.datetime_from_millis(millis, picture, timezone)
    except RuntimeError as error:
        if "closing bracket" in str(error):
            raise JException("D3135", 0) from None
        raise
    except (OverflowError, OSError, ValueError):
        raise _js_error("RangeError: Invalid time value") from None


def _make_shared_frame() -> Jsonata.Frame:
    frame = Jsonata.Frame(Jsonata.static_frame)
    for name, signature, implementation in (
        ("partition", "<an?:a>", partition),
        ("range", "<nnn?:a<n>>", number_range),
        ("hash", "<s-s?:s>", hash_text),
        ("parse", "<s-:j>", _parse_result),
        ("string", "<x-b?:s>", _string),
        ("distinct", "<x:x>", _distinct),
        ("power", "<n-n:n>", _power),
        ("toMillis", "<s-s?:n>", _to_millis),
        ("clone", "<(oa)-:o>", deep_copy),
        ("pad", "<s-ns?:s>", _pad),
        ("contains", "<s-(sf):b>", _contains),
        ("formatInteger", "<n-s:s>", _integer_picture(Functions.format_integer)),
        ("parseInteger", "<s-s:n>", _integer_picture(Functions.parse_integer)),
        ("fromMillis", "<n-s?s?:s>", _from_millis),
    ):
        frame.bind(name, AwsFunction(name, signature, implementation))
    return frame


#: The parent frame of every evaluation: JSONata's built-ins plus AWS's shared functions.
AWS_FRAME = _make_shared_frame()

#: Functions that read the execution (random source, clock): made per evaluation scope.
SCOPE_FUNCTION_NAMES = frozenset({"random", "uuid", "now", "millis"})


def scope_functions(rng: random.Random | None, now_seconds: Callable[[], float]) -> dict[str, Any]:
    """``$random``, ``$uuid``, ``$now`` and ``$millis`` bound to one execution."""
    source = rng if rng is not None else random.Random()

    def random_number(seed: Any) -> float:
        if seed is None:
            return source.random()
        return java_random_double(_truncate(seed))

    def new_uuid() -> str:
        return str(uuid.UUID(int=source.getrandbits(128), version=4))

    def millis() -> int:
        return int(round(now_seconds() * 1000))

    def now(picture: Any, timezone: Any) -> Any:
        return _from_millis(millis(), picture, timezone)

    return {
        "random": AwsFunction("random", "<n?:n>", random_number),
        "uuid": AwsFunction("uuid", "<:s>", new_uuid),
        "now": AwsFunction("now", "<s?s?:s>", now),
        "millis": AwsFunction("millis", "<:n>", millis),
    }

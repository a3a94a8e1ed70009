"""JSONata for mapping configurations, through the ``jsonata-python`` package.

Three things differ from calling ``jsonata.Jsonata(text).evaluate(data)`` directly, each on purpose:

* ``$$`` in a *field* expression is the root payload, as the ERP Toolkit documents for mappings
  ("``$$`` references the root payload, allowing access to batch-level fields from within the
  readings array"), while ``$`` stays the reading. Plain JSONata would make ``$$`` the reading,
  because the reading is the expression's input. We evaluate ``$__reading.( <expr> )`` against the
  root payload: the block's context is the reading and ``$$`` is the root.
* ``$number`` follows the JSONata specification. jsonata-python 0.7 casts with Python's
  ``float()``, so it accepts ``" 12"``, ``"1_000"``, ``"nan"`` and ``"inf"`` and raises a bare
  ``ValueError`` (not a JSONata error) for ``"abc"``; JSONata converts only strings that are legal
  JSON numbers and raises D3030 otherwise. We register a conforming ``$number`` on every compiled
  expression (tests/handlers/erp_import/test_jsonata_quirks.py shows both behaviours).
* Any exception raised while evaluating becomes :class:`JsonataFailure` with the JSONata message
  (``$error('Negative reading value')`` gives ``Negative reading value``), so callers never see a
  library traceback.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jsonata
from jsonata import jexception, utils

__all__ = ["CompiledExpression", "JsonataFailure", "compile_expression", "evaluate_on_reading", "as_list"]

_READING_VARIABLE = "__reading"
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\Z")


class JsonataFailure(Exception):
    """A JSONata expression failed to compile or to evaluate; the message is JSONata's."""


class _SpecFunctions:
    """Replacements for jsonata-python built-ins that deviate from the JSONata specification."""

    @staticmethod
    def number(arg: Any) -> Any:
        """``$number``: numbers unchanged, booleans 0/1, JSON-number strings parsed, else D3030."""
        if arg is None:
            return None
        if arg is utils.Utils.NULL_VALUE:
            raise jexception.JException("T0410", -1)
        if isinstance(arg, bool):
            return 1 if arg else 0
        if isinstance(arg, (int, float)):
            return arg
        if isinstance(arg, str) and _JSON_NUMBER.match(arg):
            number = float(arg)
            if math.isfinite(number):
                return int(number) if number.is_integer() and abs(number) < 2**53 else number
        raise jexception.JException("D3030", -1, arg)


_SPEC_NUMBER = jsonata.Jsonata.function("number", "<(nsb)-:n>", _SpecFunctions, "number")


@dataclass(frozen=True)
class CompiledExpression:
    """A checked JSONata expression, usable against a payload or a reading."""

    text: str
    _plain: jsonata.Jsonata
    _on_reading: jsonata.Jsonata

    def evaluate(self, data: Any) -> Any:
        """Evaluate with ``data`` as both the context and ``$$`` (top-level extraction)."""
        return _run(self._plain, self.text, data, None)


def compile_expression(text: str) -> CompiledExpression:
    """Compile ``text`` (cached), raising :class:`JsonataFailure` with the parser's message."""
    if not isinstance(text, str) or not text.strip():
        raise JsonataFailure("expression must be a non-empty string")
    return _compile_cached(text)


@lru_cache(maxsize=512)
def _compile_cached(text: str) -> CompiledExpression:
    plain = _parse(text)
    on_reading = _parse(f"${_READING_VARIABLE}.(\n{text}\n)")
    return CompiledExpression(text, plain, on_reading)


def evaluate_on_reading(expression: CompiledExpression, reading: Any, root: Any) -> Any:
    """Evaluate a field expression: context ``$`` is the reading, ``$$`` the root payload."""
    return _run(expression._on_reading, expression.text, root, {_READING_VARIABLE: reading})


def as_list(result: Any) -> list[Any]:
    """An extraction result as a list of readings: nothing -> [], one object -> [it]."""
    if result is None:
        return []
    if isinstance(result, list):
        return list(result)
    return [result]


def _parse(text: str) -> jsonata.Jsonata:
    try:
        compiled = jsonata.Jsonata(text)
    except Exception as exc:  # the parser raises JException, but keep library errors contained
        raise JsonataFailure(_message(exc)) from None
    compiled.register_function("number", _SPEC_NUMBER)
    return compiled


def _run(compiled: jsonata.Jsonata, text: str, data: Any, bindings: dict[str, Any] | None) -> Any:
    try:
        # Always pass a bindings mapping: jsonata-python then evaluates in a fresh frame instead of
        # binding ``$`` on the compiled expression's shared environment (cached instances).
        return compiled.evaluate(data, bindings or {})
    except RecursionError:
        raise JsonataFailure(f"expression {text!r} recursed too deeply") from None
    except Exception as exc:  # jsonata-python can raise ValueError/TypeError, not only JException
        raise JsonataFailure(_message(exc)) from None


def _message(exc: Exception) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__

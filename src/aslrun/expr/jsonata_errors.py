"""JSONata error messages as the JavaScript implementation (and so AWS) words them.

AWS puts ``"<code>: <message>"`` of the JSONata error into a States.QueryEvaluationError cause.
jsonata-python raises :class:`JException` with the same codes, but its message catalog was ported
from jsonata-java, where the word "function" was replaced by "Object" throughout and single
quotes by double ones; it also fills placeholders with raw values where JavaScript writes JSON
(``the "+" operator``), and a few functions raise with the whole message in the code slot.

:func:`describe` rebuilds the JavaScript message from the code and the exception's values:
placeholders are filled in template order with the exception's values, ``{{x}}`` as JSON and
``{{{x}}}`` raw, as jsonata-js's ``populateMessage`` does.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from jsonata.jexception import JException

from .jsonata_values import js_json

__all__ = ["describe"]

_PLACEHOLDER = re.compile(r"\{\{\{(\w+)\}\}\}|\{\{(\w+)\}\}")
_QUOTED_TERM = re.compile(r'"([A-Za-z][A-Za-z -]*|[\[\]])"')

#: T0412 names the element type by its signature letter; JavaScript spells it out.
_ARRAY_TYPES = {"a": "arrays", "b": "booleans", "f": "functions", "n": "numbers", "o": "objects", "s": "strings"}

#: Codes whose message jsonata-python gets wrong in a way the generic repair cannot see.
_TEMPLATE_FIXES = {
    "D2014": "The size of the sequence allocated by the range operator (..) must not exceed 1e7.  "
             "Attempted to allocate {{value}}.",
    "D3140": "Malformed URL passed to ${{{functionName}}}(): {{value}}",
}


def _js_template(code: str) -> str | None:
    if code in _TEMPLATE_FIXES:
        return _TEMPLATE_FIXES[code]
    template = JException.error_codes.get(code)
    if template is None:
        return None
    template = template.replace("Object", "function").replace("function property", "Object property")
    return _QUOTED_TERM.sub(r"'\1'", template)


@lru_cache(maxsize=None)
def _code_of_message() -> dict[str, str]:
    """Message text -> code, for the errors raised with their message in the code slot."""
    out = {}
    for code in JException.error_codes:
        template = _js_template(code)
        if template and "{{" not in template:
            out[template] = code
            out[JException.error_codes[code]] = code
    return out


def describe(error: BaseException) -> str:
    """``"<code>: <message>"`` as AWS reports a JSONata evaluation error."""
    if not isinstance(error, JException):
        return _describe_python_error(error)
    code = str(error.error)
    template = _js_template(code)
    if template is None:
        known = _code_of_message().get(code)
        if known is not None:
            return f"{known}: {_js_template(known)}"
        return code  # a message with no code (AWS's own function errors)
    values = [error.current, error.expected, error.extra]
    if code == "T0412" and isinstance(error.extra, str):
        values[2] = _ARRAY_TYPES.get(error.extra, error.extra)
    elif code == "D1002":  # raised with the operator first, then the value
        values = [error.expected]
    elif code == "D3100":  # raised with the radix in the position slot
        values = [error.location]
    if code == "D3137":  # $error(message): the message is the whole text
        return f"{code}: {error.current if error.current is not None else ''}"
    position = iter(values)

    def fill(match: re.Match[str]) -> str:
        value = next(position, None)
        if match.group(1) is not None:
            return "" if value is None else str(value)
        return "undefined" if value is None else js_json(value)

    return f"{code}: {_PLACEHOLDER.sub(fill, template)}"


def _describe_python_error(error: BaseException) -> str:
    """A Python exception escaping jsonata-python where JavaScript raises a coded error."""
    if isinstance(error, RecursionError):
        return ("U1001: Stack overflow error: Check for non-terminating recursive function.  "
                "Consider rewriting as tail-recursive.")
    text = str(error)
    if isinstance(error, ValueError) and "could not convert string to float" in text:
        value: Any = text.split(": ", 1)[-1].strip("'")
        return f"D3030: Unable to cast value to a number: {js_json(value)}"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__

"""Unreadable JSON described as AWS's Java services describe it: in the words of Jackson, the JSON
reader they run on, translated from Python's :class:`json.JSONDecodeError`.

Step Functions (a definition that is not JSON) and Lambda (an Invoke payload that is not JSON) run
different Jackson versions, and the two place the column differently after a bare word: Step
Functions just after the word (``not json``: column 4), Lambda after the character that ended it
(``test data``: column 6; a word cut at Jackson's 256 characters: column 257). Both quote at most
500 characters of the text in the location, Step Functions as a ``String``, Lambda as ``byte[]``
(what was left out counted in chars or bytes).

Covered: a bare word (``Unrecognized token``), an unexpected character where a value or a field
name should start, the end of the text; other errors keep Python's words in Jackson's frame.
"""

from __future__ import annotations

import json
from typing import Literal

__all__ = ["EXPECTED_VALUE", "describe"]

EXPECTED_VALUE = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
_SOURCE_LIMIT = 500  # Jackson quotes at most this much of the text in a location
_TOKEN_LIMIT = 256  # and at most this much of an unrecognized token


def describe(text: str, error: json.JSONDecodeError, *, source: Literal["String", "byte[]"] = "String"
             ) -> tuple[str, str]:
    """``(message, location)`` of the error Jackson reports for ``text``; the whole description is
    ``f"{message}\\n at {location}"``. ``source="byte[]"`` words it as Lambda's reader does."""
    position = error.pos
    found = text[position] if position < len(text) else ""
    end = position  # Jackson names the place just after what it read
    if not found:
        message = "Unexpected end-of-input"
    elif error.msg == "Expecting value" and _in_word(found):
        end = _word_end(text, position)
        word = text[position:end]
        if source == "byte[]":
            if len(word) > _TOKEN_LIMIT:
                word, end = word[:_TOKEN_LIMIT] + "...", position + _TOKEN_LIMIT
            elif end < len(text):
                end += 1  # (its reader has taken the character that ended the word)
        message = f"Unrecognized token '{word}': was expecting {EXPECTED_VALUE}"
    elif error.msg == "Expecting value":
        end = position + 1
        message = f"Unexpected character ('{found}' (code {ord(found)})): expected a valid value {EXPECTED_VALUE}"
    elif error.msg.startswith("Expecting property name"):
        end = position + 1
        message = f"Unexpected character ('{found}' (code {ord(found)})): was expecting double-quote to start " \
                  "field name"
    else:
        message = error.msg
    line = text.count("\n", 0, end) + 1
    column = end - (text.rfind("\n", 0, end) + 1) + 1
    return message, f"[Source: {_quoted(text, source)}; line: {line}, column: {column}]"


def _in_word(character: str) -> bool:
    return character.isalnum() or character in "_$"


def _word_end(text: str, start: int) -> int:
    end = start
    while end < len(text) and _in_word(text[end]):
        end += 1
    return end


def _quoted(text: str, source: str) -> str:
    if len(text) <= _SOURCE_LIMIT:
        return f'({source})"{text}"'
    kept = text[:_SOURCE_LIMIT]
    if source == "byte[]":
        return f'({source})"{kept}"[truncated {len(text.encode()) - len(kept.encode())} bytes]'
    return f'({source})"{kept}"[truncated {len(text) - _SOURCE_LIMIT} chars]'

"""aslrun.jackson: Python's reading of text that is not JSON, in the words AWS's services answer it
with (Jackson's). The expected texts are AWS's own, as users quoted them."""

from __future__ import annotations

import json

import pytest

from aslrun import jackson
from aslrun.integrations.lambda_ import unreadable_payload


def described(text: str, source: str = "String") -> str:
    with pytest.raises(json.JSONDecodeError) as error:
        json.loads(text)
    message, location = jackson.describe(text, error.value, source=source)  # type: ignore[arg-type]
    return f"{message}\n at {location}"


def test_step_functions_places_the_column_just_after_a_bare_word():
    assert described("not json") == ("Unrecognized token 'not': was expecting (JSON String, Number, Array, Object "
                                      "or token 'null', 'true' or 'false')\n"
                                      ' at [Source: (String)"not json"; line: 1, column: 4]')


def test_lambda_places_it_after_the_character_that_ended_the_word():
    assert described("test data", "byte[]").endswith(' at [Source: (byte[])"test data"; line: 1, column: 6]')
    assert described("test", "byte[]").endswith('line: 1, column: 5]')  # (nothing ended it)


def test_lambda_cuts_a_long_word_at_256_characters_and_quotes_500_bytes_of_the_text():
    text = "LS0t" * 100_000  # (a multipart body sent as a payload, as in the report quoted)
    description = unreadable_payload(text, _error(text))
    assert description.startswith("Could not parse request body into json: Could not parse payload into json: "
                                  f"Unrecognized token '{text[:256]}...': was expecting (JSON String,")
    assert description.endswith(f' at [Source: (byte[])"{text[:500]}"[truncated {len(text) - 500} bytes]; line: 1, '
                                "column: 257]")


def test_other_mistakes_name_the_character_and_its_place():
    assert described('{"a": 1,}') == ("Unexpected character ('}' (code 125)): was expecting double-quote to start "
                                      'field name\n at [Source: (String)"{"a": 1,}"; line: 1, column: 10]')
    assert described("[1,\n }").startswith("Unexpected character ('}' (code 125)): expected a valid value (JSON")
    assert described("[1,\n }").endswith("line: 2, column: 3]")
    assert described('{"a": ').startswith("Unexpected end-of-input\n at")
    assert described("x" * 600).endswith('[truncated 100 chars]; line: 1, column: 601]')


def _error(text: str) -> json.JSONDecodeError:
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return error
    raise AssertionError("the text was JSON")

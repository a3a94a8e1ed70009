"""StartExecution's input text: read as AWS reads it, numbers past a double's range refused."""

from __future__ import annotations

import pytest

from aslrun.service.faults import ServiceError
from aslrun.service.executions import _input


@pytest.mark.parametrize("number", ["1e999", "-1E+400", "1e0400", "1" + "0" * 400 + ".5", "0.5e309",
                                    "9" * 308 + "e1", "9" * 250 + ".5e60", "-" + "9" * 211 + "e98"])
def test_a_number_past_a_doubles_range_is_refused(number):
    with pytest.raises(ServiceError, match=r"Numeric value \(.*\) out of range of double"):
        _input('{"values": [0.5, ' + number + ']}')


@pytest.mark.parametrize("text", ['{"a": 1e308, "b": 1e-999, "c": 0.1}', '{"name": "e999", "v": 2.5}',
                                  '{"big": ' + "1" * 400 + "}"])
def test_numbers_within_range_are_read_as_json_reads_them(text):
    import json

    assert _input(text) == (text, json.loads(text))

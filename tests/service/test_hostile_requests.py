"""Nothing a client sends can take the server down or make it answer with anything but a modeled
error: requests of every action with members of random types and values (hypothesis)."""

from __future__ import annotations

import http.client
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aslrun.service.wire import service_model

_OPERATIONS = sorted(service_model().operation_names)
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10 ** 30), max_value=10 ** 30),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=40),
    st.sampled_from(["arn:aws:states:us-east-1:123456789012:stateMachine:x", "arn:aws:states:::x", "{}", "[]",
                     "arn:aws:states:us-east-1:123456789012:execution:x:y", "AQ" + "A" * 100, "1e400",
                     '{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}', "\ud800"]),
)
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(st.text(max_size=12), inner, max_size=4)),
                       max_leaves=12)


@st.composite
def requests(draw: Any) -> tuple[str, dict[str, Any]]:
    operation = draw(st.sampled_from(_OPERATIONS))
    members = list(service_model().operation_model(operation).input_shape.members)
    chosen = draw(st.lists(st.sampled_from(members), unique=True)) if members else []
    return operation, {name: draw(_VALUES) for name in chosen}


@pytest.fixture(scope="module")
def connection(server: Any) -> Any:
    host, port = server.url.removeprefix("http://").split(":")
    return http.client.HTTPConnection(host, int(port), timeout=30)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=requests())
def test_any_request_gets_an_answer_or_a_modeled_error(connection: Any, server: Any,
                                                       request: tuple[str, dict[str, Any]]) -> None:
    operation, members = request
    if operation == "GetActivityTask":
        return  # a valid request long-polls for a minute; its refusals are tested elsewhere
    body = json.dumps(members).encode("utf-8", "surrogatepass")
    connection.request("POST", "/", body, {"X-Amz-Target": f"AWSStepFunctions.{operation}",
                                           "Content-Type": "application/x-amz-json-1.0"})
    answer = connection.getresponse()
    payload = json.loads(answer.read())
    assert answer.status in (200, 400), (operation, members, answer.status, payload)
    if answer.status == 400:
        assert payload["__type"].rsplit("#", 1)[-1], payload


@pytest.mark.parametrize("body", [
    b'{"maxResults": 1e400}', b'{"maxResults": -1e400}', b'{"maxResults": ' + b"9" * 5000 + b"}",
    b'{"maxResults": NaN}', b'{"nextToken": "\\ud800"}', b"\xff\xfe", b'{"maxResults": 1.5}',
    b'[' * 10000 + b']' * 10000,
], ids=["1e400", "-1e400", "5000-digit-integer", "NaN", "lone-surrogate", "not-utf8", "fraction", "deep-nesting"])
def test_numbers_and_text_json_cannot_hold_are_serialization_errors(connection: Any, body: bytes) -> None:
    connection.request("POST", "/", body, {"X-Amz-Target": "AWSStepFunctions.ListStateMachines"})
    answer = connection.getresponse()
    payload = json.loads(answer.read())
    assert answer.status == 400, payload
    assert payload["__type"].endswith(("#SerializationException", "#ValidationException", "#InvalidToken")), payload

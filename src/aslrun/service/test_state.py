"""TestState over the API: run one state of a definition with a given input, as AWS's TestState does.

(Filled in by the TestState work: see the module's tests in tests/service/test_test_state_api.py.)
"""

from __future__ import annotations

from typing import Any

from .context import Call
from .faults import ServiceError

__all__ = ["TestStateApi"]


class TestStateApi:
    __test__ = False  # not a pytest test class

    def __init__(self, service: Any) -> None:
        self.service = service  # the StepFunctionsService (its config holds the handlers)

    def test_state(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        raise ServiceError("UnknownOperationException", "aslrun serve does not answer TestState yet")

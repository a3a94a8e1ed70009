"""Testing state machines: run one in a call, assert on what it did, mock its Tasks.

    from aslrun.testing import expect, run_machine
    check = run_machine("machines/billing.asl.json", {"meterId": "M1"}, handlers={...})
    check.succeeded().took_path(["Validate", "Price", "Bill"]).ran("Price", times=1)

* :func:`run_machine` / :func:`expect` and :class:`ExecutionCheck`: assertions with readable
  failure messages (the path taken, the failing state's input, output and error);
* :class:`MockConfig`: AWS Step Functions Local's mock configuration file (test cases, mocked
  responses by invocation), also usable as ``aslrun execute --mock-config F --test-case C``;
* :mod:`aslrun.testing.scenario`: scenario files (YAML/JSON) that pytest collects and runs.

The pytest plugin (:mod:`aslrun.pytest_plugin`, registered automatically when aslrun is installed)
gives these as fixtures.
"""

from .assertions import ExecutionCheck, expect
from .mock_config import MockConfig, MockConfigError, MockedResponse, TestCaseMocks
from .run import frozen_clock, load_machine, run_machine

__all__ = [
    "ExecutionCheck",
    "MockConfig",
    "MockConfigError",
    "MockedResponse",
    "TestCaseMocks",
    "expect",
    "frozen_clock",
    "load_machine",
    "run_machine",
]

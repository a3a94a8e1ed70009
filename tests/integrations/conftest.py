"""Fixtures of the AWS integration tests: a fresh local AWS (moto) per test, on a frozen clock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from aslrun import StateMachine, VirtualClock

pytest.importorskip("moto", reason="the 'aws' extra (moto, boto3) is not installed: pip install 'aslrun[aws]'")

from aslrun.localaws import LocalAws  # noqa: E402


@pytest.fixture
def aws() -> Iterator[LocalAws]:
    """An empty local AWS, dropped after the test."""
    with LocalAws(reset=True) as local:
        yield local


@pytest.fixture
def execute(aws: LocalAws) -> Any:
    """``execute(definition, input, **options)``: run on a frozen clock against the local AWS."""

    def _execute(definition: dict[str, Any], input: Any = None, **options: Any) -> Any:
        options.setdefault("clock", VirtualClock(start="2024-01-01T00:00:00Z", frozen=True))
        return StateMachine(definition).execute({} if input is None else input, **options)

    return _execute


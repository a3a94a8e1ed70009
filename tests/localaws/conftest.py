"""Fixtures of the local AWS tests: a fresh local AWS (moto) per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("moto", reason="the 'aws' extra (moto, boto3) is not installed: pip install 'aslrun[aws]'")

from aslrun.localaws import LocalAws  # noqa: E402


@pytest.fixture
def aws() -> Iterator[LocalAws]:
    with LocalAws(reset=True) as local:
        yield local

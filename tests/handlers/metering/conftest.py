"""Fixtures for the metering handler tests: the fleet of tests/helpers/metering.py on a temp database."""

from __future__ import annotations

import pytest

from handlers.metering.clock import FixedClock
from handlers.metering.store import open_store
from tests.helpers.metering import NOW, seed


@pytest.fixture
def db_path(tmp_path):
    path = tmp_path / "metering.sqlite3"
    with open_store(path) as store:
        seed(store)
    return str(path)


@pytest.fixture
def store(db_path):
    with open_store(db_path) as opened:
        yield opened


@pytest.fixture
def clock():
    return FixedClock(NOW)

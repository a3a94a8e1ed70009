"""Fixtures for the ERP import tests: a fresh on-disk database, optionally with meters."""

from __future__ import annotations

import pytest
from erp_support import seed_meters

from handlers.erp_import import open_database


@pytest.fixture
def conn(tmp_path):
    connection = open_database(tmp_path / "erp.sqlite3")
    yield connection
    connection.close()


@pytest.fixture
def seeded(conn):
    seed_meters(conn)
    return conn

"""The bulk machine's history, output, bills and stored rows are exactly those recorded before the
speed work of issue 15 (one connection per database, reused handler threads, the concurrent Map
mode): ``golden/bulk_meter.json``, written by ``python -m tests.pipelines.golden_runs`` from the
code as it was."""

from __future__ import annotations

import json

import pytest

from tests.pipelines.golden_runs import GOLDEN, bulk_run, normalised


@pytest.fixture(scope="module")
def golden():
    return json.loads((GOLDEN / "bulk_meter.json").read_text())


@pytest.fixture(scope="module")
def bulk(tmp_path_factory):
    return normalised(bulk_run(tmp_path_factory.mktemp("bulk")))


@pytest.mark.parametrize("part", ["status", "output", "history", "tables"])
def test_bulk_machine_matches_the_golden_run(golden, bulk, part):
    assert bulk[part] == golden[part]

"""The bulk machine's history, output, bills and stored rows, and the BUA pipeline's exports, are
exactly those recorded before the speed work of issue 15 (one connection per database, kept
handler threads, cached parses, the restore through a rollback journal): ``golden/*.json``,
written by ``python -m tests.pipelines.golden_runs`` from the code as it was; and the same bulk run
with its handlers in worker processes (``handler_processes``) bills and stores exactly the same."""

from __future__ import annotations

import json

import pytest

from tests.pipelines.golden_runs import GOLDEN, bua_run, bulk_run, normalised


@pytest.fixture(scope="module")
def golden():
    return json.loads((GOLDEN / "bulk_meter.json").read_text())


@pytest.fixture(scope="module")
def bulk(tmp_path_factory):
    return normalised(bulk_run(tmp_path_factory.mktemp("bulk")))


@pytest.mark.parametrize("part", ["status", "output", "history", "tables"])
def test_bulk_machine_matches_the_golden_run(golden, bulk, part):
    assert bulk[part] == golden[part]


@pytest.fixture(scope="module")
def bulk_in_workers(tmp_path_factory):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # every handler must reach a worker, none run here
        return normalised(bulk_run(tmp_path_factory.mktemp("bulk-workers"), handler_processes=2))


@pytest.mark.parametrize("part", ["status", "output", "tables"])
def test_the_bulk_machine_in_worker_processes_bills_and_stores_the_same(golden, bulk_in_workers, part):
    """``handler_processes=2``: two Map iterations' handlers at once, each in a worker process; every
    bill, output item and stored row is the golden run's."""
    assert bulk_in_workers[part] == golden[part]


def test_the_bulk_machine_in_worker_processes_records_the_same_events_in_another_order(golden, bulk_in_workers):
    assert sorted(map(tuple, bulk_in_workers["history"])) == sorted(map(tuple, golden["history"]))


@pytest.fixture(scope="module")
def bua(tmp_path_factory):
    return normalised(bua_run(tmp_path_factory.mktemp("bua")))


@pytest.mark.parametrize("part", ["stages", "exports"])
def test_bua_exports_match_the_golden_run(bua, part):
    golden = json.loads((GOLDEN / "bua_exports.json").read_text())
    assert bua[part] == golden[part]

"""The bulk machine's history, output, bills and stored rows, and the BUA pipeline's exports, are
exactly those recorded before the speed work of issue 15 (one connection per database, kept
handler threads, cached parses, the restore through a rollback journal): ``golden/*.json``,
written by ``python -m tests.pipelines.golden_runs`` from the code as it was; and the bulk run with
its handlers in worker processes (``handler_processes``) bills and stores exactly what the default
mode does (on the fleet with each meter read once: see ``bulk_in_workers``). The one stored value
that changed by design is a reading's fingerprint (now a canonical form's: the golden one is checked
to be the same reading's in its old form). Each run is made once for the whole test run, whichever
xdist workers run its tests (``once_per_run``)."""

from __future__ import annotations

import json

import pytest

from tests.helpers.once_per_run import once_per_run
from tests.pipelines.golden_runs import FINGERPRINT_COLUMN, GOLDEN, bua_run, bulk_run, normalised


@pytest.fixture(scope="module")
def golden():
    return json.loads((GOLDEN / "bulk_meter.json").read_text())


@pytest.fixture(scope="module")
def bulk(tmp_path_factory):
    return once_per_run("golden-bulk", tmp_path_factory,
                        lambda: normalised(bulk_run(tmp_path_factory.mktemp("bulk"))))


@pytest.mark.parametrize("part", ["status", "output", "history", "tables"])
def test_bulk_machine_matches_the_golden_run(golden, bulk, part):
    expected = _with_todays_fingerprints(golden[part], bulk["fingerprints"]) if part == "tables" else golden[part]
    assert bulk[part] == expected


def _with_todays_fingerprints(tables, fingerprints):
    """The golden rows, written when a reading's fingerprint was the SHA-256 of its sorted JSON
    text, with the fingerprint written now (``handlers.metering.fingerprint``) of the same reading,
    once the golden one is checked to be that reading's."""
    rows = []
    for row in tables["metering_readings"]:
        old, new = fingerprints[row[0]]
        assert row[FINGERPRINT_COLUMN] == old, f"the golden row of {row[0]} fingerprints another reading"
        rows.append([*row[:FINGERPRINT_COLUMN], new, *row[FINGERPRINT_COLUMN + 1:]])
    return {**tables, "metering_readings": rows}


@pytest.fixture(scope="module")
def bulk_each_meter_once(tmp_path_factory):
    """The default mode's run of the fleet with each meter read once (see ``bulk_in_workers``)."""
    return once_per_run("golden-bulk-once", tmp_path_factory,
                        lambda: normalised(bulk_run(tmp_path_factory.mktemp("bulk-once"), each_meter_once=True)))


@pytest.fixture(scope="module")
def bulk_in_workers(tmp_path_factory):
    """``handler_processes=2``: two Map iterations' handlers at once, each in a worker process. The
    fleet reads each meter once: of two readings of one meter in a batch, the one handled first is
    billed and the other refused as its resend, and with iterations at once either may be first
    (as on AWS), so the golden fleet's second readings would make the comparison a race."""
    import warnings

    def made() -> dict:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)  # every handler must reach a worker, none run here
            return normalised(bulk_run(tmp_path_factory.mktemp("bulk-workers"), each_meter_once=True,
                                       handler_processes=2))

    return once_per_run("golden-bulk-in-workers", tmp_path_factory, made)


@pytest.mark.parametrize("part", ["status", "output", "tables"])
def test_the_bulk_machine_in_worker_processes_bills_and_stores_the_same(bulk_each_meter_once, bulk_in_workers, part):
    assert bulk_in_workers[part] == bulk_each_meter_once[part]


def test_the_bulk_machine_in_worker_processes_records_the_same_events_in_another_order(bulk_each_meter_once,
                                                                                     bulk_in_workers):
    assert sorted(map(tuple, bulk_in_workers["history"])) == sorted(map(tuple, bulk_each_meter_once["history"]))


def test_the_fleet_read_once_keeps_most_of_the_golden_fleet(golden, bulk_each_meter_once):
    assert 100 < len(bulk_each_meter_once["output"]) < len(golden["output"])


@pytest.fixture(scope="module")
def bua(tmp_path_factory):
    return once_per_run("golden-bua", tmp_path_factory, lambda: normalised(bua_run(tmp_path_factory.mktemp("bua"))))


@pytest.mark.parametrize("part", ["stages", "exports"])
def test_bua_exports_match_the_golden_run(bua, part):
    golden = json.loads((GOLDEN / "bua_exports.json").read_text())
    assert bua[part] == golden[part]

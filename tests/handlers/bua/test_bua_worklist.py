"""Worklists: the accounts a fan-out stage hands out, numbered in batches, kept in S3 (boto3,
answered by aslrun's local AWS here) or inline, cut and described as the stage's distributed
Map does, and the check step's retry worklist of the failed batches."""

from __future__ import annotations

import json
import sqlite3

import pytest

from aslrun.localaws import LocalAws
from handlers.bua import runner
from handlers.bua.control import record_batch
from handlers.bua.errors import BadEvent, StorageError
from handlers.bua.events import run_date_of
from handlers.bua.pipeline import run_stage
from handlers.bua.s3_upload import S3Target
from handlers.bua.steps_profile import microscalar_list_handler
from handlers.bua.worklist import (
    CHILD_INPUT_LIMIT,
    batch_size_for,
    beside,
    describe_batch,
    descriptors,
    read_worklist,
    retry_items,
    store_worklist,
    worklist_items,
    worklist_target,
)

IDS = ["A", "C", "D", "E", "F"]
COMMON = {"run_date": "2024-10-01", "db": "run.sqlite3", "stage": "microscalar"}
PLACE = S3Target("work", "worklists/2024-10-01/microscalar/")


def test_accounts_are_numbered_in_blocks_of_the_batch_size():
    assert worklist_items(IDS, 2) == [
        {"account_id": "A", "batch": 0}, {"account_id": "C", "batch": 0},
        {"account_id": "D", "batch": 1}, {"account_id": "E", "batch": 1},
        {"account_id": "F", "batch": 2}]
    assert worklist_items([], 2) == []


def test_each_batch_is_described_as_a_range_of_ids():
    """What each child execution of the Map sends: the last batch holds what is left."""
    assert descriptors(worklist_items(IDS, 2), 2, COMMON) == [
        {**COMMON, "batch": 0, "first": "A", "last": "C", "count": 2},
        {**COMMON, "batch": 1, "first": "D", "last": "E", "count": 2},
        {**COMMON, "batch": 2, "first": "F", "last": "F", "count": 1}]


def test_a_batch_cut_across_two_numbered_batches_is_refused():
    items = worklist_items(IDS, 2)
    with pytest.raises(BadEvent, match="accounts of batches 0 and 1 in one batch"):
        describe_batch(items[:3], COMMON)
    with pytest.raises(BadEvent, match="at least one account"):
        describe_batch([], COMMON)


def test_the_batch_size_shrinks_only_when_a_batch_would_not_fit_a_child_input():
    ids = [f"A{n:07d}" for n in range(20_000)]
    assert batch_size_for(ids, 500) == 500
    fitted = batch_size_for(ids, 100_000)
    assert 5_000 < fitted < 7_000
    # the largest batch, with its BatchInput, measured: within AWS's 256 KiB child input
    biggest = {"Items": worklist_items(ids, fitted)[-fitted:],
               "BatchInput": {**COMMON, "db": "/" + "d" * 1000,
                              "queue_url": "https://sqs.ap-southeast-2.amazonaws.com/"
                                           "123456789012/tst-anstead-sqs-bua-microscalar"}}
    assert len(json.dumps(biggest, separators=(",", ":"))) <= CHILD_INPUT_LIMIT
    assert batch_size_for([], 500) == 500


def test_retry_items_are_whole_batches_in_worklist_order():
    items = worklist_items(IDS, 2)
    assert retry_items(items, {2, 0}) == [items[0], items[1], items[4]]
    # cut again with the same size, they give the failed batches back exactly
    assert [(d["batch"], d["first"], d["last"]) for d in descriptors(
        retry_items(items, {2, 0}), 2, COMMON)] == [(0, "A", "C"), (2, "F", "F")]


def test_a_worklist_goes_to_s3_as_json_lines_and_comes_back():
    items = worklist_items(IDS, 2)
    with LocalAws(reset=True) as aws:
        aws.seed({"s3": {"work": {}}})
        aws.put_object("work", PLACE.prefix + "retry-1.jsonl", "left from an earlier attempt")
        aws.put_object("work", "worklists/2024-10-01/nem12/accounts.jsonl", "another stage")
        ref = store_worklist(items, PLACE, fresh=True)
        assert ref == {"bucket": "work", "key": PLACE.prefix + "accounts.jsonl"}
        text = aws.object_text("work", ref["key"])
        assert text.splitlines()[0] == '{"account_id":"A","batch":0}' and text.endswith("\n")
        assert read_worklist(ref) == items
        listing = aws.client("s3").list_objects_v2(Bucket="work")["Contents"]
        assert sorted(o["Key"] for o in listing) == [  # the stale retry list went, not nem12's
            PLACE.prefix + "accounts.jsonl", "worklists/2024-10-01/nem12/accounts.jsonl"]
        retry = store_worklist(items[4:], beside(ref), "retry-1.jsonl")
        assert retry == {"bucket": "work", "key": PLACE.prefix + "retry-1.jsonl"}
        assert read_worklist(retry) == [{"account_id": "F", "batch": 2}]


def test_without_a_place_a_worklist_stays_inline():
    items = worklist_items(IDS, 2)
    assert store_worklist(items, None) == {"items": items}
    assert read_worklist({"items": items}) == items
    assert beside({"items": items}) is None


def test_storage_problems_name_the_object_and_bad_lines_their_number():
    with LocalAws(reset=True) as aws:
        with pytest.raises(StorageError, match=r"s3://nowhere/w/accounts\.jsonl: the worklist "
                                               "could not be written"):
            store_worklist([], S3Target("nowhere", "w/"))
        with pytest.raises(StorageError, match=r"s3://nowhere/w/x\.jsonl: the worklist could not be read"):
            read_worklist({"bucket": "nowhere", "key": "w/x.jsonl"})
        aws.seed({"s3": {"work": {"w/bad.jsonl": '{"account_id":"A","batch":0}\n\n{"account_id":\n'}}})
        with pytest.raises(BadEvent, match=r"s3://work/w/bad\.jsonl line 3: not JSON"):
            read_worklist({"bucket": "work", "key": "w/bad.jsonl"})
        aws.put_object("work", "w/odd.jsonl", '{"id": "A"}\n')
        with pytest.raises(BadEvent, match=r"line 1: expected \{\"account_id\", \"batch\"\}"):
            read_worklist({"bucket": "work", "key": "w/odd.jsonl"})


@pytest.mark.parametrize("ref, message", [
    ("accounts.jsonl", r"worklist: expected \{\"bucket\", \"key\"\} or \{\"items\"\}"),
    ({"bucket": "work"}, "worklist: expected a bucket and a key"),
    ({"items": "A"}, "worklist.items: expected a list"),
])
def test_a_bad_worklist_reference_is_named(ref, message):
    with pytest.raises(BadEvent, match=message):
        read_worklist(ref)


def test_the_worklist_place_must_be_a_folder_of_its_own():
    assert worklist_target(None) is None
    assert worklist_target({"bucket": "work", "prefix": "w/"}) == S3Target("work", "w/")
    with pytest.raises(BadEvent, match="worklist.prefix: expected the stage's own folder"):
        worklist_target({"bucket": "work"})
    with pytest.raises(BadEvent, match="worklist.bucket: expected a bucket name"):
        worklist_target({"prefix": "w/"})


def _listed(cases, batch_size):
    """The cases run to segments, then microscalar's list step (inline worklist)."""
    cases["config"] = {**cases["config"], "batch_size": batch_size}
    for stage in ("restore", "scaleup-workflow", "warming", "segments"):
        run_stage(cases, stage)
    return microscalar_list_handler({"run_date": cases["run_date"], "db": cases["db"]})


def test_the_list_step_notes_the_batches_it_hands_out(cases):
    listing = _listed(cases, 3)
    assert {k: listing[k] for k in ("accounts", "batch_size", "batch_count")} == {
        "accounts": 8, "batch_size": 3, "batch_count": 3}
    assert [i["account_id"] for i in listing["worklist"]["items"]] == [
        "A", "C", "D", "E", "F", "G", "P1", "P2"]
    conn = sqlite3.connect(cases["db"])
    assert conn.execute("SELECT batch_no, first_account, last_account, accounts FROM "
                        "bua_queue_item WHERE stage = 'microscalar' ORDER BY batch_no").fetchall() == [
        (0, "A", "D", 3), (1, "E", "G", 3), (2, "P1", "P2", 2)]
    conn.close()


def test_the_check_step_puts_failed_and_unreported_batches_in_a_retry_worklist(cases):
    listing = _listed(cases, 3)
    conn = sqlite3.connect(cases["db"])
    run_date = run_date_of(cases)
    record_batch(conn, run_date, "microscalar", 0, ok=True, detail={"accounts": 3})
    record_batch(conn, run_date, "microscalar", 2, ok=False, error="ValueError: no profile")
    conn.close()  # batch 1 never reported back
    check = runner.check_handler({"run_date": cases["run_date"], "db": cases["db"],
                                  "stage": "microscalar", "listed": listing["worklist"],
                                  "resubmission": 1})
    assert check["failed"] == 2
    assert [(e["batch"], e["error"]) for e in check["errors"]] == [
        (1, "never reported back"), (2, "ValueError: no profile")]
    assert check["retry"] == {"items": [
        {"account_id": "E", "batch": 1}, {"account_id": "F", "batch": 1},
        {"account_id": "G", "batch": 1}, {"account_id": "P1", "batch": 2},
        {"account_id": "P2", "batch": 2}]}


def test_the_check_step_needs_the_list_steps_worklist(cases):
    with pytest.raises(BadEvent, match="listed: missing"):
        runner.check_handler({"run_date": cases["run_date"], "db": cases["db"], "stage": "nem12"})
    with pytest.raises(BadEvent, match="resubmission: expected a number from 1"):
        runner.check_handler({"run_date": cases["run_date"], "db": cases["db"], "stage": "nem12",
                              "listed": {"items": []}, "resubmission": 0})

"""Every history AWS recorded for a case of ../shared/conformance/cases.jsonl, event by event.

Each case of ../shared/conformance/histories.jsonl runs in-process and is graded by
../shared/conformance/history_score.py's own ``AslrunEngine`` and ``grade`` (event types, then ids and
``previousEventId`` links, then every event's details, with the scorer's tolerances), so this test
judges exactly as ``python history_score.py cases.jsonl histories.jsonl`` does: a case passes when it
is "history-exact".

The three cases whose Lambda sleeps past a 5 s Task timeout wait that timeout in real time (a hung
handler really is waited for until its deadline); their runs start together, on threads of their
own, as soon as the test process has collected (tests/helpers/ahead.py, tests/conftest.py), so the
waits overlap instead of adding up, and each of their tests grades the events of its own run (on a
thread a timed handler is abandoned at its deadline; test_conformance.py runs one of these cases
through the CLI, where it is stopped by SIGALRM in the main thread, as run.py runs them).

Cases that fail today are listed in known_history_failures.txt (``<case id>  # reason``) and run as
strict xfails, so a regression of any history-exact case fails, and the list must shrink as the
engine is fixed.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.ahead import Ahead, start_all
from tests.helpers.conformance import known_failures, load_jsonl

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "conformance"
HISTORY_SCORER = SHARED / "history_score.py"
KNOWN_FAILURES_FILE = Path(__file__).resolve().parent / "known_history_failures.txt"


CASES = {case["id"]: case for case in load_jsonl(SHARED / "cases.jsonl")}
HISTORIES = [record for record in load_jsonl(SHARED / "histories.jsonl") if record["id"] in CASES]
KNOWN = known_failures(KNOWN_FAILURES_FILE)


@pytest.fixture(scope="module")
def history_scorer() -> Any:
    """history_score.py as a module (it imports run.py from its own folder)."""
    if not HISTORY_SCORER.is_file():
        pytest.skip(f"no history scorer at {HISTORY_SCORER} (../shared is absent)")
    return _scorer_module()


def _load_history_scorer() -> Any:
    """history_score.py, loaded once per process (the runs started ahead use it too)."""
    writes_bytecode = sys.dont_write_bytecode  # the scorer turns bytecode off for the process
    spec = importlib.util.spec_from_file_location("aslrun_history_scorer", HISTORY_SCORER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.dont_write_bytecode = writes_bytecode
    return module


def _events(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The case's events as history_score.py's own AslrunEngine records them."""
    events, _ = _scorer_module().AslrunEngine().events(CASES[record["id"]], record.get("input_text"))
    return events  # type: ignore[no-any-return]


_SCORER: list[Any] = []


def _scorer_module() -> Any:
    if not _SCORER:
        _SCORER.append(_load_history_scorer())
    return _SCORER[0]


SLEEPING = [record for record in HISTORIES if record.get("complete", True)
            and any((spec.get("sleep_seconds") or 0) for spec in (CASES[record["id"]].get("handlers") or {}).values())]
AHEAD = Ahead({record["id"]: partial(_events, record) for record in SLEEPING},
              before=_scorer_module)  # loaded in the starting thread, before any run needs it


@pytest.fixture(scope="module", autouse=True)
def _sleeping_cases_started_ahead() -> None:
    """The sleeping cases' runs (this module's and the conformance module's) have begun once this
    process collected (tests/conftest.py); at the latest, they begin with the first test of either
    module (once per process), beside the other tests."""
    start_all()


def _params() -> list[Any]:
    params = []
    for record in HISTORIES:
        marks = []
        if record["id"] in KNOWN:
            marks.append(pytest.mark.xfail(strict=True, reason=f"known failure: {KNOWN[record['id']]}"))
        params.append(pytest.param(record, id=record["id"], marks=marks))
    return params


def test_histories_are_present() -> None:
    if not HISTORIES:
        pytest.skip(f"no recorded histories at {SHARED / 'histories.jsonl'} (../shared is absent)")
    print(f"\n{len(HISTORIES)} AWS-recorded histories; {len(KNOWN)} listed in {KNOWN_FAILURES_FILE.name}")
    assert len(HISTORIES) >= 214


def test_known_failures_name_recorded_histories() -> None:
    """A stale entry (a case id with no recorded history) would silently shrink the list."""
    if not HISTORIES:
        pytest.skip(f"no recorded histories at {SHARED / 'histories.jsonl'} (../shared is absent)")
    assert sorted(set(KNOWN) - {record["id"] for record in HISTORIES}) == []


@pytest.mark.parametrize("record", _params())
def test_history(record: dict[str, Any], history_scorer: Any) -> None:
    if not record.get("complete", True):
        pytest.skip(f"the recording is incomplete: {record.get('problem')}")
    if record["id"] in AHEAD:
        events = AHEAD.outcome(record["id"])  # the same call as below, started ahead
    else:
        events, _ = history_scorer.AslrunEngine().events(CASES[record["id"]], record.get("input_text"))
    grade = history_scorer.grade(record, events)
    assert grade["level"] == "exact", json.dumps(grade["mismatch"], default=str)[:2000]

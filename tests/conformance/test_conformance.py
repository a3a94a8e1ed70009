"""Every AWS-recorded case of ../shared/conformance/cases.jsonl, run in-process through the API.

Cases are judged by ../shared/conformance/run.py's own ``compare`` (status; output for SUCCEEDED
with its JSON equality; error, and cause unless the case marks it unchecked).
Every case runs; the three whose Lambda sleeps (60 s) past a Task timeout take that timeout in real
time (about 5 s each), since a hung handler really is waited for until its deadline. They start
together as soon as the test process has collected (tests/helpers/ahead.py, tests/conftest.py), so
the waits overlap each other and the tests before them instead of adding up, and their tests take
the outcome of their own run. The first runs through the CLI in a process of its own, exactly as
run.py runs every case (its handler sleeps in the main thread, stopped by SIGALRM); the others run
in this process on threads of their own, their handler waiting on an event rather than sleeping,
set once the run is over: the abandoned handler thread ends then instead of sleeping on a minute.
Lambda tasks get handlers built like run.py's ``handlers_module``: identity, constant, or raise an
exception whose class is named ``errorType``.

Cases that fail today are listed in known_failures.txt (``<case id>  # reason``) and run as strict
xfails, so the list must shrink as the engine is fixed.
"""

from __future__ import annotations

import importlib.util
import json
import shlex
import sys
import threading
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from aslrun import AslrunError, StateMachine, VirtualClock
from tests.helpers.ahead import Ahead, start_all
from tests.helpers.conformance import known_failures, load_jsonl

REPO = Path(__file__).resolve().parents[2]
CASES_FILE = REPO / ".." / "shared" / "conformance" / "cases.jsonl"
RUNNER = REPO / ".." / "shared" / "conformance" / "run.py"
KNOWN_FAILURES_FILE = Path(__file__).resolve().parent / "known_failures.txt"


CASES = load_jsonl(CASES_FILE)
KNOWN = known_failures(KNOWN_FAILURES_FILE)


# -- handlers: what run.py's handlers_module generates ----------------------------------------------

def make_handler(spec: dict[str, Any], released: threading.Event | None = None,
                 finished: threading.Event | None = None) -> Any:
    """The handler run.py would generate; ``sleep_seconds`` waits on ``released`` for that long
    (a run's end sets it) and ``finished`` is set when the handler returns or raises."""
    behavior = spec.get("behavior")
    sleep = float(spec.get("sleep_seconds") or 0)
    release = released or threading.Event()

    def handler(event: Any, context: Any = None) -> Any:
        try:
            if sleep:
                release.wait(sleep)
            if behavior == "constant":
                return json.loads(json.dumps(spec.get("value")))
            if behavior == "raise":
                error_type = spec.get("errorType") or "Exception"
                message = spec.get("errorMessage") or ""
                if error_type == "Exception":
                    raise Exception(message)
                raise type(error_type, (Exception,), {})(message)
            return event
        finally:
            if finished is not None:
                finished.set()

    return handler


def run_case(case: dict[str, Any], finished: threading.Event | None = None) -> dict[str, Any]:
    """The case's result; a handler still sleeping when the run ends is released then."""
    released = threading.Event()
    handlers = {name: make_handler(spec, released, finished) for name, spec in (case.get("handlers") or {}).items()}
    try:
        machine = StateMachine(case["definition"])
        execution = machine.execute(case["input"], handlers=handlers, clock=VirtualClock())
    except AslrunError as exc:  # what the CLI would print instead of a result
        return {"status": "ERROR", "error": type(exc).__name__, "cause": str(exc)}
    finally:
        released.set()
    return execution.result()


SLEEPING = [case for case in CASES
            if any((spec.get("sleep_seconds") or 0) for spec in (case.get("handlers") or {}).values())]


def _sleeping_run_that_fails() -> tuple[dict[str, Any], threading.Event]:
    """The FAILED sleeping case's result, and the event its handler sets when it returns."""
    case = next(case for case in SLEEPING if case["expected"]["status"] == "FAILED")
    finished = threading.Event()
    return run_case(case, finished), finished


def run_through_the_cli(case: dict[str, Any]) -> dict[str, Any]:
    """The case's result as run.py's own CLI adapter gets it: ``python -m aslrun execute DEFINITION
    --input INPUT --json --handlers handlers.py`` in a process of its own, whose handlers module
    run.py writes (there the Lambda really sleeps, ``time.sleep(60)``, in the main thread)."""
    spec = importlib.util.spec_from_file_location("aslrun_conformance_runner", RUNNER)
    assert spec is not None and spec.loader is not None
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    command = f"{shlex.quote(sys.executable)} -m aslrun execute {{definition_file}} --input {{input_file}} --json"
    return runner.CliAdapter(command, runner.DEFAULT_HANDLERS_ARG, timeout=120, shell=False).run(case)  # type: ignore[no-any-return]


NO_HANDLER_ASLEEP = "the sleeping run that fails, its handler watched"
# the first sleeping case runs through the CLI, as run.py runs every case (the hung handler is in
# the main thread there, stopped by SIGALRM at its deadline); the others in this process on threads
# of their own (the handler abandoned at its deadline); all started ahead, their waits overlapping
AHEAD = Ahead({**{case["id"]: partial(run_case, case) for case in SLEEPING[1:]},
               **({SLEEPING[0]["id"]: partial(run_through_the_cli, SLEEPING[0]),
                   NO_HANDLER_ASLEEP: _sleeping_run_that_fails} if SLEEPING else {})})


@pytest.fixture(scope="module", autouse=True)
def _sleeping_cases_started_ahead() -> None:
    """The sleeping cases' runs (this module's and the history module's) have begun once this
    process collected (tests/conftest.py); at the latest, they begin with the first test of either
    module (once per process), beside the other tests."""
    start_all()


def _params() -> list[Any]:
    params = []
    for case in CASES:
        marks = []
        if case["id"] in KNOWN:
            marks.append(pytest.mark.xfail(strict=True, reason=f"known failure: {KNOWN[case['id']]}"))
        params.append(pytest.param(case, id=case["id"], marks=marks))
    return params


def test_corpus_is_present() -> None:
    if not CASES:
        pytest.skip(f"no conformance corpus at {CASES_FILE} (../shared is absent)")
    print(f"\n{len(CASES)} AWS-recorded cases; {len(KNOWN)} listed in {KNOWN_FAILURES_FILE.name}")
    assert len(CASES) > 400


def test_known_failures_name_real_cases() -> None:
    """A stale entry (a case id that no longer exists) would silently shrink the list."""
    if not CASES:
        pytest.skip(f"no conformance corpus at {CASES_FILE} (../shared is absent)")
    ids = {case["id"] for case in CASES}
    assert sorted(set(KNOWN) - ids) == []


@pytest.mark.parametrize("case", _params())
def test_case(case: dict[str, Any], scorer: Any) -> None:
    actual = AHEAD.outcome(case["id"]) if case["id"] in AHEAD else run_case(case)
    ok, why = scorer.compare(case["expected"], actual)  # the scorer's own judgement
    assert ok, why


def test_the_sleeping_cases_leave_no_handler_asleep() -> None:
    """The cases whose Lambda sleeps 60 s past its Task timeout: once the run is over, the handler
    abandoned at the timeout returns (it used to sleep on in its thread for the rest of the minute)."""
    if not CASES:
        pytest.skip(f"no conformance corpus at {CASES_FILE} (../shared is absent)")
    assert len(SLEEPING) == 3
    result, finished = AHEAD.outcome(NO_HANDLER_ASLEEP)  # run_case(the FAILED one, finished), started ahead
    assert (result["status"], result["error"]) == ("FAILED", "States.Timeout")
    assert finished.wait(timeout=30)  # set at once when the run released it; 30 s is only a guard

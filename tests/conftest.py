"""Shared fixtures of the engine, expression, CLI and conformance tests.

Kept small on purpose: a frozen clock (exact, repeatable times), a way to run a definition in one
call, and the ASL fixture files grouped by feature (tests/fixtures/asl/<feature>/<name>.json).
Frozen clocks start at 2024-01-01T00:00:00Z (epoch 1704067200) unless a test says otherwise.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import os
import sys

import pytest
from hypothesis import HealthCheck, settings

from aslrun import StateMachine, VirtualClock

# Hypothesis profiles, chosen by HYPOTHESIS_PROFILE (``.ci/run`` sets "ci"). "ci" is derandomized: the
# same examples on every run, so CI never fails on a draw a rerun would not repeat, and no example
# database carries state between runs. "dev" (the default) explores fresh examples each run. Neither
# has a deadline: a slow shared machine is not a failing test. "dev" says derandomize=False itself:
# Hypothesis's own defaults turn derandomize on when it sees a CI variable (CI=true), and a profile
# inherits those defaults. Tests' own @settings keep their max_examples and inherit the rest from the
# profile loaded here, before any test module is imported.
settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "asl"


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto`` (the default, see pyproject.toml): one worker more than this process may use
    cores. A worker spends about a third of its time waiting (on its ``aslrun serve`` servers, the
    processes it starts, a browser, a schedule's clock); a spare worker fills that time. On this
    machine (2 cores), alternately with two workers, three pairs of runs: 118 vs 136 s, 137 vs 149 s
    and 125 vs 134 s. ``PYTEST_XDIST_AUTO_NUM_WORKERS`` still says how many, as xdist documents."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # (xdist's own hook reads it)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return cores + 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``runs_long`` (tens of seconds: Terraform) run first, so that the other workers
    take the rest of the suite meanwhile instead of waiting for them at its end; the conformance
    modules' tests run last (their order among themselves kept): the runs they take started ahead
    (below) wait out a real 5 s timeout, and coming first in the alphabet, those tests were reached
    before the waits were over."""
    def place(item: pytest.Item) -> int:
        if item.get_closest_marker("runs_long") is not None:
            return 0
        return 2 if item.nodeid.startswith("tests/conformance/") else 1

    items.sort(key=place)


def pytest_collection_finish(session: pytest.Session) -> None:
    """The conformance runs that wait out a real 5 s Task timeout (tests/helpers/ahead.py) start as
    soon as this process has collected, not when the first conformance test comes up: by then their
    waits are over, beside the tests before them, instead of idling this process (xdist hands each
    worker its tests only later, so every worker starts them; they cost a few threads asleep)."""
    if "tests.helpers.ahead" in sys.modules:  # a conformance module was collected
        from tests.helpers.ahead import start_all

        start_all()


_FULL_COLLECTIONS = [0]  # full garbage collections since the last freeze


def _count_full_collections(phase: str, info: dict[str, int]) -> None:
    if phase == "stop" and info["generation"] == 2:
        _FULL_COLLECTIONS[0] += 1


gc.callbacks.append(_count_full_collections)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """After a test during which the collector walked the whole heap, what survived that walk is
    frozen (``gc.freeze``), so that the next full collection walks only what came since. A test
    process's heap grows through the session (moto, boto3's models, Hypothesis's strategies, the
    modules each test imports) and Python's collector walked all of it about 40 times per worker,
    0.2 s each: 16.7 s of CPU a run went to it, 3 s with this (the suite's user time 4 min 51 s ->
    4 min 1 s on one pair of runs). The price: cyclic garbage among frozen objects is never
    collected, which raised the larger worker's peak RSS by about 180 MiB (560 -> 743 MiB)."""
    if _FULL_COLLECTIONS[0]:
        _FULL_COLLECTIONS[0] = 0
        gc.freeze()


@pytest.fixture(scope="session", autouse=True)
def _botocore_data_read_once() -> Iterator[None]:
    """Every boto3 session of this test process (each LocalAws makes one) shares botocore's parsed
    data files instead of reading them again (tests/helpers/botocore_data.py); as usual after."""
    try:
        import botocore.session
    except ImportError:  # (the 'aws' extra is not installed: nothing reads botocore's data)
        yield
        return
    from tests.helpers.botocore_data import sharing_loader

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session, "create_loader", sharing_loader)
        yield


@pytest.fixture
def frozen() -> Callable[..., VirtualClock]:
    """``frozen()`` / ``frozen("2024-06-01T12:00:00Z")``: a clock that moves only when the engine
    skips time, so histories and ``$$`` times are exact."""

    def _clock(start: str = "2024-01-01T00:00:00Z") -> VirtualClock:
        return VirtualClock(start=start, frozen=True)

    return _clock


@pytest.fixture
def run(frozen: Callable[..., VirtualClock]) -> Callable[..., Any]:
    """``run(definition, input, **options)``: execute on a frozen clock (unless one is given)."""

    def _run(definition: dict[str, Any], input: Any = None, **options: Any) -> Any:
        options.setdefault("clock", frozen())
        return StateMachine(definition).execute({} if input is None else input, **options)

    return _run


@pytest.fixture
def asl() -> Callable[[str], dict[str, Any]]:
    """``asl("map/max_concurrency")``: the definition in tests/fixtures/asl/map/max_concurrency.json."""

    def _load(name: str) -> dict[str, Any]:
        return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))

    return _load


SCORER = Path(__file__).resolve().parents[1] / ".." / "shared" / "conformance" / "run.py"


@pytest.fixture(scope="session")
def scorer() -> Any:
    """The conformance scorer (../shared/conformance/run.py) as a module: tests compare results
    with its own ``compare`` / ``json_equal``, so they judge exactly as it does."""
    if not SCORER.is_file():
        pytest.skip(f"no conformance scorer at {SCORER} (../shared is absent)")
    import importlib.util

    spec = importlib.util.spec_from_file_location("aslrun_conformance_scorer", SCORER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

"""The plain-Python floors of ``aslrun bench`` do the workloads' work: the same outputs as the
engine (w1..w3 exactly; w4 and w5 carry the SDK metadata the floor leaves out, so their outputs
pass the same checks and reach the same ends)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aslrun.bench import CHECKS, Workload, _Done
from aslrun.bench_floor import FLOORS

WORKLOADS = Path(__file__).resolve().parents[2] / "shared" / "bench" / "workloads"

pytestmark = pytest.mark.skipif(not WORKLOADS.is_dir(), reason=f"the shared workloads are not at {WORKLOADS}")


@pytest.mark.parametrize("name", ["w1_loop", "w2_map", "w3_parallel"])
def test_the_floor_gives_the_engines_output(name):
    workload = Workload(WORKLOADS, name)
    engine = [execution.output for execution in workload.run_once()]
    assert FLOORS[name](workload.inputs, workload.handlers) == engine


@pytest.mark.parametrize("name", ["w4_billing", "w5_bulk"])
def test_the_floor_passes_the_workloads_check_and_ends_where_the_engine_does(name):
    workload = Workload(WORKLOADS, name)
    floor = FLOORS[name](workload.inputs, workload.handlers)
    assert CHECKS[name](workload.inputs, [_Done(output) for output in floor]) is None
    engine = workload.run_once()
    if name == "w4_billing":
        assert [sorted(output) for output in floor] == [sorted(e.output) for e in engine]
    else:
        assert floor[0]["results"] == engine[0].output["results"]

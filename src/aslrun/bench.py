"""``aslrun bench``: run the standard workloads and print figures.

A workload is ``<name>.asl.json`` with ``<name>.input.json`` (one execution) or
``<name>.inputs.json`` (a list: one execution each), handlers from ``handlers.py`` (its
``HANDLERS`` dict), and ``meta.json`` giving the states each workload enters. ``${XFunctionArn}``
placeholders are bound to the function ``X``.

Per workload: the median wall time of several in-process runs (definition compiled once, start-up
excluded, as the peers are measured; each execution is dropped once it has run), states entered
per second, the peak memory of one extra run (tracemalloc, Python allocations), and a check that
the outputs of a separate run are right, so speed never hides a wrong answer. Beside it, the median
time of the same work written as plain Python (:mod:`aslrun.bench_floor`, its outputs checked the
same way), so what the engine adds over the work itself is visible.
"""

from __future__ import annotations

import gc
import json
import platform
import re
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["PEERS", "run_benchmarks"]

#: Figures of the peers on the same workloads (../shared/bench/README.md), seconds.
PEERS = {
    "w1_loop": {"aws-local-stepfunctions": 0.215, "moto": 7.85},
    "w2_map": {"aws-local-stepfunctions": 0.225, "moto": 9.08},
    "w3_parallel": {"aws-local-stepfunctions": 0.0058, "moto": 0.437},
    "w4_billing": {"aws-local-stepfunctions": 0.169, "moto": 35.5},
    "w5_bulk": {"aws-local-stepfunctions": 0.310, "moto": 58.2},
}


def _check_w1(inputs: list[Any], executions: list[Any]) -> str | None:
    n = inputs[0]["n"]
    return None if executions[0].output == {"counter": n, "n": n} else "counter did not reach n"


def _check_w2(inputs: list[Any], executions: list[Any]) -> str | None:
    return None if executions[0].output == inputs[0] else "ResultPath null must pass the input through"


def _check_w3(inputs: list[Any], executions: list[Any]) -> str | None:
    output = executions[0].output
    if not isinstance(output, list) or len(output) != 10:
        return "expected 10 branch outputs"
    if any(branch.get("step") != 49 for branch in output):
        return "every branch must end at step 49"
    return None


def _check_w4(inputs: list[Any], executions: list[Any]) -> str | None:
    for execution in executions:
        if "payment" not in (execution.output or {}) or "notification" not in execution.output:
            return f"execution {execution.name} did not reach payment and notification"
    return None


def _check_w5(inputs: list[Any], executions: list[Any]) -> str | None:
    results = (executions[0].output or {}).get("results")
    readings = inputs[0]["readings"]
    if not isinstance(results, list) or len(results) != len(readings):
        return "expected one result per reading under $.results"
    if not all(isinstance(r, dict) and ("amount" in r or r.get("flagged")) for r in results):
        return "every reading must end billed or flagged"
    return None


CHECKS: dict[str, Callable[[list[Any], list[Any]], str | None]] = {
    "w1_loop": _check_w1, "w2_map": _check_w2, "w3_parallel": _check_w3, "w4_billing": _check_w4,
    "w5_bulk": _check_w5,
}


class Workload:
    def __init__(self, folder: Path, name: str) -> None:
        from .bindings import load_handlers_module
        from .machine import StateMachine

        self.name = name
        text = (folder / f"{name}.asl.json").read_text()
        substitutions = {m: m[: -len("FunctionArn")] for m in re.findall(r"\$\{([A-Za-z0-9]+FunctionArn)\}", text)}
        started = time.perf_counter()
        self.machine = StateMachine.from_file(folder / f"{name}.asl.json", substitutions=substitutions or None)
        self.compile_seconds = time.perf_counter() - started
        single = folder / f"{name}.input.json"
        self.inputs = [json.loads(single.read_text())] if single.exists() else \
            json.loads((folder / f"{name}.inputs.json").read_text())
        handlers_file = folder / "handlers.py"
        self.handlers = load_handlers_module(str(handlers_file)) if handlers_file.exists() else {}

    def run_once(self) -> list[Any]:
        """Run every input; return the executions (for the output checks)."""
        from .bindings import Bindings

        bindings = Bindings(self.handlers)
        return [self._run(document, bindings) for document in self.inputs]

    def run_timed(self) -> None:
        """Run every input, dropping each execution once it has run, as a service running many
        executions would (keeping them all would time the collector walking 500 histories)."""
        from .bindings import Bindings

        bindings = Bindings(self.handlers)
        run = self._run
        for document in self.inputs:
            run(document, bindings)

    def timed_runs(self, runs: int) -> list[float]:
        """The wall time of ``runs`` runs of :meth:`run_timed`, each after a full collection."""
        times = []
        for _ in range(runs):
            gc.collect()
            started = time.perf_counter()
            self.run_timed()
            times.append(time.perf_counter() - started)
        return times

    def _run(self, document: Any, bindings: Any) -> Any:
        """One execution, without AWS's 25,000-event cap: w5_bulk's inline Map of 2,000 readings
        records more (on AWS it would fail with States.Runtime); the workloads measure throughput."""
        return self.machine.execute(document, handlers=bindings, history_limit=None)


def run_benchmarks(folder: Path, *, runs: int = 5, only: list[str] | None = None,
                   echo: Callable[[str], None] = print) -> dict[str, Any]:
    meta = json.loads((folder / "meta.json").read_text()) if (folder / "meta.json").exists() else {}
    names = sorted(p.name[: -len(".asl.json")] for p in folder.glob("*.asl.json"))
    if only:
        names = [n for n in names if n in only]
    results: dict[str, Any] = {
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(),
                    "processor": platform.processor() or platform.machine()},
        "runs": runs,
        "workloads": {},
    }
    echo(f"{'workload':<12}{'median s':>10}{'floor s':>10}{'x floor':>8}{'states/s':>12}{'peak MiB':>10}"
         f"{'node s':>9}{'moto s':>9}  check")
    for name in names:
        workload = Workload(folder, name)
        executions = workload.run_once()  # warm-up, and the run whose outputs are checked
        failed = [e for e in executions if e.status != "SUCCEEDED"]
        problem = f"{len(failed)} execution(s) did not succeed: {failed[0]!r}" if failed else None
        if problem is None and name in CHECKS:
            problem = CHECKS[name](workload.inputs, executions)
        states = sum(len([ev for ev in e.history if ev.type.endswith("StateEntered")]) + e.history.dropped
                     for e in executions) if all(e.history.dropped == 0 for e in executions) else None
        expected_states = (meta.get(name) or {}).get("states")
        if problem is None and expected_states is not None and states is not None and states != expected_states:
            problem = f"entered {states} states, meta.json says {expected_states}"
        times = workload.timed_runs(runs)
        gc.collect()
        tracemalloc.start()
        workload.run_once()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        median = statistics.median(times)
        floor, floor_problem = _floor(workload, name, runs)
        if problem is None and floor_problem is not None:
            problem = f"plain-Python floor: {floor_problem}"
        count = expected_states or states or 0
        peers = PEERS.get(name, {})
        row = {
            "median_seconds": round(median, 6),
            "min_seconds": round(min(times), 6),
            "states": count,
            "states_per_second": round(count / median) if median else None,
            "peak_memory_mib": round(peak / 2**20, 2),
            "compile_seconds": round(workload.compile_seconds, 6),
            "floor_seconds": round(floor, 6) if floor is not None else None,
            "times_floor": round(median / floor, 1) if floor else None,
            "executions": len(workload.inputs),
            "check": "ok" if problem is None else problem,
            "peers_seconds": peers,
        }
        results["workloads"][name] = row
        node = peers.get("aws-local-stepfunctions")
        moto = peers.get("moto")
        echo(f"{name:<12}{median:>10.4f}{floor if floor is not None else float('nan'):>10.4f}"
             f"{row['times_floor'] if row['times_floor'] is not None else float('nan'):>8.1f}"
             f"{row['states_per_second'] or 0:>12,}{row['peak_memory_mib']:>10.2f}"
             f"{node if node is not None else float('nan'):>9.4f}{moto if moto is not None else float('nan'):>9.2f}"
             f"  {row['check']}")
    return results


class _Done:
    """What the output checks read of an execution: its output."""

    def __init__(self, output: Any) -> None:
        self.output = output
        self.name = "plain-python"


def _floor(workload: Workload, name: str, runs: int) -> tuple[float | None, str | None]:
    """The median time of the workload's plain-Python floor, and what its check found wrong."""
    from .bench_floor import FLOORS

    floor = FLOORS.get(name)
    if floor is None:
        return None, None
    # (a HANDLERS entry may name another function by its text; the floors call the functions themselves)
    functions = {key: handler for key, handler in workload.handlers.items() if callable(handler)}
    outputs = floor(workload.inputs, functions)
    check = CHECKS.get(name)
    problem = check(workload.inputs, [_Done(output) for output in outputs]) if check else None
    times = []
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        floor(workload.inputs, functions)
        times.append(time.perf_counter() - started)
    return statistics.median(times), problem

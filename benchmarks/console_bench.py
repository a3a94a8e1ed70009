"""Benchmark the ``aslrun serve`` console: how fast a long execution's pages answer, and what
recording the data-flow stages costs the executions the server runs.

    python benchmarks/console_bench.py                    # 2,500 Map iterations (10,006 events), 9 reads each
    python benchmarks/console_bench.py --items 1000 --reads 5

* **pages**: a server (``python -m aslrun serve --virtual-time --port 0``, stopped by its pid) runs
  one execution of a Map over ``--items`` items (one Pass state each); then each console endpoint
  is read ``--reads`` times over HTTP and the median time and the answer's size are printed, after
  the first read of the execution (which reads its whole history from the store).
* **recording**: the service in this process (virtual time, an in-memory state directory) runs an
  execution of a Map over 3,000 items (two Pass states each: 6,001 state runs) with and without the
  console's recorder of data-flow stages, interleaved, 9 times each; the median CPU time of each
  (store writes included: they happen on the service's writer thread in this process).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT), str(ROOT / "tests")]

ROLE = "arn:aws:iam::123456789012:role/console-bench"


def wide_map(states: int) -> dict:
    inner = {"Keep": {"Type": "Pass", "End": True}} if states == 1 else {
        "A": {"Type": "Pass", "Parameters": {"v.$": "$"}, "ResultPath": "$", "Next": "B"},
        "B": {"Type": "Pass", "InputPath": "$.v", "End": True}}
    return {"StartAt": "Each", "States": {"Each": {"Type": "Map", "ItemsPath": "$.items", "End": True,
                                                   "ItemProcessor": {"StartAt": next(iter(inner)), "States": inner}}}}


def pages(items: int, reads: int) -> None:
    from service.server_process import ServerProcess  # type: ignore[import-not-found]  # (tests/, on sys.path)

    with ServerProcess("--virtual-time") as server:
        sfn = server.client()
        machine = sfn.create_state_machine(name="wide", definition=json.dumps(wide_map(1)), roleArn=ROLE)
        arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"],
                                  input=json.dumps({"items": list(range(items))}))["executionArn"]
        while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
            time.sleep(0.05)

        def read(path: str) -> tuple[float, bytes]:
            started = time.perf_counter()
            with urllib.request.urlopen(server.url + path) as answer:
                body = answer.read()
            return time.perf_counter() - started, body

        quoted = quote(arn)
        first, body = read(f"/console/api/execution?arn={quoted}")
        events = json.loads(body)["events"]
        the_map = json.loads(read(f"/console/api/execution/runs?arn={quoted}&state=Each")[1])["runs"][0]["id"]
        middle_runs = max(1, (2 * items + 1) // 200)
        print(f"pages: {items:,} Map iterations, {events:,} events; the first read of the execution "
              f"{first * 1000:.0f} ms ({len(body):,} bytes); then, median of {reads}:")
        for name, path in [("execution (summary + drawing)", f"/console/api/execution?arn={quoted}"),
                           ("state runs, a middle page", f"/console/api/execution/runs?arn={quoted}&page={middle_runs}"),
                           ("iterations, a middle page",
                            f"/console/api/execution/iterations?arn={quoted}&id={the_map}&page={max(1, items // 200)}"),
                           ("history, a middle page", f"/console/api/execution/events?arn={quoted}&page={max(1, events // 200)}"),
                           ("the execution page (HTML)", f"/console/execution?arn={quoted}")]:
            timings = [read(path) for _ in range(reads)]
            print(f"  {name}: {statistics.median(t for t, _ in timings) * 1000:.1f} ms, {len(timings[0][1]):,} bytes")


def recording(rounds: int) -> None:
    from aslrun.service import ServiceConfig, StepFunctionsService
    from aslrun.service.console.inspection import Inspections

    service = StepFunctionsService(ServiceConfig(virtual_time=True))
    machine = service.handle("CreateStateMachine", {"name": "m", "definition": json.dumps(wide_map(2)),
                                                    "roleArn": ROLE}, service.call())["stateMachineArn"]
    inspections = Inspections()
    runs = iter(range(1_000_000))

    def run(record: bool) -> float:
        service.runner.watchers[:] = [inspections.watch] if record else []
        started = time.process_time()
        service.handle("StartExecution", {"stateMachineArn": machine, "name": f"run-{next(runs)}",
                                          "input": json.dumps({"items": list(range(3000))})}, service.call())
        while service.runner.running:
            time.sleep(0.001)
        service.store.flush()
        return time.process_time() - started

    try:
        run(False), run(True)
        without, with_ = [], []
        for _ in range(rounds):
            without.append(run(False))
            with_.append(run(True))
        plain, recorded = statistics.median(without), statistics.median(with_)
        print(f"recording: a served execution of 6,001 Pass-state runs, CPU time, median of {rounds} interleaved: "
              f"{plain * 1000:.0f} ms without, {recorded * 1000:.0f} ms with the stages recorded "
              f"({(recorded / plain - 1) * 100:+.1f}%)")
    finally:
        service.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=2500, help="Map iterations of the execution the pages show")
    parser.add_argument("--reads", type=int, default=9, help="reads of each page (the median is shown)")
    parser.add_argument("--rounds", type=int, default=9, help="runs with and without recording")
    options = parser.parse_args()
    pages(options.items, options.reads)
    recording(options.rounds)


if __name__ == "__main__":
    main()

"""Engine scale benchmark: time and peak memory of very long and very wide executions.

    python benchmarks/engine_scale.py [--json out.json]

* ``loop_1m``: a Choice+Pass loop of 1,000,000 state transitions (500,000 round trips);
* ``map_100k``: an inline Map over 100,000 items (a Pass per item);
* ``map_100k_tasks``: the same Map with a Lambda task per item.

Each scenario runs in a fresh process so its peak resident memory (ru_maxrss) is its own. The
history keeps its default window (the last 25,000 events), which is what bounds memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from typing import Any

SCENARIOS: dict[str, dict[str, Any]] = {
    "loop_1m": {
        "definition": {"StartAt": "Check", "States": {
            "Check": {"Type": "Choice", "Choices": [
                {"Variable": "$.i", "NumericLessThanPath": "$.n", "Next": "Step"}], "Default": "Done"},
            "Step": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)", "n.$": "$.n"}, "Next": "Check"},
            "Done": {"Type": "Succeed"}}},
        "input": {"i": 0, "n": 500_000},
        "check": lambda out: out == {"i": 500_000, "n": 500_000},
        "states": 1_000_002,
    },
    "map_100k": {
        "definition": {"StartAt": "M", "States": {"M": {
            "Type": "Map", "ItemsPath": "$.items", "ResultPath": None, "End": True,
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"v.$": "$"}, "End": True}}}}}},
        "input": {"items": list(range(100_000))},
        "check": lambda out: out == {"items": list(range(100_000))},
        "states": 100_001,
    },
    "map_100k_tasks": {
        "definition": {"StartAt": "M", "States": {"M": {
            "Type": "Map", "ItemsPath": "$.items", "ResultSelector": {"n.$": "States.ArrayLength($)"},
            "End": True, "ItemProcessor": {"StartAt": "T", "States": {"T": {
                "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Double",
                "End": True}}}}}},
        "input": {"items": list(range(100_000))},
        "check": lambda out: out == {"n": 100_000},
        "states": 100_001,
    },
}


def run_one(name: str) -> dict:
    from aslrun import StateMachine

    scenario = SCENARIOS[name]
    machine = StateMachine(scenario["definition"])
    started = time.perf_counter()
    execution = machine.execute(scenario["input"], handlers={"Double": lambda event, context: event * 2},
                                payload_limit=None, history_limit=None)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "scenario": name,
        "status": execution.status,
        "seconds": round(seconds, 3),
        "states_per_second": round(scenario["states"] / seconds),
        "events": len(execution.history),
        "events_in_memory": len(execution.history.events()),
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "check": "ok" if execution.status == "SUCCEEDED" and scenario["check"](execution.output) else "WRONG",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--only", action="append", choices=sorted(SCENARIOS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.child)))
        return
    rows = []
    print(f"{'scenario':<16}{'seconds':>9}{'states/s':>11}{'events':>10}{'in memory':>11}{'peak RSS MiB':>14}  check")
    for name in args.only or list(SCENARIOS):
        out = subprocess.run([sys.executable, __file__, "--child", name], capture_output=True, text=True, check=True)
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(f"{name:<16}{row['seconds']:>9}{row['states_per_second']:>11,}{row['events']:>10,}"
              f"{row['events_in_memory']:>11,}{row['peak_rss_mib']:>14}  {row['check']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)
    if any(row["check"] != "ok" for row in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()

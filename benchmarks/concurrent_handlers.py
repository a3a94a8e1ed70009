"""The opt-in handler modes side by side: a Map over N items, MaxConcurrency 10, with a handler
that waits (a 20 ms sleep: the network, a disk) and one that computes (about 10 ms of arithmetic).

    python benchmarks/concurrent_handlers.py [--items 200] [--runs 3] [--json out.json]

Each handler is run in the default mode (one call at a time), with ``handler_threads=10`` and with
``handler_processes=2`` (this machine's cores); the median wall time of ``--runs`` runs is printed,
and each run's output is checked against the default mode's. Waiting handlers overlap on threads;
computing ones gain only from processes, and only as many times as there are cores, less the
engine's own share and what crossing to a worker costs (the event and result are pickled).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:"


def waits(event, context):
    """A handler that waits 20 ms, as one calling a service would."""
    time.sleep(0.02)
    return {"n": event["n"]}


def computes(event, context):
    """A handler that computes for about 10 ms."""
    total = 0
    for i in range(150_000):
        total += (i * event["n"]) % 7
    return {"n": event["n"], "total": total}


def machine(resource: str) -> dict:
    return {"StartAt": "M", "States": {"M": {
        "Type": "Map", "MaxConcurrency": 10, "ItemsPath": "$.items",
        "ItemProcessor": {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": FUNCTION + resource,
                                                               "End": True}}},
        "End": True}}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    from aslrun import StateMachine

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import concurrent_handlers as importable  # this file by its module name: a worker process imports it so

    handlers = {"waits": importable.waits, "computes": importable.computes}
    document = {"items": [{"n": i} for i in range(args.items)]}
    modes = {"one at a time": {}, "handler_threads=10": {"handler_threads": 10},
             "handler_processes=2": {"handler_processes": 2}}
    figures: dict[str, dict[str, float]] = {}
    print(f"Map over {args.items} items, MaxConcurrency 10 (median of {args.runs} runs, seconds)")
    print(f"  {'handler':<10}" + "".join(f"{mode:>22}" for mode in modes))
    for name in handlers:
        state_machine = StateMachine(machine(name))
        expected = state_machine.execute(document, handlers=handlers).output
        row: dict[str, float] = {}
        for mode, options in modes.items():
            state_machine.execute({"items": document["items"][:4]}, handlers=handlers, **options)  # workers up
            seconds = []
            for _ in range(args.runs):
                started = time.perf_counter()
                execution = state_machine.execute(document, handlers=handlers, **options)
                seconds.append(time.perf_counter() - started)
                if execution.output != expected:
                    raise SystemExit(f"{name} in mode {mode}: the output differs from the default mode's")
            row[mode] = round(statistics.median(seconds), 3)
        figures[name] = row
        print(f"  {name:<10}" + "".join(f"{row[mode]:>22}" for mode in modes))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""aslrun beside aws-local-stepfunctions on the five standard workloads, on this machine, in turns.

    python benchmarks/peer_bench.py [--rounds 3] [--runs 7] [--only w4_billing ...] [--json out.json]

Issue 15 asks the engine to stay ahead of aws-local-stepfunctions on ``../shared/bench``'s workloads.
That folder gives the peer's figures as measured once, elsewhere (Node 22); this machine's speed
swings by a third to a half from hour to hour, so a figure of ours measured here today says little
against it. This benchmark runs the peer here, in turns with aslrun, so each pair of figures comes
from the same minutes.

The peer is aws-local-stepfunctions 3.0.0 on Node 22, both from npm (``benchmarks/peer/package.json``
and its lock file: the ``node`` package brings a Node 22 binary; this machine's own Node 20 cannot
run the peer), installed into ``benchmarks/peer/node_modules`` on first use (``npm ci``).
``benchmarks/peer/run_peer.mjs`` runs each workload as ``aslrun bench`` does (definition compiled
once; every input in turn, once to warm up, then ``--runs`` timed runs; the median), its Lambda
tasks bound to local functions that mirror the workloads' ``handlers.py``. Each round times aslrun,
then the peer (the other way round on even rounds); the table gives the median of the rounds'
medians, their range, and the peer's time over aslrun's (above 1: aslrun is ahead). Before timing,
both engines' outputs are compared (aslrun's without the SDK metadata it adds to each
``lambda:invoke`` result, as AWS does; the peer's results carry none): a difference ends the run
with status 1.

Measured 2026-12-07, a slow hour of this machine (a plain Python loop took 2.7-3.2 s against 2.4 s on
a fast one). At 07:58, before the change below (3 rounds; two pairs alternated by hand agreed):

* w1_loop (Choice + Pass with ``States.MathAdd``, 10,002 states): aslrun 0.064 s, the peer 0.302;
  w2_map (an inline Map over 5,000 items): 0.087 against 0.300. aslrun ahead 4.7 and 3.4 times.
* w3_parallel (10 branches of 50 Pass states): 0.0026 against 0.0026 s: level.
* w4_billing (500 executions, 3,500 Lambda tasks): 0.244 against 0.180 s; w5_bulk (a Map over 2,000
  readings, 8,000 tasks): 0.502 against 0.396 s: aslrun behind (the peer took 0.74 and 0.79 of its time).

Where w4 and w5 went (py-spy of aslrun alone): the private copy of each handler's event (a
``marshal`` round trip: a handler may change its event, and Lambda's is a copy) 17-23% (a third of
w4 by the clock: its events carry the earlier results' SDK metadata, 3 KB each); each result through
its JSON text (Lambda's serialiser) 8%; the SDK metadata of each result (headers, a trace id, a request
id: ``lambda:invoke`` returns them on AWS) 7%; the history's events 8-10%. The peer hands each
function the engine's own object and returns its result as it is, with no metadata.

The change (``aslrun.integrations.reading_code``): a plain function whose bytecode can only read its
event gets the execution's own value, as a handler marked ``reads_event_only`` does; the workloads'
handlers (``event.get`` of a field into a new dict) are such functions. w4_billing 1,175 -> 739 and
w5_bulk 2,185 -> 1,713 million instructions a run (callgrind, the set-up taken off). At 08:21-08:30,
three runs of this script (3, 3 and 5 rounds): the peer's time over aslrun's 4.6-5.0 (w1), 3.4-4.2
(w2), 0.86-0.95 (w3), 0.86-1.05 (w4), 0.82-1.22 (w5); the 5-round run: w4 0.179 against 0.187 s,
w5 0.440 against 0.475. Then each result's SDK metadata written out instead of built by a loop (w4
728, w5 1,686 million instructions) and a Pass's constant Result's size known when compiled (w3 18.3 ->
17.3): at 09:18-09:20, 5 rounds, the peer's time over aslrun's 5.5 (w1), 5.0 (w2), 0.99 (w3), 1.09 (w4:
0.176 against 0.191 s), 1.07 (w5: 0.378 against 0.406). Level with the peer on w3-w5 within this
machine's noise, a few percent ahead at best: not clearly ahead.

The stop after (the same day): steps made cheaper where every state or task pays (the virtual clock
one addition to the real clock; EnteredTime the Entered event's timestamp, one clock read less a
state; the history's full mark, a task's resource details and a Lambda context's log names not
worked out again each time; a UUID's hex from its bytes): w1 429 -> 415, w2 545 -> 538, w3 17.4 -> 16.7,
w4 719 -> 686, w5 1,665 -> 1,592 million instructions. At 10:53-10:55, 5 rounds (a slow hour: the loop
2.9-3.4 s): 5.1 (w1), 3.7 (w2), 1.05 (w3), 1.11 (w4: 0.165 against 0.183 s), 1.16 (w5: 0.407 against
0.470); at 10:19, 3 rounds of w3-w5: 2.61 (the peer's w3 ranged 0.0040-0.0081 s), 1.05, 0.96. Still
within the noise. What is left in w5 (py-spy): each result through its JSON text 12%, the history's
events 11-16%, the SDK metadata 8%, Python's garbage collector 3-10% (measured with it off; a run
already raises its first threshold, 700 -> 10,000, while it runs).
Last, the check of bindings before each run walked every state of the machine when the run was not
given the very ``Bindings`` object checked before (w3 runs with none); it now looks only at the states
that have resources: w3 16.7 -> 14.8 million instructions. At 11:22-11:24, 5 rounds (the loop 2.7 s
before, 4.0 s after): 5.3, 3.3, 1.72 (w3), 1.02 (w4: 0.190 against 0.193 s), 1.15 (w5: 0.396 against
0.455).

The stop after (2026-12-07 afternoon; no engine change kept). At 12:23, 3 rounds (the loop 3.1 s before,
3.0 s after): 5.2 (w1), 3.5 (w2), 1.57 (w3), 1.11 (w4: 0.162 against 0.180 s), 0.95 (w5: 0.392 against
0.371 s; aslrun's own rounds 0.389-0.648 s). Where a w5 run's instructions go, by callgrind with parts of
the engine stubbed out (the set-up taken off): recording its 56,000 history events is a quarter
(1,587 -> 1,212 million instructions without them), some 6,700 instructions an event: Frame.emit, the
clock, History.add and the Event, each a Python call (``Frame.emit`` alone 1.4 us on this hour), then
keeping the last 25,000 in the window, whose survivors Python's collector walks (69 million: 4.4%). Tried
and dropped: the Event as a tuple of its fields (made in C, no ``__init__`` call): 1,587 -> 1,570 and
w4 690 -> 681 million (-1.1% and -1.2%), for an event that would then also be a tuple (indexed, iterated
and written to JSON as one); a plain tuple per event would save 0.2 us more, but every reader of the
history would then build the Events it reads.
What is left is the price of recording what AWS records, a few Python calls a step: at Python's speed,
level with a JIT-compiled engine on w4 and w5, ahead on w1-w3.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PEER = REPO / "benchmarks" / "peer"
WORKLOADS = ("w1_loop", "w2_map", "w3_parallel", "w4_billing", "w5_bulk")
_SDK_METADATA = ("SdkHttpMetadata", "SdkResponseMetadata")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", type=Path, default=Path(os.environ.get("ASLRUN_BENCH_DIR") or
                                                                  REPO.parent / "shared" / "bench" / "workloads"),
                        help="folder of the workloads (default: $ASLRUN_BENCH_DIR or ../shared/bench/workloads)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each timing both engines (default 3)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per workload per round (default 7)")
    parser.add_argument("--only", action="append", choices=WORKLOADS, help="only these workloads (repeatable)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if not (args.workloads / "meta.json").exists():
        raise SystemExit(f"peer_bench: no workloads at {args.workloads} (give --workloads or $ASLRUN_BENCH_DIR)")
    names = [name for name in WORKLOADS if not args.only or name in args.only]
    node = installed_peer()
    ours = AslrunWorkloads(args.workloads, names)
    problems = compare_outputs(ours.outputs(), peer_outputs(node, args.workloads, names))
    if problems:
        raise SystemExit("peer_bench: the engines' outputs differ:\n  " + "\n  ".join(problems))
    rounds: dict[str, dict[str, list[float]]] = {name: {"aslrun": [], "peer": []} for name in names}
    for index in range(args.rounds):
        order = ("aslrun", "peer") if index % 2 == 0 else ("peer", "aslrun")
        for engine in order:
            figures = ours.medians(args.runs) if engine == "aslrun" else peer_medians(node, args.workloads, names,
                                                                                        args.runs)
            for name, median in figures.items():
                rounds[name][engine].append(median)
        print(f"... round {index + 1} of {args.rounds} done", file=sys.stderr)
    table = summary(rounds)
    print(f"aslrun beside aws-local-stepfunctions ({node_version(node)}), {args.rounds} rounds of {args.runs} "
          "timed runs each, in turns; seconds, median of the rounds' medians [their range]")
    print(f"{'workload':<12}{'aslrun':>28}{'peer':>28}{'peer / aslrun':>15}")
    for name, row in table.items():
        print(f"{name:<12}{_cell(row['aslrun']):>28}{_cell(row['peer']):>28}{row['ratio']:>15.2f}")
    if args.json:
        args.json.write_text(json.dumps({"rounds": args.rounds, "runs": args.runs, "node": node_version(node),
                                         "figures": table, "each_round": rounds}, indent=1))


class AslrunWorkloads:
    """The workloads as ``aslrun bench`` runs them (:class:`aslrun.bench.Workload`)."""

    def __init__(self, folder: Path, names: list[str]) -> None:
        sys.path.insert(0, str(REPO / "src"))
        from aslrun.bench import Workload

        self.workloads = {name: Workload(folder, name) for name in names}

    def outputs(self) -> dict[str, list[Any]]:
        """Each workload's outputs (its warm-up run)."""
        return {name: [execution.output for execution in workload.run_once()]
                for name, workload in self.workloads.items()}

    def medians(self, runs: int) -> dict[str, float]:
        figures = {}
        for name, workload in self.workloads.items():
            workload.run_timed()  # (warm, as the peer's runner warms each workload before timing it)
            figures[name] = statistics.median(workload.timed_runs(runs))
        return figures


def installed_peer() -> Path:
    """Node 22's binary in ``benchmarks/peer/node_modules``, installing the peer first if needed."""
    node = PEER / "node_modules" / ".bin" / "node"
    if not (node.exists() and (PEER / "node_modules" / "aws-local-stepfunctions").is_dir()):
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit("peer_bench: npm is needed to install aws-local-stepfunctions and Node 22")
        print("peer_bench: installing aws-local-stepfunctions and Node 22 into benchmarks/peer (npm) ...",
              file=sys.stderr)
        # (the versions package-lock.json pins, exactly)
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=PEER, check=True)
    return node


def node_version(node: Path) -> str:
    return "Node " + subprocess.run([str(node), "--version"], capture_output=True, text=True, check=True).stdout.strip()


def _peer(node: Path, arguments: list[str]) -> dict[str, Any]:
    done = subprocess.run([str(node), str(PEER / "run_peer.mjs"), *arguments], cwd=PEER, capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise SystemExit(f"peer_bench: the peer's runner failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def peer_outputs(node: Path, folder: Path, names: list[str]) -> dict[str, list[Any]]:
    return _peer(node, [str(folder), "0", "--outputs", *names])["outputs"]  # type: ignore[no-any-return]


def peer_medians(node: Path, folder: Path, names: list[str], runs: int) -> dict[str, float]:
    figures = _peer(node, [str(folder), str(runs), *names])["figures"]
    return {name: figures[name]["median"] for name in names}


def without_sdk_metadata(value: Any) -> Any:
    """``value`` without the SDK metadata aslrun adds to each ``lambda:invoke`` result."""
    if isinstance(value, dict):
        return {key: without_sdk_metadata(item) for key, item in value.items() if key not in _SDK_METADATA}
    if isinstance(value, list):
        return [without_sdk_metadata(item) for item in value]
    return value


def compare_outputs(ours: dict[str, list[Any]], theirs: dict[str, list[Any]]) -> list[str]:
    """What differs between the engines' outputs, workload by workload (nothing: the same work)."""
    problems = []
    for name, outputs in ours.items():
        peer = theirs.get(name)
        if peer is None:
            problems.append(f"{name}: the peer gave no outputs")
            continue
        mine = without_sdk_metadata(outputs)
        if len(mine) != len(peer):
            problems.append(f"{name}: {len(mine)} executions against the peer's {len(peer)}")
            continue
        for index, (a, b) in enumerate(zip(mine, peer)):
            if a != b:
                problems.append(f"{name}: execution {index}: {json.dumps(a)[:200]} against {json.dumps(b)[:200]}")
                break
    return problems


def summary(rounds: dict[str, dict[str, list[float]]]) -> dict[str, dict[str, Any]]:
    """Per workload: each engine's median of its rounds' medians and their range, and peer / aslrun."""
    table = {}
    for name, engines in rounds.items():
        row: dict[str, Any] = {engine: {"median": statistics.median(times), "min": min(times), "max": max(times)}
                               for engine, times in engines.items()}
        row["ratio"] = row["peer"]["median"] / row["aslrun"]["median"]
        table[name] = row
    return table


def _cell(figure: dict[str, float]) -> str:
    return f"{figure['median']:.4f} [{figure['min']:.4f}-{figure['max']:.4f}]"


if __name__ == "__main__":
    main()

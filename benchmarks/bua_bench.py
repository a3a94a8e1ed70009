"""Benchmark the BUA pipeline: time and peak memory for 1,000, 10,000 and 100,000 accounts.

    python benchmarks/bua_bench.py                       # all three sizes, engine + direct
    python benchmarks/bua_bench.py --sizes 1000 --modes asl --json out.json
    python benchmarks/bua_bench.py --sizes 100000 --modes asl asl-workers   # handlers in 2 processes
    python benchmarks/bua_bench.py --sizes 1000000 --modes --snapshots /big/disk   # generate, keep
    python benchmarks/bua_bench.py --sizes 1000000 --modes asl-workers --snapshots /big/disk

For each size: generate the synthetic retailer snapshot, then run the whole pipeline (restore to
terminate) on a fresh run database, either through the ASL machines on the aslrun engine and its
local AWS (``asl``: the controller, 13 nested stage executions, control records in DynamoDB,
each fan-out stage's worklist written to S3 and handed out by a distributed Map, whose child
executions send the batches through SQS queues, the CSVs into S3 and copied, all on moto in the
same process), the same with the stages' handlers in worker processes (``asl-workers``:
``handler_processes=--workers``, 2 by default; the batches of a Map then run two at a time), or by
calling the handlers in order (``direct``: no AWS at all). Every phase runs in its own process, so
its peak resident memory (``ru_maxrss`` of that process) is its own; the memory of its whole process
tree, workers included, is sampled beside it. Prints a table and writes JSON. Run from the
repository root.

What 300,000 accounts showed (issue 15): the snapshot is 8.6 GB (31.8 million interval days);
generating it took 474 s and the pipeline 1,510 s at a peak of 760 MiB, of which about 10 minutes
was the restore: SQLite's backup into the WAL-mode run database wrote every page into a 9 GB
write-ahead log, then the checkpoint wrote each again. The restore now copies through a rollback
journal (10,000 accounts: 6.0 s -> 2.4 s; 100,000 accounts end to end 138 s, peak 476 MiB;
300,000 accounts 459 s, peak 750 MiB, generated in 243 s). Peak memory grows slowly with size:
the stages stream in batches. Time grows linearly, so 1,000,000 accounts would take some 25
minutes on 2 cores, not 10.

Issue 15, a later stop. Not quite linearly: moto's SQS queue counted its messages on every
SendMessage (for ``ContentBasedDeduplication`` it read all the queue's attributes, three of them
counts that asked each message for the time, ~6 us a question), so sending the n-th batch cost
~18 us x n. A stage of 2,000 batches (500 accounts each, a million accounts) took 40 s to send
and 113 s to drain; since ``aslrun.localaws.moto_speedups`` (one clock read per count) 2.2 s and
3.4 s. At 100,000 accounts (128 batches a stage) that was under 2 s of the run. Then each handler
call opened the run database, applied its schema and closed it (a WAL checkpoint): about 0.5 ms
a call, 154 calls on the hand-made cases (18 % of that run's CPU); the stages' handlers now share
one connection per thread (``store.shared_db``). 100,000 accounts: 123 s (136 s before), 87 s
with ``asl-workers`` (92 s before); 300,000 with ``asl-workers`` 253 s (312 s before), peak 519
MiB. Then each batch after the segments stage read the macro profile again (about 24 ms, some
700 times at 100,000 accounts); it is now kept per process under a token the segments stage
writes with it: 100,000 accounts 112 s, 77 s with ``asl-workers``; 300,000 with ``asl-workers``
227 s (peak 575 MiB). Linear from there, a million would take about 19 minutes, 13 with the workers.

Issue 15, the stop after. Profiled in-process at 20,000 accounts (``cProfile`` of the direct
run): a time-of-use invoice added its 1,536 interval Decimals one by one in Python, and each day's
band layout was looked up through an ``lru_cache`` keyed by the tariff's pydantic model, hashed
deeply every call and, since the invoice step parsed the tariffs afresh per batch, compared field
by field (800,000 ``__eq__`` calls). The tariff schedules are now parsed once per distinct rows,
a day's band runs are found once per tariff and added with ``sum`` in C (the same order, so the
same Decimals), and a day's kWh are built with a memo dict in C: invoice runs 18.4 -> 11.5 s under
the profiler. The profile extraction made three strings per row to find the row's segment; SQLite
now maps it to the segment's index (7.4 -> 6.5 s). 50,000 accounts with the workers: 40.4 -> 34.2 s;
100,000: 95 s, 65 s with the workers.

Then a million accounts, measured for the first time (``--sizes 1000000 --snapshots DIR``: a
28.5 GB snapshot of 106 million interval days, generated in 658 s; the run database is as big
again). The run failed: each stage processed a received batch in an inline Map iteration, about
a dozen history events per batch, and the microscalar stage's 2,000 batches passed Step
Functions' 25,000 events (``States.Runtime``; AWS would fail it the same way). Each received batch
now runs in a child execution of a second distributed Map, and a stage records about a dozen
events per round of up to 10 batches. 1,000,000 accounts with the workers: 673 s (peak 1,038
MiB; 904 Map runs, 17,880 child executions); with ``--workers 3`` 685 s, its slowest stages
segments 209 s, invoice runs 193 s, restore 87 s, NEM12 79 s and export 72 s. Then the invoice
step kept its kWh memo across batches (it made 16,000 Decimals a batch again), took checked daily
Decimals as they are, and apportioned an invoice's GST over its few lines in plain Python (numpy
costs ~30 us a call on such tiny arrays; the parts are numpy's, a property test says): invoice runs
7.1 -> 6.0 s at 20,000 accounts in-process; 100,000 accounts 93 s, 61 s with the workers;
1,000,000 with the workers 652 s (peak 1,022 MiB): segments 206 s, invoice runs 167 s, restore 84
s, NEM12 77 s, export 75 s. Not yet the 10 minutes aimed at: the profile extraction reads 106
million rows (SQLite's fetch is most of its time), and the restore writes 30 GB.

Issue 15, the stop after. Profiled at a million accounts with ``py-spy record --subprocesses
--idle`` (20 samples a second) beside ``vmstat``: the NEM12 batches held the run database's write
lock while they estimated, wrote and read back their file, so the other worker waited (64 s of
the workers' time); they and the basic-read batches now keep their writes for the end (their
reads never look at estimates). The restore copied 28.5 GB page by page through SQLite, a core
busy in the kernel for a minute: a run database that does not exist yet is now the snapshot file
copied by the kernel (``sendfile``), given the run schema, synced and linked into place (SQLite's
backup still does it when a database is already there, or the snapshot has a write-ahead log or
hot journal beside it). The accounts step sought every interval NMI's first metered day one at a
time, waiting on the disk (27 s in the run; 64 s with nothing cached): it now stops at the first
NMI whose data begins early enough to leave the window as it is, and otherwise reads 8 key ranges
on connections of their own (64 -> 20 s with nothing cached). The extraction transposed each
chunk of rows with ``zip(*rows)``, which cost more than SQLite's step: 0.68 -> 0.25 us a row with
``map(itemgetter)``. 1,000,000 accounts with the workers: 549, 565 (the OS page cache dropped
first), 570 and 565 s, median 565 s, peak 1,004-1,037 MiB: segments 168-177 s, invoice runs 168-170 s,
export 75-76 s, restore 41-64 s, NEM12 44-49 s. 100,000 accounts: 86 s, 52 s with the workers.
Then a time-of-use invoice's days were checked and summed as one numpy array instead of each
day's ``Decimal``s (``ChannelUsage.from_checked_intervals``; the same ``Decimal``s): invoice runs
at 20,000 accounts in-process 6.29 -> 5.84 s; 1,000,000 accounts with the workers 561 and 571 s
(invoice runs 160 / 166 s; peak 1,088 / 1,042 MiB); 100,000 accounts 81 s, 51 s with the workers.

Issue 15, a later stop (``aslrun.localaws.moto_speedups``): moto answered each DynamoDB call by
asking six alias providers, member by member, which names each value might have, and listed its
response class's methods with ``inspect.getmembers`` before every request; both are now worked out
once. 10,000 accounts (``--modes asl``), the commit before and this one back to back on the same
(slow) afternoon: 12.25 -> 11.52 s. The pipeline's time is the handlers', not moto's.

Issue 15, 2026-12-07: each run also samples the memory of its whole process tree (the caller and
the workers it forks) every second from ``/proc`` (``TreeMemory``; ``--tree-memory-every 0`` turns
it off): the sum of their PSS (a page a forked worker shares with its caller counts once in all)
and of their RSS. 1,000,000 accounts with the workers: the tree's peak 1,843 MiB PSS (1,881 MiB RSS
summed; the caller's own peak 1,021 MiB), so the run stays under 2 GiB counting every process
(10,000 accounts: 525 MiB, the caller 217; 100,000: 713 MiB, the caller 344). That evening the run
took 664 s with the sampler and 658 s without it (segments 198-219 s, invoice runs 188-191 s,
export 108-118 s, restore 54-77 s, NEM12 46-49 s): over the 10 minutes, where the same code class
had run 561-571 s on 2026-12-05. The machine, not the code: 100,000 accounts with the workers, run
alternately with the commit measured then (a497080), took 76 and 81 s against its 78 and 81 s (51 s
on 2026-12-05), on an evening when a plain Python loop ran as fast as ever (the pipeline reads and
writes some 60 GB of SQLite: this shared machine's disk, not its CPU, set the pace).

Issue 15, 2026-12-07 later (``py-spy record --subprocesses`` at 100,000 accounts with the workers:
the extraction's ``fetchmany`` 17% of all samples, the invoice step 36%). Each extraction row
carried the account's text (to collect the accounts per segment, a dict update per row) and the
day's (its index looked up in a dict): SQLite now gives each row its cell (segment x days + the
day's offset, by ``julianday``) and counts the accounts per segment in a query of its own (an
``EXISTS`` per account, which stops at its first usable day): a batch of 4,000 accounts over a
335-day window 1.37 -> 1.11 s of CPU (medians of 12, alternately; the fetch alone 1.10 -> 0.82 s).
A time-of-use invoice built each day's kWh ``Decimal``s (a memo lookup per value) and summed them per
band in Python; its days are now a ``MilliChannel`` of three decimals (``handlers.metering.milli``:
``Decimal(wh).scaleb(-3)`` when read, day and band sums from the integers), whose band sums are now
numpy's ``bincount`` (exact: the upper and lower bits apart past 2**53) instead of a matrix
product of integers (a month of half hours 125 -> 50 us; 99 us for the metering handlers' channels,
which also count each label's values of three and of two decimals): the invoice step over 4,000 accounts
8,827 -> 7,661 million instructions (-13%, callgrind). Exports and NEM12 files of a 20,000-account
run byte for byte the same. Then: every handler connection makes a ``sqlite3.Row`` per row, which
the harness above (plain tuples) did not see; the extraction, the invoice step's interval and read
rows and the export's reads now take plain tuples (``handlers.db.read_tuples``): extract_batch on a
Row connection 4.71 -> 3.76 s for 15,000 accounts (-20%, medians of 4). 100,000 accounts with the
workers, this code and the stop's first commit (14271f3) run alternately, two pairs: 68.1 and 68.6 s
against 74.1 and 74.3 s (-8%; user CPU 96-97 against 105-109 s), segments 15.0-16.2 against
22.4-22.7 s, invoice runs 24-26 s either way (within the hour's noise). A million accounts with the
workers right after (04:12): 817 s, the tree's peak 2,477 MiB PSS (2,524 RSS summed; the caller's
1,087 MiB), stages: invoice runs 284 s, segments 184 s, export 126 s, NEM12 83 s, restore 71 s. The
generator, unchanged, took 1,094 s for the snapshot (658 s on 12-05) and the OS page cache was empty
after the run: a slow hour; but the workers' extra 630 MiB against the 1,843 MiB run is not
explained by the cuts' caches (20,000 accounts in one process: 34 band layouts, 2,259 days in all,
peak RSS 205 MiB as before), nor at 100,000 accounts by the WAL (at most 34 MB through a run) or
the tree's peak there (753-769 MiB, 796-843 before the cuts): the next thing to look at (per-stage
peaks at a million; anything a worker keeps per batch, 17,880 batches there).

Issue 15, the stop after (a million accounts again, the tree sampled per process every 5 s). The
same run: 866 s, the tree's peak 2,478 MiB. Each worker grew steadily through the segments stage
(to 470 and 310 MiB) and held it; each had 24-27 connections to the run database open. A shared
connection (``handlers.db``) whose file another process had written since it was last used (its
size or time changed: the other worker's checkpoints) was opened again, and the old one set aside
(kept open, as for a replaced file, up to 32), with its page cache. It is now closed when the file
is still the same one. At each fan-out's start the caller held the worklist's million items (some
370 MiB while the ``ItemReader``'s Map ran) and at the export's end moto joined the CSV's upload
parts (a bytearray and a bytes copy of the file, then a third written into the key's spooled file's
memory before it went to disk), and glibc kept what both freed, as it kept the 8 MiB parts each of
boto3's ten transfer threads read in the worker (a 200 MB upload through a worker: the worker 35
-> 220 MiB, the caller 85 -> 545 MiB). Now moto writes a large value straight to disk, a worker
reads an upload part only when its turn on the pipe comes, and ``aslrun.freed_memory`` has the
threads of a worker, and of a process that runs a local AWS, share two heaps (glibc's
``M_ARENA_MAX``): 75 and 329 MiB for that upload. 1,000,000 accounts: **the tree's peak 1,326 MiB**
(1,371 MiB RSS summed; the caller 975 MiB), 847 s in an hour as slow as the morning's (a plain
Python loop 1.2-1.8 times its usual time; invoice runs 294 s, segments 203 s, export 114 s, restore
94 s, NEM12 75 s). Tried first: glibc's mapping threshold fixed at 1 MiB (each large block freed goes
back at once): the tree's peak 1,142-1,181 MiB at a million (855-887 s), 582-591 MiB at 100,000
(663 with the two heaps), but every large numpy array then starts on fresh pages: the extraction's
numpy work on 20,000 rows 11-15 -> 17-19 ms of CPU; dropped for the heaps, which cost nothing there.
The ``ItemReader``'s items could take a third less memory parsed as one
JSON array (their keys shared) and 4 times less time, but a line holding two values (``1,2``) would
then pass where the reader names its line as not valid JSON: not done.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

GENERATE = """
import json, sys
from datetime import date
from fixtures.bua.generate import generate
from fixtures.bua.retailer import RetailerSpec
print(json.dumps(generate(sys.argv[1], RetailerSpec(accounts=int(sys.argv[2]), seed=7,
                                                      run_date=date(2024, 10, 1)))))
"""

RUN_ASL = """
import json, sys
from aslrun import StateMachine
from aslrun.model import load_substitutions
from fixtures.bua.aws import bua_aws
from handlers.bua.lambdas import HANDLERS
subs = load_substitutions("machines/bua/substitutions.json")
machine = StateMachine.from_file("machines/bua/bua.asl.json", substitutions=subs)
with bua_aws() as aws:
    execution = machine.execute({"run_date": "2024-10-01", "db": sys.argv[1], "snapshot": sys.argv[2]},
                                handlers=HANDLERS, handler_processes=int(sys.argv[3]) or None)
    s3 = aws.describe()["s3"]
print(json.dumps({"status": execution.status, "error": execution.error,
                  "children": len(execution.children),
                  "map_runs": sum(1 for c in execution.children for e in c.history
                                  if e.type == "MapRunStarted"),
                  "batches": sum(c.map_run_children for c in execution.children),
                  "s3_mib": round(sum(sum(b.values()) for b in s3.values()) / 2**20, 1),
                  "stages": {c.state_machine_name.removeprefix("bua-"):
                             round(c.history[-1].timestamp - c.history[0].timestamp, 2)
                             for c in execution.children if len(c.history)}}))
"""

RUN_DIRECT = """
import json, sys
from handlers.bua.pipeline import run_pipeline
report = run_pipeline({"run_date": "2024-10-01", "db": sys.argv[1], "snapshot": sys.argv[2]})
print(json.dumps({"status": "SUCCEEDED", "stages": {k: v.get("seconds")
                  for k, v in report["stages"].items()}}))
"""


def measured(script: str, *args: str, tree_every: float = 1.0) -> dict[str, Any]:
    """Run ``script`` in a child Python; its wall time, peak RSS (MiB) and printed JSON, and the peak
    memory of its whole process tree (the child and the workers it forks), sampled every
    ``tree_every`` seconds (0: not sampled)."""
    began = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", script, *args], cwd=ROOT,
                             stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    tree = TreeMemory(child.pid, tree_every).start()
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    tree.stop()
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - began
    if child.returncode != 0:
        raise SystemExit(f"benchmark step failed (exit {child.returncode})")
    return {"seconds": round(seconds, 2), "peak_mib": round(usage.ru_maxrss / 1024, 1), **tree.figures(),
            "result": json.loads(output.decode().strip().splitlines()[-1])}


class TreeMemory:
    """The peak memory of a process and its descendants together, sampled every ``every`` seconds
    from ``/proc`` (Linux): the sum of their proportional set sizes (PSS: a page shared by n
    processes, as a forked worker shares its parent's, counts 1/n in each, so the sum is the
    memory the tree holds) and of their resident set sizes (shared pages counted in each), and
    the most processes seen at once. Elsewhere it reports nothing."""

    def __init__(self, pid: int, every: float = 1.0) -> None:
        self.pid, self.every = pid, every
        self.peak_pss_kib = self.peak_rss_kib = self.most_processes = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def start(self) -> TreeMemory:
        if self.every > 0 and Path(f"/proc/{self.pid}/smaps_rollup").exists():
            self._thread.start()
        return self

    def stop(self) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()

    def figures(self) -> dict[str, Any]:
        if not self.peak_pss_kib:
            return {}
        return {"tree_peak_pss_mib": round(self.peak_pss_kib / 1024, 1),
                "tree_peak_rss_mib": round(self.peak_rss_kib / 1024, 1), "tree_most_processes": self.most_processes}

    def _sample(self) -> None:
        while not self._done.wait(self.every):
            pss = rss = 0
            pids = self._tree()
            for pid in pids:
                try:
                    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                        if line.startswith("Pss:"):
                            pss += int(line.split()[1])
                        elif line.startswith("Rss:"):
                            rss += int(line.split()[1])
                except (OSError, ValueError):
                    continue  # (it ended meanwhile)
            self.peak_pss_kib = max(self.peak_pss_kib, pss)
            self.peak_rss_kib = max(self.peak_rss_kib, rss)
            self.most_processes = max(self.most_processes, len(pids))

    def _tree(self) -> list[int]:
        found, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            try:
                for task in Path(f"/proc/{pid}/task").iterdir():
                    todo.extend(int(child) for child in (task / "children").read_text().split())
            except (OSError, ValueError):
                continue
        return found


def snapshot_of(size: int, folder: Path) -> tuple[Path, dict[str, Any]]:
    """The generated snapshot of ``size`` accounts in ``folder`` and its generation figures: one
    generated before (kept with ``--snapshots``: the generator is seeded, so it is the same
    retailer), or generated now under a temporary name and renamed once complete."""
    snapshot = folder / f"snapshot-{size}.sqlite3"
    figures = folder / f"snapshot-{size}.json"
    if snapshot.is_file() and figures.is_file():
        return snapshot, json.loads(figures.read_text())
    partial = folder / f"snapshot-{size}.partial.sqlite3"
    for stale in (partial, Path(f"{partial}-journal"), Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        stale.unlink(missing_ok=True)
    generated = measured(GENERATE, str(partial), str(size))
    os.replace(partial, snapshot)
    figures.write_text(json.dumps(generated) + "\n")
    return snapshot, generated


def bench(size: int, modes: list[str], workdir: Path, workers: int = 2,
          snapshots: Path | None = None, tree_every: float = 1.0) -> dict[str, Any]:
    snapshot, generated = snapshot_of(size, snapshots or workdir)
    row: dict[str, Any] = {"accounts": size, "generate": {
        k: generated[k] for k in ("seconds", "peak_mib")},
        "snapshot_mib": round(snapshot.stat().st_size / 2**20, 1),
        "interval_days": generated["result"]["interval_days"]}
    for mode in modes:
        db = workdir / f"run-{size}-{mode}.sqlite3"
        for suffix in ("", "-wal", "-shm", "-journal"):  # a run killed before it cleaned up:
            Path(f"{db}{suffix}").unlink(missing_ok=True)  # its database would skip the restore
        shutil.rmtree(workdir / "bua-out", ignore_errors=True)
        if mode == "direct":
            outcome = measured(RUN_DIRECT, str(db), str(snapshot), tree_every=tree_every)
        else:
            outcome = measured(RUN_ASL, str(db), str(snapshot), str(workers if mode == "asl-workers" else 0),
                               tree_every=tree_every)
        if outcome["result"]["status"] != "SUCCEEDED":
            raise SystemExit(f"{mode} run of {size} accounts failed: {outcome['result']}")
        row[mode] = {"seconds": outcome["seconds"], "peak_mib": outcome["peak_mib"],
                     **{k: v for k, v in outcome.items() if k.startswith("tree_")}}
        if mode.startswith("asl"):  # the worklists, both CSVs in the export bucket and again outbound
            row[mode].update({k: outcome["result"][k] for k in ("s3_mib", "map_runs", "batches")})
        row[mode]["stages"] = outcome["result"]["stages"]  # seconds each stage took
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        shutil.rmtree(workdir / "bua-out", ignore_errors=True)
    if snapshots is None:
        snapshot.unlink()
        snapshot.with_suffix(".json").unlink()
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--modes", nargs="*", choices=["asl", "asl-workers", "direct"], default=["asl", "direct"],
                        help="how to run the pipeline (none: only generate, with --snapshots)")
    parser.add_argument("--workers", type=int, default=2, help="asl-workers: handler_processes (default 2)")
    parser.add_argument("--json", default=str(Path(".aslrun") / "bench" / "bua_bench.json"),
                        help="where to write the figures (default .aslrun/bench/bua_bench.json)")
    parser.add_argument("--workdir", help="scratch folder (default: a temporary one)")
    parser.add_argument("--snapshots", help="keep each generated snapshot in this folder and reuse it "
                        "next time (default: generate afresh, delete after)")
    parser.add_argument("--tree-memory-every", type=float, default=1.0, metavar="SECONDS",
                        help="sample the process tree's memory this often (default 1; 0: not at all)")
    args = parser.parse_args(argv)
    snapshots = Path(args.snapshots) if args.snapshots else None
    if snapshots is not None:
        snapshots.mkdir(parents=True, exist_ok=True)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bua-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    print(f"{'accounts':>9} {'generate s':>10} {'MiB':>6} " +
          " ".join(f"{m + ' s':>9} {'MiB':>6}" for m in args.modes))
    for size in args.sizes:
        row = bench(size, args.modes, workdir, args.workers, snapshots, args.tree_memory_every)
        rows.append(row)
        print(f"{size:>9} {row['generate']['seconds']:>10} {row['generate']['peak_mib']:>6} " +
              " ".join(f"{row[m]['seconds']:>9} {row[m]['peak_mib']:>6}" for m in args.modes),
              flush=True)
        for mode in args.modes:
            if "tree_peak_pss_mib" in row[mode]:
                print(f"{'':>9} {mode}: the process tree's peak {row[mode]['tree_peak_pss_mib']} MiB PSS "
                      f"({row[mode]['tree_peak_rss_mib']} MiB RSS counting shared pages in each; "
                      f"{row[mode]['tree_most_processes']} processes at most)", flush=True)
        for mode in ("asl", "asl-workers"):
            if mode in row:
                print(f"{'':>9} {mode}: {row[mode]['map_runs']} distributed Map runs, "
                      f"{row[mode]['batches']} batches (child executions), "
                      f"{row[mode]['s3_mib']} MiB in S3", flush=True)
        for mode in args.modes:
            slowest = sorted(row[mode]["stages"].items(), key=lambda item: -(item[1] or 0))[:5]
            print(f"{'':>9} {mode}, slowest stages: " + ", ".join(f"{name} {seconds} s"
                                                           for name, seconds in slowest), flush=True)
    report = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                          "platform": platform.platform()}, "runs": rows}
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    print(f"figures written to {args.json}")
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

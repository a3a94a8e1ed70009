"""Bulk meter processing benchmark: the bulk machine (seed 000) over N generated readings.

    python benchmarks/bulk_bench.py [--readings 10000] [--days 32] [--seed 7] [--json out.json]

Generates a seeded fleet (one reading per meter, interval and accumulation meters, 30% with
defects), loads it into a fresh database, runs ``machines/bulk-meter.asl.json`` over all readings
with the real handlers, and prints the time, throughput, peak memory, the outcome counts and the
most iterations the Map ever had in flight by its history (the definition says MaxConcurrency 5;
with ``--handler-processes N`` the history records the iterations the workers ran, up to N at once,
one after another, so it says 1).

Step Functions caps an execution's input and each state's output at 256 KiB: a real batch this
large would be read from S3 by a distributed Map, and its history would pass AWS's 25,000 events. The
benchmark lifts both local limits (``payload_limit=None``, ``history_limit=None``) to measure the
engine and handlers on one big inline Map.

``--runs N`` runs it N times (a fresh database each) and prints the median; besides the wall time
it prints the process CPU time of the run, the steadier figure on a machine others share.

Where the time went (cProfile, 300-1,000 readings, issue 15):

* before: 85 readings/s. A quarter of the run closed SQLite connections (each handler call opened
  and closed its own; closing a WAL database checkpoints it and syncs the disk, ~8 ms), a quarter
  waited for a new thread per handler call (each had a time limit), and each reading of a month of
  half-hour values was parsed into Decimals four times (validation, usage, anomaly, bill), each
  value with a Python step, a message string built per value in ``ChannelUsage.from_intervals``,
  a full sort of 1,536 intervals to find the three highest, and a quadratic day check.
* after: one connection per database per thread (``handlers.db.shared_connection``, checked
  against the file's inode), kept handler threads, the last parses kept by the exact bytes of the
  reading's fields, values converted and checked in C (``map``), ``heapq.nlargest``, a Counter.
  What is left is spread out: Decimal conversion of the values (~15%), the reading's JSON
  fingerprint (``content_hash``, ~8%), pricing and the usage record (~15%), SQLite (~6%), the
  engine itself under 10%. Threads cannot run these CPU-bound handlers faster (the GIL), so the
  Map runs one iteration at a time by default, as the history records.
* issue 15, later: the engine's check of the execution input answers a sound document with C-level
  checks (625 -> 160 us for a billing reading) and kWh values are not multiplied by 1: 221 -> 266
  readings/s. ``--handler-processes 2`` (``handler_processes=2``) hands the handler calls to 2
  worker processes, up to 2 iterations at once: 307 readings/s, the same bills and rows; the engine's
  own share (about 1 ms a reading) and pickling the readings to the workers share the 2 cores.
* issue 15, the next stop (process CPU per reading by handler, then cProfile): 3.7 ms a reading.
  Each of the four tasks has a time limit, so each call was handed to a kept thread and back:
  about 0.35 ms a reading of hand-overs (a profile shows it as the main thread waiting); a timed
  handler now runs in place on the main thread, stopped at its deadline by SIGALRM
  (``integrations/handler_alarm.py``). In the handlers: each call parsed the account's tariff
  versions with pydantic again (now once per distinct stored text), the bill engine's per-day band
  cache then hashed and compared those fresh models deeply, zero values missed the float ->
  Decimal cache (now kept, a day holding -0.0 converted value by value), three handlers measured
  the same reading (now once per parse), the spike rule built 1,536 tuples to rank them (now only
  those at or above the third-highest value) and the capacity check multiplied every value (now a
  day's highest first). 345 readings/s, 2.9 ms of CPU: validation 1.2 ms (the parse 0.45, the
  reading's JSON fingerprint 0.3: json.dumps formats 1,536 floats; its text must stay the same, as
  the stored rows do), usage 0.65, bill 0.3, anomaly 0.3, the engine 0.7 (0.3 of it the private
  copies of each event and result, 0.2 the input check of the 1,000-reading batch). With 2 worker
  processes: 401 readings/s; the parse cache misses when a reading's next call goes to the other
  worker (preferring the worker that served the iteration was tried: with 5 iterations in flight
  and 2 workers the preferred one is busy half the time, and nothing was gained).
* issue 15, the stop after: the reading's fingerprint is written by ``handlers.metering.sorted_json``,
  ``json.dumps(sort_keys=True)``'s exact text with each float's text kept once met and an interval
  day in one format (385 -> 275 us an interval reading), and time-of-use usage and bills add each
  band's runs of intervals with ``sum`` in C (the same order; a day's runs found once per tariff).
  372 readings/s, 2.65 ms of CPU (validation 0.99, usage 0.52, anomaly 0.28, bill 0.22, the engine
  0.65); with 2 worker processes 415 readings/s.
* issue 15, later (a day this machine ran about 7% slower: 348 readings/s, the same code): the
  engine's private copy of an event costs 56 us a reading-sized event through marshal; a copy of
  the containers only (lists of scalars copied whole, leaves shared) costs 54 us, so it was not
  taken. With ``--handler-processes 2`` at 2,000 readings the caller used 1.2 ms of CPU a reading
  (the engine, pickling the events) and the workers more than twice the in-process handler time
  (each of a reading's four calls may go to either worker, which then parses the reading again):
  3 processes on 2 cores. Running whole iterations in the workers would end both, but the
  arithmetic says it cannot reach 1,000 readings/s either: 2.65 ms of CPU a reading over 2 cores
  is at most about 750 readings/s before any overhead.
* issue 15, the stop after (per-handler process CPU over 1,000 readings, then cProfile per handler):
  each day of a reading was checked value by value in four C calls of its own, and each day's
  ``Decimal`` values were summed three times (the usage record, the bill engine's daily figures,
  the anomaly rules) and ranked twice (the capacity check, the spike rule's ``heapq.nlargest`` over
  all 1,536 values in Python). Now a channel's values are checked and converted at once when all
  are sound (day by day only to name a problem), each day's highest is found from its floats by the
  parse, each day's sum once per measured reading, and the spike rule looks only into the days
  reaching the third-highest day maximum. Handlers 2.2 -> 1.65 ms a reading (validation 1.05 ->
  0.87, usage 0.59 -> 0.34, anomaly 0.31 -> 0.19); side by side with the commit before, alternately
  on the same machine: 364 -> 436 readings/s (2.71 -> 2.25 ms of CPU). With ``--handler-processes
  2`` it is no faster (411-418/s): the pickling to the workers now costs more than it spreads.
  Then the engine's check that the input is sound JSON (``aslrun.jsontext``) took each interval day
  of the 1,000 readings as a node of its own; a list of objects is now one batch and its records'
  arrays of values are checked together (0.23 -> 0.1 ms a reading): 463 readings/s, 2.12 ms of CPU.
* issue 15, the afternoon after (this machine ran a fifth to a third slower than that morning: 320
  readings/s, 3.1 ms of CPU, the same code), two ideas measured and dropped. More handler threads
  than worker processes (``handler_threads`` twice and three times ``handler_processes``, so that a
  worker never waits for the caller to hand it the next call): 412 -> 347 and 307 readings/s, the
  caller's process (the engine, pickling the events) being what limits it. Writing each handler's
  event copy around the kept marshal bytes of the reading it carries (marshal's format 2 writes no
  back-references, so a dict's bytes are its parts' bytes put together): a reading's ``marshal.dumps``
  costs 20-24 us beside 37-40 us for the ``loads`` every copy needs, and the billing executions ran
  3.1-3.5 ms of CPU with it or without it, alternately: not kept.
* issue 15, the stop after (py-spy over 1,000 readings: the handlers 83% of the run, the engine
  17%). What is left is paid value by value: an interval reading (one channel, 1,536 values) costs
  its fingerprint text 272 us (its values' texts looked up: 103 us), its parse 381 us (its values'
  Decimals looked up: 103 us), the engine's private copy of each of its four events 113 us
  (``marshal``; then freeing it) and the parse cache's key 47 us per handler (``marshal``). Tried and
  dropped: looking values up by their bits (``array`` to ints, then the lookups: 140 us against
  103), orjson for the copies (191 us against 118: it writes and reads every float's text), a
  container-only copy (measured the stop before). Kept: a handler's result crosses through json's
  own C encoder and scanner (the same copy, its exact length, no second encoding: 35-40% less a
  result), the handlers' transactions are a class instead of a generator, and a stored meter's or
  account's row becomes its frozen Meter/Account once. Side by side with the commit before,
  alternately, three runs each: 398-412 against 399-456 readings/s, the machine's noise that hour
  (a run of the same code gave 282) as large as the gain; 463 readings/s stays the best figure.
* issue 15, the stop after. Measured and dropped first: handing each handler a copy that shares
  the event's scalars (floats cannot change; containers copied in C by a shape remembered per
  container): a reading's copy 56 -> 17 us once its shape is known, but finding the shape costs
  twice a marshal copy, and telling which parts of an event are worth it cost more than marshal on
  events of many small containers; side by side, alternately, in one process: billing -7 to +2%,
  bulk -8 to +8%, w4 +5 to +22%. Then the lever this docstring named: with
  ``--handler-processes 2`` the Map's iterations run *whole* in 2 forked workers
  (``aslrun.integrations.iteration_pool``) and this process only replays their events: first 447-498
  readings/s, the workers spending a fifth of their time asleep in SQLite's busy handler (a writer
  finding the database locked sleeps 1, 2, 5 ms; a handler's transaction lasts 0.1 ms); with the
  transactions taking turns through an ``flock`` (``handlers.db.WriteTurn``, the kernel wakes the
  next writer at once) 604 readings/s (591-622), against 431-463 in one process that hour. What
  bounds it now is CPU on the 2 cores: 3.0 ms a reading in all (this process 0.43: the input check
  0.13, reading the workers' answers 0.23; each worker 2.6 ms an iteration: the handlers 1.65, the
  engine 0.6, page copies after the fork and the answers' pickling the rest). Sending each item
  pickled rather than letting the worker touch the caller's copy saved 15 of 70 page faults an
  iteration and nothing measurable; a larger socket buffer for the answers nothing.
* issue 15, the evening after (cProfile per handler, then side by side with that stop's commit,
  alternately, the same hour). A handler's private copy of its event (a ``marshal`` round trip of
  the reading, then freeing it) cost the billing machine a sixth of its CPU (1,536 floats, seven
  calls): handlers marked as only reading their event (``aslrun.integrations.shared_events``, the
  metering handlers through ``handlers.marks``; a test session checks the promise) now get the
  engine's own value. A reading's fingerprint hashes a canonical form's ``marshal`` bytes instead of
  its sorted JSON text (``handlers.metering.fingerprint``; 228 -> 118 us an interval reading, warm;
  more when the float texts were not kept yet). In one process 396-435 -> 486-521 readings/s (2.26-2.48
  -> 1.88-2.02 ms of CPU); with 2 workers 460-499 -> 479-594/s (the workers 2.73-3.09 -> 2.18-2.78 ms
  an iteration). Each answer now names its item's parts instead of carrying them again (pickle's
  memo, filled on both ends from their own copy of the item): this process peaks at 148 MiB instead
  of 213. Found on the way: in a worker, SQL costs 0.59 ms a reading against 0.37 in one process
  (each transaction re-reads the pages the other worker changed: SQLite's page cache is each
  connection's own), and unpickling an answer costs 4-5 times what it costs alone (200-260 against
  47 us: fresh allocations and this process's garbage collector, which takes a third of it; freezing
  the caller's objects for the Map's whole run, not only for the fork, changed nothing measurable).
  What bounds the 2 workers now: 2.4-3.3 ms of CPU a reading in all on 2 cores. 1,000 readings/s
  would need about 2 ms: the handlers' per-value work (the parse's Decimals, each day's sums, the
  parse cache's key) rebuilt around integer arithmetic, and fewer SQLite transactions per reading.
* issue 15, the stop after. This shared machine's speed swung by a third within minutes that
  evening (the same code 327-489 readings/s), so each cut was judged by the instructions it runs
  (valgrind's callgrind, 100 readings, the set-up's instructions taken off; repeatable to about 1%)
  and only then by the clock. A reading's values are now whole thousandths when each has three
  decimals at most, as meters send them (``handlers.metering.milli``: numpy finds them for a whole
  channel at once; a day's values are a ``MilliValues``, a sequence of the very ``Decimal``s their
  texts name, made only when something reads them): the day sums, the time-of-use band sums (a few
  matrix products per channel) and the spike rule's three largest values come from the integers, with
  the same digits and exponents (the module's docstring says why; property tests compare them with
  the Decimals'). Hashing the floats to look their Decimals up had cost a third of the parse. The parse
  cache parses the event itself on a miss (reading it back from the cache key cost a fifth of the
  parse), a reading's fingerprint takes an interval day's three pairs at once, its band sums are kept
  for its bill (the usage record summed them), and a clean reading's anomaly check takes no
  transaction. In one process: 13.9 -> 11.2 million instructions a reading (-19%). With
  ``--handler-processes 2``: the caller
  pickled each item with multiprocessing's pickler, whose table of reducers is looked up in Python
  for every object (82 us a reading against 22 for pickle's own), and both ends listed every part of
  the item (a month of days: 130 containers) to name them in the answers; now pickle's own pickler,
  and the parts two levels deep (what a state's input or a ResultPath shares with the item): 18.4 ->
  14.5 million instructions a reading in all processes (-21%; the caller 2.8 -> 2.1). Letting the
  workers read the caller's forked copy of each item instead of a pickled one saved another 0.8
  million but made every page of the items a worker touched its own (42 MiB a worker at 1,000
  readings against 13): not kept. Side by side with the previous stop's code, alternately, five runs
  each (22:26): in one process 387-509 readings/s (median 487, 2.0 ms of CPU) against 320-466 (395,
  2.5 ms); with 2 workers 515-599 (547; the workers 2.6 ms a reading, the caller 0.55) against 458-533
  (488; 3.0 and 0.64).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


class InFlight:
    """A history listener counting the Map iterations running at once (the history itself keeps
    only its default window, so memory stays bounded)."""

    def __init__(self) -> None:
        self.running = self.peak = 0

    def __call__(self, event) -> None:
        if event.type == "MapIterationStarted":
            self.running += 1
            self.peak = max(self.peak, self.running)
        elif event.type in ("MapIterationSucceeded", "MapIterationFailed", "MapIterationAborted"):
            self.running -= 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--readings", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=32)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=1, help="runs; the median is printed (default 1)")
    parser.add_argument("--json", help="also write the figures here")
    parser.add_argument("--handler-processes", type=int, default=None, metavar="N",
                        help="make the handler calls in N worker processes (handler_processes=N): up to N "
                             "of the Map's iterations at once (default: one at a time, in this process)")
    parser.add_argument("--handler-threads", type=int, default=None, metavar="N",
                        help="run the handler calls on N threads of this process (handler_threads=N)")
    args = parser.parse_args()
    runs = [run_once(args) for _ in range(args.runs)]
    figures = sorted(runs, key=lambda f: f["run_seconds"])[len(runs) // 2]
    if args.runs > 1:
        figures["runs"] = args.runs
        figures["readings_per_second_each_run"] = [f["readings_per_second"] for f in runs]
    for key, value in figures.items():
        print(f"{key:>29}: {value}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    ok = all(f["status"] == "SUCCEEDED" and sum(f["outcomes"].values()) == args.readings
             and f["max_iterations_in_flight"] <= 5 for f in runs)
    sys.exit(0 if ok else 1)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(args: argparse.Namespace) -> dict:
    """One run on a fresh database: its figures."""

    from aslrun import StateMachine
    from fixtures.metering.generate import generate, load_dataset
    from handlers.metering.lambdas import build_handlers

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bulk.sqlite3"
        started = time.perf_counter()
        dataset = generate(seed=args.seed, meters=args.readings, period_days=args.days)
        load_dataset(dataset, db)
        prepared = time.perf_counter() - started
        substitutions = json.loads((REPO / "machines/metering.substitutions.json").read_text())
        machine = StateMachine.from_file(REPO / "machines/bulk-meter.asl.json", substitutions=substitutions)
        in_flight = InFlight()
        started, cpu_started, children_started = time.perf_counter(), time.process_time(), _children_cpu()
        execution = machine.execute({"readings": dataset.readings}, handlers=build_handlers(db=db),
                                    payload_limit=None, history_limit=None, listeners=[in_flight],
                                    handler_processes=args.handler_processes, handler_threads=args.handler_threads)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        ended_workers_cpu = _children_cpu() - children_started
    outcomes: Counter[str] = Counter()
    for item in execution.output or []:
        if item.get("skipped"):
            outcomes["skipped invalid"] += 1
        elif item.get("flagged"):
            outcomes["flagged anomaly"] += 1
        elif "bill" in item:
            outcomes["billed"] += 1
        else:
            outcomes["other"] += 1
    figures = {
        "readings": args.readings,
        "status": execution.status,
        "error": execution.error,
        "prepare_seconds": round(prepared, 2),
        "run_seconds": round(seconds, 2),
        "readings_per_second": round(args.readings / seconds, 1),
        "handler_processes": args.handler_processes,
        "handler_threads": args.handler_threads,
        "cpu_seconds": round(cpu_seconds, 2),  # this process's
        # the CPU of the worker processes that ended with the run (a Map's iterations in forked workers;
        # the kept workers of handler calls end with this process, so theirs is not in it)
        "ended_workers_cpu_seconds": round(ended_workers_cpu, 2),
        "readings_per_cpu_second": round(args.readings / (cpu_seconds + ended_workers_cpu), 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "history_events": len(execution.history),
        "max_iterations_in_flight": in_flight.peak,
        "outcomes": dict(outcomes),
    }
    return figures


if __name__ == "__main__":
    main()

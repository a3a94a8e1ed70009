"""Benchmark ``aslrun serve``: start-up time, and billing executions through the HTTP API.

    python benchmarks/serve_bench.py                          # 1,000 executions, 4 client threads
    python benchmarks/serve_bench.py --executions 200 --threads 8 --startup-runs 3 --json out.json
    python benchmarks/serve_bench.py --variants STANDARD --profile prof/   # where the server's CPU goes
    python benchmarks/serve_bench.py --server-option=--handler-processes --server-option=2   # serve's options

Each server is ``python -m aslrun serve --port P ...`` in a subprocess, driven by boto3 with
``endpoint_url`` (no retries, ``inject_host_prefix=False``) and stopped with SIGTERM by its pid.

* **start-up**: from launching the process to the first successful ``ListStateMachines`` answer
  (the client, built beforehand, polls every 5 ms), bare and with ``--handlers
  handlers.metering.lambdas``: the median of ``--startup-runs`` launches, beside the time the ready
  line appeared, the time SIGTERM took, and the round trip of ListStateMachines on the idle server.
* **STANDARD**: ``machines/billing.asl.json`` (its ``${...}`` placeholders filled from
  ``machines/metering.substitutions.json``) created as a STANDARD machine; ``--executions``
  readings started with StartExecution from ``--threads`` client threads, then ListExecutions is
  polled until none is RUNNING. Executions/s is the number of executions over the time from the
  first StartExecution sent to the latest ``stopDate``. Latencies: StartExecution's round trip,
  and start-to-finish (``stopDate`` minus the moment the client sent StartExecution).
* **EXPRESS**: the same machine as EXPRESS, each reading run by StartSyncExecution from
  ``--threads`` client threads (its round trip is the start-to-finish time).
* **in-process**: the same readings through ``StateMachine.execute`` in a child Python, one after
  another, with the same handlers (``handlers.metering.lambdas.HANDLERS``) and clock (real time).

Inputs: a seeded fleet from ``fixtures.metering.generate`` (one reading per meter, distinct meters,
30% with a defect), loaded into a fresh handler database (``$ASLRUN_DB``) for every run, so every
reading is judged for the first time. Readings labelled DUPLICATE (a resend of another meter's
reading) are left out: no execution takes the duplicate-reading path. The expected end of each
reading follows from its defect label (``EXPECTED``); every execution's status and error are
checked against it (for STANDARD with DescribeExecution, after the timing), every succeeded
output is checked (bill id, PAID or awaiting BPAY as the account's card says, BILL_READY), and
the handler database must hold one bill per reading that reached GenerateBill.
``--samples`` adds the nine checked-in ``fixtures/metering/samples/billing`` inputs (their sample
database is loaded beside the fleet): they take the Retry and crash paths, whose back-off waits
are real time (14 s for payment_failure) unless ``--virtual-time``.

Peak RSS is the server's ``VmHWM`` (``/proc/<pid>/status``) read before it is stopped (the
in-process figure is the child's ``ru_maxrss``); server CPU is its user + system time over the
phase (``/proc/<pid>/stat``); client CPU is this process's. Each phase has a fresh server, state
directory and handler database. The machine's load average is printed: other work on it skews
the figures. ``--profile DIR`` records the server with ``py-spy record --gil`` during each API
phase and prints the functions its CPU goes to. Run from the repository root; prints a table,
and ``--json FILE`` writes the figures. Exit status 1 when an outcome or a check is wrong.

Where an in-process execution's time went (cProfile of 300, issue 15): before, each handler call
opened and closed its SQLite connection (closing a WAL database syncs the disk, ~8 ms) and every
handler with a time limit started a thread; the reading (a month of half-hour values) was parsed
into Decimals by four handlers. After (shared connections, kept threads, cached parses, C-level
conversions; 3.5x the executions/s measured side by side on the same loaded machine): validation
24% (its JSON fingerprint of the reading 5%), GenerateBill 16%, CalculateUsage 15%, DetectAnomaly
9%, SQLite 9% (mostly the commits), the engine's private copies of events and results (marshal)
9%, its check that the input is usable JSON 9%. The rest is spread thin.

The next stop (issue 15; process CPU per execution by handler): 4.9 ms, validation 1.45, the engine
1.3, usage 0.7, bill 0.65, anomaly 0.39. The same cuts as the bulk benchmark's (tariffs parsed once
per stored text, zeros in the Decimal cache, one measurement per reading, the spike and capacity
rules) bring it to 3.8 ms and 261 executions/s (median of 3; 222 before). Running executions on 4
threads with ``handler_processes=2`` was tried: 177 executions/s, slower than one at a time
(pickling each event twice, and the engine's share held the GIL).

The stop after: the same fingerprint writer and time-of-use sums as the bulk benchmark's; 3.5 ms
of CPU (validation 0.92, usage 0.52, bill 0.29, anomaly 0.28, payment 0.18, notify 0.12, status
0.07, the engine 1.17: its private copies of each event 0.44 of it, the input check 0.2) and 293
executions/s (median of 3).

Later (issue 15, measured on a day this machine ran 7-11% slower: 262 executions/s, the same code):
a census of the SQL (a trace callback on the handlers' connections, 200 executions) counts 52
statements an execution, about 0.65 ms: 6 transactions (BEGIN IMMEDIATE + COMMIT), 5.8 catalogue
checks (``open_store``), 4.2 meter and 3.9 account reads (each handler reads what it needs, as each
Lambda would), 3.4 reading lookups, then one or two of each write. Halving it would save under a
tenth of an execution. Two forked processes running executions side by side on one database gave
1.55 times one process (the second core is shared with SQLite's write lock and the OS), so about
400 executions/s: 500 needs an execution under about 2 ms of CPU, two thirds of today's.

The stop after (issue 15): the handlers' cuts of ``bulk_bench.py``'s docstring (a channel checked at
once, a day's sum and highest found once) bring an in-process execution to 3.1 ms of CPU, 260 ->
308 executions/s side by side with the commit before. The server, profiled with py-spy (``--gil``
and all threads), spent two fifths of its GIL time in ``json.dumps``: the store writes each history
event's payload as JSON text, and every event of a billing execution carries the reading (some
3,000 values), so it was encoded again for each of about 40 events (PayloadTexts kept only the very
same top-level object). The store now keeps, by identity, the texts of the large containers an
execution's payloads share and writes each payload around them (byte for byte json.dumps' text, a
property test says): STANDARD 62-66 -> 80-84 executions/s, EXPRESS 65-67 -> 87-90, the server's
CPU for 1,000 executions 16 -> 12-13 s. StartExecution's input is read by json's C parser,
checking numbers for a double's range only when its text could hold one past it. In-process, the
engine's soundness check of the input reading (a list of day objects, now one batch: 234 -> 104
us) brings it to 326 executions/s (median of 3).

The stop after (issue 15). In-process, by a sampling profile (py-spy): the handlers 72% of an
execution, the engine's private copies of the events 11%, the rest of the engine 17%; the handlers'
commits 8.6% (5-6 transactions an execution each write about four pages to the WAL: 110 KB in 50
write calls an execution), the reading's parse 10-15% and its fingerprint 9%. A handler's result
now crosses through json's C encoder and scanner (35-40% less a result; w4_billing 0.134 -> 0.127 s),
the handlers' transactions are a class and a meter's or account's row becomes its Meter/Account
once: 2.98 -> 2.90 ms of CPU an execution side by side, within this hour's noise by executions/s
(291-318 against 283-337 over three alternations). Through the server (STANDARD, 600 executions)
the same execution costs the server about 16 ms of CPU (9.6 s, of which py-spy's GIL samples cover
5.3 s: the executions 3.0, the API's threads 1.1, the event loop 0.65). Its history is 541 KB of
JSON, 500 KB of it payloads (40 texts, 21 distinct, 228 KB distinct), each carrying the reading's
12.5 KB, and the store writes them all to SQLite. Storing each distinct text once would write 2.2
times less, and the reading's text once per execution about 16 times less; but the most any such
change could save, measured by a server that wrote only payloads under 2,000 characters, was within
this machine's noise (71-88 against 65-70 executions/s, 6.8-8.6 against 9.0-9.8 s of server CPU,
two alternations): the store's schema was left as it is. The server's cost is spread over its
threads (358 executions running at once in this benchmark), the API and the store's syncs; a
system-wide ``perf record`` shows the machine 39% idle meanwhile: Python's one lock (the GIL) bounds
the server, whose kernel time (15% of the samples) is pwrite, futex and fsync. With its handlers in
worker processes (``--server-option=--handler-processes --server-option=2``) the server's own CPU
for 600 executions drops from 8.8-8.9 to 5.7-6.4 s and STANDARD runs 76-87 executions/s against
72 (EXPRESS, 4 executions at a time, 81-87 against 88-90), two alternations.
Measured in-process with the server's recorder and store attached (the executions of the
in-process variant, each listened to and written as the server does): 6.3-6.6 ms of CPU an
execution against 3.2-3.4 without them. json.dumps made an encoder for each of the ~126 small
texts an execution's events write (an event's body, its small payloads): they are now written by
json's C encoder made once, 5.6-5.7 ms; a container of scalars only (an SDK response's headers,
a list of values) is written whole by it, no longer put together from its parts in Python (an
event's row 23.5 -> 17.9 us). Writing only the payloads under 2,000 characters saves
another 0.4-0.7 ms (three alternations): what storing shared texts once could gain at most.

The evening after (issue 15, cProfile, then side by side with that stop's commit, alternately, the
same hour): the engine's private copy of each event (a ``marshal`` round trip of the reading, seven
handler calls an execution, and freeing it) was a sixth of an execution. The metering handlers are
now marked as only reading their event (``handlers.marks``; ``aslrun.integrations.shared_events``
hands them the engine's own value, and a test session checks that they never change it), the
reading's fingerprint hashes a canonical form's ``marshal`` bytes instead of its sorted JSON text,
and a Parallel's branches take the bound of their input's size from the state's: 257-316 -> 373-395
executions/s in-process. What is left (cProfile): SQLite 18% (about 47 statements, 5.9
transactions an execution, the commits 230 us), the reading's parse 13% (its Decimals), the
engine's own work about a quarter, the parse cache's key (a ``marshal`` of the reading per handler,
120 us) and the handlers' sums and pricing the rest. 500 executions/s needs 2 ms of CPU an execution.

The stop after (issue 15; this machine's speed swung by a third within minutes that evening, so the
cuts were judged by the instructions they run: valgrind's callgrind over 100 executions, the set-up
taken off, repeatable to about 1%): a reading's interval values are whole thousandths where each has
three decimals at most (``handlers.metering.milli``; bulk_bench.py's docstring has the details), its
day and band sums and the spike rule's largest values come from the integers, the parse cache parses
the event itself on a miss, a reading's fingerprint takes an interval day's pairs at once, its band
sums are kept for its bill, the status check reads the meter's log once and a clean reading's anomaly
check takes no transaction: 15.9 -> 13.4 million instructions an execution (-15%; with 30% defective
readings, as here, 16.7 -> 13.9). The clock could not tell the two apart that hour (320 against 294
executions/s, medians of seven runs each, alternately; runs of 272-358 and 256-415). What is left
is spread out: the engine a quarter, SQLite a fifth (54 statements, 6.9 transactions an execution; a
commit's checkpoint, one in a hundred, half of the commits' time), the reading's parse and
fingerprint an eighth, the parse cache's key (a ``marshal`` of the reading in each of four handlers)
a twentieth.

The stop after (2026-12-07 afternoon, a slow hour: the loop 3.4-4.1 s; in-process 244-297 executions/s;
no change kept). By py-spy over 1,000 executions the seven handlers are four fifths of an execution,
the engine one fifth: at 500 executions/s (2 ms of CPU each) the handlers alone would have to fit in
1.6 ms, where they take about 2.6 this hour and 1.6 in this machine's best minutes (490/s). By callgrind
(100 executions, 12.96 million instructions each) ``marshal`` writing is a seventh: the parse cache's
key 3.4 times an execution (version 4 of the format, which writes ASCII strings without encoding
them, would take 15% off each: 1% of an execution), the engine's cheap size bound 1.6 times (the
input's when the run starts, and the Parallel's output, whose sum of bounds passes the limit since a
reading's bound is six times its marshal size; version 2 is needed there, as it writes a shared
container as often as JSON does) and the fingerprint once (its version 2 bytes define the stored
fingerprint); hashing the parse keys for the cache's dict another 2%. A larger ``wal_autocheckpoint``
(5,000 and 20,000 pages against SQLite's 1,000) changed nothing measurable: 228-319 executions/s
either way in six alternated runs, 0.26-0.43 s of system time per 1,000 either way.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

MACHINE_FILE = ROOT / "machines" / "billing.asl.json"
SUBSTITUTIONS_FILE = ROOT / "machines" / "metering.substitutions.json"
HANDLERS_MODULE = "handlers.metering.lambdas"
ROLE_ARN = "arn:aws:iam::123456789012:role/billing"
READY_TEXT = "Step Functions API on "

# the billing machine's end for each defect label of fixtures.metering.generate: (status, error)
EXPECTED = {
    "CLEAN": ("SUCCEEDED", None),
    "ROLLOVER": ("SUCCEEDED", None),
    "NEGATIVE": ("FAILED", "InvalidMeterReading"),
    "NAN": ("FAILED", "InvalidMeterReading"),
    "MISSING_FIELD": ("FAILED", "InvalidMeterReading"),
    "FUTURE_TIMESTAMP": ("FAILED", "InvalidMeterReading"),
    "OFFLINE": ("FAILED", "MeterStatusError"),
    "TAMPER": ("FAILED", "MeterStatusError"),
    "SPIKE": ("FAILED", "AnomalyDetected"),
    "ZERO_RUN": ("FAILED", "AnomalyDetected"),
    "REVERSE_FLOW": ("FAILED", "AnomalyDetected"),
    "HIGH": ("FAILED", "AnomalyDetected"),
}
# the checked-in samples (fixtures/metering/samples.py documents each path)
SAMPLE_EXPECTED = {
    "valid": ("SUCCEEDED", None),
    "valid_accumulation": ("SUCCEEDED", None),
    "invalid": ("FAILED", "InvalidMeterReading"),
    "offline": ("FAILED", "MeterStatusError"),
    "tamper": ("FAILED", "MeterStatusError"),
    "anomaly": ("FAILED", "AnomalyDetected"),
    "payment_retry": ("SUCCEEDED", None),
    "payment_failure": ("FAILED", "PaymentError"),
    "handler_crash": ("FAILED", "UsageCalculationError"),
}
# bills exist for readings that reached GenerateBill (held ones included)
BILLED_ERRORS = {None, "AnomalyDetected", "PaymentError"}


# -- inputs -------------------------------------------------------------------------------------------


@dataclass
class Workload:
    """The readings to run, what each should end in, and how to build their database."""

    readings: list[dict[str, Any]]
    expected: dict[str, tuple[str, str | None]]  # readingId -> (status, error)
    dataset: Any
    samples: bool
    tokens: dict[str, str | None] = field(default_factory=dict)  # readingId -> payment token

    def database(self, path: Path) -> str:
        """A fresh handler database for these readings (fleet, and the sample sites if asked)."""
        from fixtures.metering.generate import load_dataset
        from fixtures.metering.samples import create_sample_database

        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        if self.samples:
            create_sample_database(path, fresh=True)
        load_dataset(self.dataset, path)
        return str(path)


def build_workload(count: int, seed: int, defect_rate: float, samples: bool) -> Workload:
    """``count`` readings: the checked-in samples (with ``samples``), then the generated fleet."""
    from fixtures.metering.generate import generate
    from fixtures.metering.samples import load_sample

    chosen: list[dict[str, Any]] = []
    expected: dict[str, tuple[str, str | None]] = {}
    if samples:
        for name, outcome in SAMPLE_EXPECTED.items():
            reading = load_sample("billing", name)
            chosen.append(reading)
            expected[reading["readingId"]] = outcome
    wanted = count - len(chosen)
    meters = wanted + wanted // 10 + 10
    while True:  # DUPLICATE readings are left out: generate a few more meters than needed
        dataset = generate(seed=seed, meters=meters, defect_rate=defect_rate)
        fleet = [r for r in dataset.readings if dataset.expected[r["readingId"]] != "DUPLICATE"]
        if len(fleet) >= wanted:
            break
        meters *= 2
    for reading in fleet[:wanted]:
        chosen.append(reading)
        expected[reading["readingId"]] = EXPECTED[dataset.expected[reading["readingId"]]]
    tokens = {site.profile.meter_id: site.account.payment_token for site in dataset.sites}
    workload = Workload(chosen, expected, dataset, samples)
    workload.tokens = {r["readingId"]: tokens.get(r.get("meterId", "")) for r in chosen}
    return workload


def definition_text() -> str:
    """The billing definition with every ``${Name}`` replaced from the substitutions file."""
    text = MACHINE_FILE.read_text()
    for name, value in json.loads(SUBSTITUTIONS_FILE.read_text()).items():
        text = text.replace("${" + name + "}", value)
    if "${" in text:
        raise SystemExit(f"{MACHINE_FILE}: a placeholder has no substitution")
    return text


# -- the server process -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def client_for(url: str, threads: int = 1) -> Any:
    """A boto3 Step Functions client for the local server: no host prefix, and one attempt per call
    (``total_max_attempts``: botocore's ``max_attempts`` counts retries, so 1 would still retry
    once, after a jittered back-off of up to a second, and would hide a failed answer)."""
    import boto3
    from botocore.config import Config

    config = Config(inject_host_prefix=False, retries={"total_max_attempts": 1, "mode": "standard"},
                    read_timeout=300, connect_timeout=5, max_pool_connections=max(10, threads))
    return boto3.client("stepfunctions", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test", config=config)


class Server:
    """``python -m aslrun serve`` on a port of our choosing; its output kept for the report."""

    def __init__(self, *options: str, db: str | None = None, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [sys.executable, "-m", "aslrun", "serve", "--port", str(self.port), *options]
        environment = dict(os.environ)
        environment["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
        if db is not None:
            environment["ASLRUN_DB"] = db
        self.environment = environment
        self.log_file = workdir / f"server-{self.port}.log"
        self.lines: list[str] = []
        self.ready_at: float | None = None
        self.launched_at = 0.0
        self.process: subprocess.Popen[str] | None = None

    def launch(self) -> None:
        self.launched_at = time.perf_counter()
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.environment, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=1)
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        with self.log_file.open("w") as log:
            for line in self.process.stdout:
                if self.ready_at is None and READY_TEXT in line:
                    self.ready_at = time.perf_counter()
                self.lines.append(line)
                log.write(line)
                log.flush()

    def wait_answering(self, client: Any, timeout: float = 30.0) -> float:
        """Poll ListStateMachines until it answers; seconds since launch."""
        from botocore.exceptions import EndpointConnectionError

        deadline = self.launched_at + timeout
        while time.perf_counter() < deadline:
            try:
                client.list_state_machines()
                return time.perf_counter() - self.launched_at
            except EndpointConnectionError:
                if self.process is not None and self.process.poll() is not None:
                    break
                time.sleep(0.005)
        self.kill()
        raise SystemExit("aslrun serve did not answer:\n" + self.log)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def memory_kib(self) -> dict[str, int]:
        """VmHWM (peak) and VmRSS (now) of the server, in KiB."""
        figures = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                figures[key] = int(value.split()[0])
        return figures

    def cpu_seconds(self) -> float:
        """User + system CPU time the server has used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM by pid; the exit code."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return -9

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
            self.process.wait(10)

    @property
    def log(self) -> str:
        return "".join(self.lines)


def problems_in_log(server: Server) -> list[str]:
    """Lines of the server's output that report a failure (tracebacks, unexpected failures)."""
    markers = ("Traceback", "unexpected failure", "failed inside aslrun", "Error:", "ERROR")
    return [line.rstrip() for line in server.lines if any(marker in line for marker in markers)]


def exit_problem(code: int) -> list[str]:
    """A clean stop on SIGTERM exits 0."""
    return [] if code == 0 else [f"aslrun serve exited {code} on SIGTERM (a clean stop is 0)"]


# -- figures ------------------------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def milliseconds(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(values, 50) * 1000, 1),
            "p99_ms": round(percentile(values, 99) * 1000, 1),
            "max_ms": round(max(values) * 1000, 1)}


# -- start-up -----------------------------------------------------------------------------------------


def measure_startup(options: list[str], runs: int, workdir: Path, db: str) -> dict[str, Any]:
    """Median seconds from launch to the first ListStateMachines answer over ``runs`` launches;
    then the round trip of ListStateMachines on the idle server (boto3 keeps the connection)."""
    answered, ready, stopped, codes, idle = [], [], [], [], []
    for _ in range(runs):
        server = Server(*options, db=db, workdir=workdir)
        client = warmed_up(client_for(server.url))  # its own first-call cost is not the server's
        server.launch()
        answered.append(server.wait_answering(client))
        if server.ready_at is not None:
            ready.append(server.ready_at - server.launched_at)
        idle.extend(round_trips(client, 20))
        began = time.perf_counter()
        codes.append(server.stop())
        stopped.append(time.perf_counter() - began)
    return {"command": " ".join(["aslrun serve", *options]), "runs": runs, "exit_codes": sorted(set(codes)),
            "median_s": round(statistics.median(answered), 3), "min_s": round(min(answered), 3),
            "max_s": round(max(answered), 3),
            "ready_line_median_s": round(statistics.median(ready), 3) if ready else None,
            "stop_median_s": round(statistics.median(stopped), 3), "idle_round_trip": milliseconds(idle)}


def warmed_up(client: Any) -> Any:
    """One call before the server listens (refused): boto3 loads what its first call needs."""
    from botocore.exceptions import EndpointConnectionError

    try:
        client.list_state_machines()
    except EndpointConnectionError:
        pass
    return client


def round_trips(client: Any, count: int) -> list[float]:
    """Seconds each of ``count`` ListStateMachines calls took, one after another."""
    took = []
    for _ in range(count):
        began = time.perf_counter()
        client.list_state_machines()
        took.append(time.perf_counter() - began)
    return took


# -- profiling (py-spy, optional) --------------------------------------------------------------------


class Profile:
    """``py-spy record --gil`` on the server by its pid while a phase runs: where its CPU goes.

    Only samples of the thread holding the GIL are kept: the server runs Python on one core at a
    time, so these are its CPU time (samples / rate = seconds).
    """

    RATE = 100

    def __init__(self, pid: int, output: Path) -> None:
        self.output = output
        self.process = subprocess.Popen(["py-spy", "record", "--pid", str(pid), "--gil", "--nonblocking",
                                         "--rate", str(self.RATE), "--format", "raw", "--output", str(output)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)  # attached before the work starts

    def finish(self) -> dict[str, Any]:
        """Stop sampling (SIGINT by pid: py-spy then writes its file); the summary."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGINT)
        _, errors = self.process.communicate(timeout=60)
        if not self.output.exists():
            return {"error": f"py-spy wrote nothing: {errors.strip()[-500:]}"}
        return summarise(self.output, self.RATE)


def summarise(raw: Path, rate: int, top: int = 25) -> dict[str, Any]:
    """Collapsed stacks -> seconds by function: inclusive (anywhere on the stack) and self (on top)."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_frame_name(frame) for frame in stack.split(";")]
        total += int(count)
        own[frames[-1]] += int(count)
        for name in set(frames):
            inclusive[name] += int(count)
    seconds = lambda counter: [(name, round(n / rate, 2)) for name, n in counter.most_common(top)]  # noqa: E731
    return {"samples": total, "cpu_s": round(total / rate, 2), "inclusive_s": seconds(inclusive),
            "self_s": seconds(own), "raw_file": str(raw)}


def _frame_name(frame: str) -> str:
    """``function (path/to/module.py:123)`` -> ``module.py:function`` (the line dropped)."""
    function, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    return f"{'/'.join(Path(path).parts[-2:])}:{function}" if path else function


def print_profile(kind: str, profile: dict[str, Any], wall: float) -> None:
    if "error" in profile:
        print(f"  {kind} profile: {profile['error']}")
        return
    print(f"\n{kind}: where the server's CPU goes (py-spy --gil, {profile['cpu_s']} s sampled "
          f"in {wall} s; {profile['raw_file']})")
    print(f"  {'inclusive s':>11}  function")
    for name, secs in profile["inclusive_s"]:
        print(f"  {secs:>11}  {name}")
    print(f"  {'self s':>11}  function")
    for name, secs in profile["self_s"]:
        print(f"  {secs:>11}  {name}")


# -- executions through the API -----------------------------------------------------------------------


def create_machine(client: Any, kind: str) -> str:
    answer = client.create_state_machine(name=f"billing-{kind.lower()}", definition=definition_text(),
                                         roleArn=ROLE_ARN, type=kind)
    return str(answer["stateMachineArn"])


def fan_out(threads: int, readings: list[dict[str, Any]], call: Any) -> tuple[list[Any], float]:
    """``call(reading)`` for every reading from ``threads`` threads; results in order, wall start.
    A call the server refuses or fails is kept as ``{"call_error": ...}`` (reported, never retried)."""
    from botocore.exceptions import BotoCoreError, ClientError

    def guarded(reading: dict[str, Any]) -> Any:
        try:
            return call(reading)
        except (BotoCoreError, ClientError) as error:
            return {"call_error": f"{type(error).__name__}: {error}"}

    began = time.time()
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(guarded, readings))
    return results, began


def start_standard(client: Any, machine_arn: str, threads: int,
                   readings: list[dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], float]:
    """StartExecution for every reading; by readingId: arn, sent (wall clock), latency."""

    def start(reading: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(reading)
        sent, clock = time.time(), time.perf_counter()
        answer = client.start_execution(stateMachineArn=machine_arn, name=reading["readingId"], input=body)
        return {"arn": answer["executionArn"], "sent": sent, "latency": time.perf_counter() - clock}

    results, began = fan_out(threads, readings, start)
    return {r["readingId"]: result for r, result in zip(readings, results)}, began


def refused(started: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The calls that failed, as answers for the checks (the rest are removed from ``started``)."""
    failed = {name: result for name, result in started.items() if "call_error" in result}
    for name in failed:
        del started[name]
    return {name: {"status": "CALL_ERROR", "error": result["call_error"], "facts": None}
            for name, result in failed.items()}


def wait_until_finished(client: Any, machine_arn: str, timeout: float) -> float:
    """Poll ListExecutions(RUNNING) until empty; the wall-clock time it was seen empty."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running = client.list_executions(stateMachineArn=machine_arn, statusFilter="RUNNING", maxResults=1)
        if not running["executions"]:
            return time.time()
        time.sleep(0.1)
    raise SystemExit(f"executions still RUNNING after {timeout:.0f} s")


def list_all(client: Any, machine_arn: str) -> dict[str, dict[str, Any]]:
    """Every execution of the machine, by name (ListExecutions, paginated)."""
    found: dict[str, dict[str, Any]] = {}
    for page in client.get_paginator("list_executions").paginate(stateMachineArn=machine_arn,
                                                                  PaginationConfig={"PageSize": 1000}):
        for item in page["executions"]:
            found[item["name"]] = item
    return found


def describe_all(client: Any, started: dict[str, dict[str, Any]], threads: int) -> dict[str, dict[str, Any]]:
    """DescribeExecution of every started execution (after the timing: for the checks)."""
    names = list(started)
    with ThreadPoolExecutor(threads) as pool:
        answers = list(pool.map(lambda n: client.describe_execution(executionArn=started[n]["arn"]), names))
    return dict(zip(names, answers))


def run_standard(client: Any, workload: Workload, threads: int, timeout: float,
                 virtual_time: bool) -> dict[str, Any]:
    """Start all, wait for all. Wall time and start-to-finish come from the recorded stopDates; with
    ``--virtual-time`` those are the executions' own clocks (a Retry's back-off passes in no wall
    time), so the wall time is when the client saw none RUNNING and start-to-finish is not given."""
    machine_arn = create_machine(client, "STANDARD")
    started, began = start_standard(client, machine_arn, threads, workload.readings)
    failed = refused(started)
    if not started:
        raise SystemExit(f"every StartExecution failed, e.g. {next(iter(failed.values()))['error']}")
    seen_done = wait_until_finished(client, machine_arn, timeout)
    listed = list_all(client, machine_arn)
    missing = sorted(set(started) - set(listed))
    if missing:
        raise SystemExit(f"ListExecutions does not list {len(missing)} started execution(s), e.g. {missing[:3]}")
    figures: dict[str, Any] = {
        "seconds": round(seen_done - began, 3),
        "start_latency": milliseconds([s["latency"] for s in started.values()]),
        "recorded_duration": milliseconds([(listed[n]["stopDate"] - listed[n]["startDate"]).total_seconds()
                                           for n in started])}
    if not virtual_time:
        figures["seconds"] = round(max(item["stopDate"].timestamp() for item in listed.values()) - began, 3)
        figures["start_to_finish"] = milliseconds([listed[n]["stopDate"].timestamp() - started[n]["sent"]
                                                   for n in started])
        figures["peak_running"] = most_at_once([(listed[n]["startDate"].timestamp(),
                                                 listed[n]["stopDate"].timestamp()) for n in started])
    figures["answers"] = lambda: {**failed, **{name: _outcome(answer)  # fetched after the timing
                                               for name, answer in describe_all(client, started, threads).items()}}
    return figures


def most_at_once(spans: list[tuple[float, float]]) -> int:
    """The most executions running at the same moment, from their (start, stop) times."""
    edges = sorted([(start, 1) for start, _ in spans] + [(stop, -1) for _, stop in spans])
    running = peak = 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    return peak


def run_express(client: Any, workload: Workload, threads: int) -> dict[str, Any]:
    machine_arn = create_machine(client, "EXPRESS")

    def run(reading: dict[str, Any]) -> dict[str, Any]:
        clock = time.perf_counter()
        answer = client.start_sync_execution(stateMachineArn=machine_arn, name=reading["readingId"],
                                             input=json.dumps(reading))
        return {"latency": time.perf_counter() - clock, **_outcome(answer)}

    began = time.perf_counter()
    results, _ = fan_out(threads, workload.readings, run)
    seconds = time.perf_counter() - began
    answers = {r["readingId"]: result for r, result in zip(workload.readings, results)}
    failed = refused(answers)
    latencies = [r["latency"] for r in answers.values()] or [0.0]
    answers.update(failed)
    return {"seconds": round(seconds, 3), "start_latency": milliseconds(latencies),
            "start_to_finish": milliseconds(latencies), "answers": lambda: answers}


def _outcome(answer: dict[str, Any]) -> dict[str, Any]:
    output = answer.get("output")
    return {"status": answer["status"], "error": answer.get("error"),
            "facts": bill_facts(json.loads(output)) if output else None}


def bill_facts(output: Any) -> dict[str, Any]:
    """What the checks read of a succeeded execution's output (the rest is not kept)."""
    try:
        return {"billId": output["billingAnalysis"][1]["Payload"]["bill"].get("billId"),
                "payment": output["payment"]["Payload"]["status"],
                "notice": output["notification"]["Payload"]["notificationType"],
                "anomaly": output["billingAnalysis"][0]["Payload"]["isAnomaly"]}
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        return {"missing": repr(exc)}


def api_phase(kind: str, workload: Workload, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """One variant on a fresh server and database: figures, memory, CPU, checks."""
    db = workload.database(workdir / f"{kind.lower()}.sqlite3")
    state_dir = tempfile.mkdtemp(prefix=f"state-{kind.lower()}-", dir=workdir)
    options = ["--handlers", HANDLERS_MODULE, "--state-dir", state_dir,
               *(["--virtual-time"] if args.virtual_time else []), *args.server_option]
    server = Server(*options, db=db, workdir=workdir)
    client = client_for(server.url, args.threads)
    server.launch()
    try:
        server.wait_answering(client)
        profile = Profile(server.pid, Path(args.profile) / f"{kind.lower()}.txt") if args.profile else None
        cpu_before = server.cpu_seconds()
        client_cpu = time.process_time()
        if kind == "STANDARD":
            figures = run_standard(client, workload, args.threads, args.timeout, args.virtual_time)
        else:
            figures = run_express(client, workload, args.threads)
        if profile is not None:
            figures["profile"] = profile.finish()
        figures["server_cpu_s"] = round(server.cpu_seconds() - cpu_before, 2)
        figures["client_cpu_s"] = round(time.process_time() - client_cpu, 2)
        memory = server.memory_kib()
        answers = figures.pop("answers")()
    except BaseException:
        server.kill()
        print(f"server log ({server.log_file}):\n{server.log}", file=sys.stderr)
        raise
    code = server.stop()
    figures.update(peak_rss_mib=round(memory["VmHWM"] / 1024, 1), rss_at_end_mib=round(memory["VmRSS"] / 1024, 1),
                   exit_code=code, log_problems=problems_in_log(server)[:20], log_file=str(server.log_file))
    figures.update(check_outcomes(workload, answers, db, exit_problem(code)))
    return finish_row(kind, figures, len(workload.readings))


def finish_row(kind: str, figures: dict[str, Any], count: int) -> dict[str, Any]:
    figures["variant"] = kind
    figures["executions"] = count
    figures["executions_per_s"] = round(count / figures["seconds"], 1)
    return figures


# -- checks -------------------------------------------------------------------------------------------


def check_outcomes(workload: Workload, answers: dict[str, dict[str, Any]], db: str | None,
                   wrong: list[str] | None = None) -> dict[str, Any]:
    """Counts by (status, error), and every difference from what the readings predict."""
    counts: Counter[str] = Counter()
    wrong = list(wrong or [])
    for reading_id, (status, error) in workload.expected.items():
        answer = answers.get(reading_id)
        if answer is None:
            wrong.append(f"{reading_id}: no answer")
            continue
        plain = answer["error"] is None or answer["status"] == "CALL_ERROR"
        counts[answer["status"] if plain else f"{answer['status']}:{answer['error']}"] += 1
        if (answer["status"], answer["error"]) != (status, error):
            wrong.append(f"{reading_id}: {answer['status']} {answer['error']}, expected {status} {error}")
        elif status == "SUCCEEDED":
            wrong.extend(check_output(reading_id, answer["facts"], workload.tokens.get(reading_id)))
    if db is not None:
        wrong.extend(check_database(workload, db))
    return {"outcomes": dict(sorted(counts.items())), "wrong": wrong[:20], "wrong_count": len(wrong),
            "check": "ok" if not wrong else "WRONG"}


def check_output(reading_id: str, facts: dict[str, Any] | None, token: str | None) -> list[str]:
    """A succeeded execution: billed, paid (or awaiting BPAY without a card), customer told."""
    if not facts or "missing" in facts:
        return [f"{reading_id}: the output lacks {(facts or {}).get('missing', 'everything')}"]
    problems = []
    if facts["billId"] != f"BILL-{reading_id}":
        problems.append(f"{reading_id}: bill id {facts['billId']}")
    if reading_id.startswith("GEN-") and facts["payment"] != ("PAID" if token else "AWAITING_PAYMENT"):
        problems.append(f"{reading_id}: payment {facts['payment']} with card token {token}")
    if facts["notice"] != "BILL_READY" or facts["anomaly"] is not False:
        problems.append(f"{reading_id}: notification {facts['notice']}, anomaly {facts['anomaly']}")
    return problems


def check_database(workload: Workload, db: str) -> list[str]:
    """The handler database holds one bill per reading that reached GenerateBill."""
    expected = sum(1 for _, error in workload.expected.values() if error in BILLED_ERRORS)
    with sqlite3.connect(db) as conn:
        bills = conn.execute("SELECT COUNT(*) FROM metering_bills WHERE bill_id LIKE 'BILL-%'").fetchone()[0]
    return [] if bills == expected else [f"handler database: {bills} bills, expected {expected}"]


# -- in-process ---------------------------------------------------------------------------------------


def in_process(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """The same readings through StateMachine.execute, in a child Python (its own peak RSS)."""
    command = [sys.executable, __file__, "--child-in-process", str(workdir), "--executions", str(args.executions),
               "--seed", str(args.seed), "--defect-rate", str(args.defect_rate),
               *(["--samples"] if args.samples else []), *(["--virtual-time"] if args.virtual_time else [])]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"in-process run failed:\n{done.stdout}{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def own_rss_mib() -> float:
    """This process's resident memory now (the readings, the handlers and the engine loaded)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def in_process_child(args: argparse.Namespace) -> dict[str, Any]:
    from aslrun import StateMachine, SystemClock, VirtualClock
    from aslrun.bindings import Bindings
    from handlers.metering.lambdas import HANDLERS

    workload = build_workload(args.executions, args.seed, args.defect_rate, args.samples)
    os.environ["ASLRUN_DB"] = db = workload.database(Path(args.child_in_process) / "in-process.sqlite3")
    machine = StateMachine(json.loads(definition_text()))
    bindings = Bindings(dict(HANDLERS))
    answers, latencies = {}, []
    rss_before = own_rss_mib()
    began = time.perf_counter()
    for reading in workload.readings:
        clock = time.perf_counter()
        clock_now = VirtualClock() if args.virtual_time else SystemClock()  # as the server's clock
        execution = machine.execute(reading, handlers=bindings, clock=clock_now)
        latencies.append(time.perf_counter() - clock)
        facts = bill_facts(execution.output) if execution.status == "SUCCEEDED" else None
        answers[reading["readingId"]] = {"status": execution.status, "error": execution.error, "facts": facts}
    seconds = time.perf_counter() - began
    figures = {"seconds": round(seconds, 3), "start_to_finish": milliseconds(latencies),
               "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
               "rss_before_executions_mib": rss_before}
    figures.update(check_outcomes(workload, answers, db))
    return finish_row("in-process", figures, len(workload.readings))


# -- the report ---------------------------------------------------------------------------------------


def print_startup(rows: list[dict[str, Any]]) -> None:
    print(f"\nstart-up: launch -> first ListStateMachines answer (median of {rows[0]['runs']} runs)")
    print(f"  {'command':<52}{'median s':>9}{'min s':>8}{'max s':>8}{'ready line s':>13}{'SIGTERM s':>10}"
          f"{'idle call p50 ms':>17}  exit codes")
    for row in rows:
        print(f"  {row['command']:<52}{row['median_s']:>9}{row['min_s']:>8}{row['max_s']:>8}"
              f"{row['ready_line_median_s']!s:>13}{row['stop_median_s']:>10}"
              f"{row['idle_round_trip']['p50_ms']:>17}  {row['exit_codes']}")
    print("  (idle call: a ListStateMachines round trip on the idle server, boto3 keeping its connection)")


def print_runs(rows: list[dict[str, Any]], threads: int) -> None:
    count = rows[0]["executions"]
    print(f"\n{count} billing executions, {threads} client threads (latencies in ms)")
    print(f"  {'variant':<11}{'wall s':>8}{'exec/s':>8}{'start p50':>10}{'start p99':>10}{'finish p50':>11}"
          f"{'finish p99':>11}{'peak RSS MiB':>13}{'server CPU s':>13}{'client CPU s':>13}  check")
    for row in rows:
        start, finish = row.get("start_latency", {}), row.get("start_to_finish", {})
        print(f"  {row['variant']:<11}{row['seconds']:>8}{row['executions_per_s']:>8}"
              f"{start.get('p50_ms', '-')!s:>10}{start.get('p99_ms', '-')!s:>10}"
              f"{finish.get('p50_ms', '-')!s:>11}{finish.get('p99_ms', '-')!s:>11}"
              f"{row['peak_rss_mib']:>13}{row.get('server_cpu_s', '-')!s:>13}{row.get('client_cpu_s', '-')!s:>13}"
              f"  {row['check']}")
    for row in rows:
        running = f" (at most {row['peak_running']} running at once)" if "peak_running" in row else ""
        print(f"  {row['variant']} outcomes: " + ", ".join(f"{k} {v}" for k, v in row["outcomes"].items())
              + running)
        for line in row["wrong"]:
            print(f"    WRONG {line}")
        for line in row.get("log_problems", []):
            print(f"    server log: {line}")
        if row.get("exit_code"):
            print(f"    server exit code on SIGTERM: {row['exit_code']}")


def pick_median(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Of repeated runs of a variant, the one with the median executions/s (all runs kept too)."""
    ordered = sorted(rows, key=lambda row: row["executions_per_s"])
    chosen = dict(ordered[(len(ordered) - 1) // 2])
    if len(rows) > 1:
        chosen["all_runs_executions_per_s"] = [row["executions_per_s"] for row in rows]
    return chosen


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--executions", type=int, default=1000, help="executions per variant (default 1000)")
    parser.add_argument("--threads", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--runs", type=int, default=1, help="runs of each variant; the median is shown (default 1)")
    parser.add_argument("--startup-runs", type=int, default=7, help="launches timed for start-up (default 7)")
    parser.add_argument("--variants", nargs="+", default=["STANDARD", "EXPRESS", "in-process"],
                        choices=["STANDARD", "EXPRESS", "in-process"])
    parser.add_argument("--seed", type=int, default=7, help="fleet seed (default 7)")
    parser.add_argument("--defect-rate", type=float, default=0.3, help="share of defective readings (default 0.3)")
    parser.add_argument("--samples", action="store_true", help="add the nine checked-in billing samples")
    parser.add_argument("--virtual-time", action="store_true", help="serve with --virtual-time (Retry waits skip)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for STANDARD executions")
    parser.add_argument("--server-option", action="append", default=[], metavar="OPTION",
                        help="pass this to aslrun serve (repeat for each word: --server-option=--handler-processes "
                             "--server-option=2)")
    parser.add_argument("--profile", metavar="DIR", help="record the server with py-spy (pip install py-spy) "
                        "during each API phase; raw stacks go to DIR, a summary is printed")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--workdir", help="scratch folder, kept (default: a temporary one, removed)")
    parser.add_argument("--child-in-process", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if min(args.threads, args.runs, args.startup_runs) < 1 or args.executions < 1 + (9 if args.samples else 0):
        parser.error("--executions, --threads, --runs and --startup-runs must be positive "
                     "(--samples needs 10 executions)")
    return args


def run_variants(args: argparse.Namespace, workload: Workload, workdir: Path) -> list[dict[str, Any]]:
    """Each variant ``--runs`` times; the run with the median executions/s of each."""
    rows = []
    for kind in args.variants:
        runs = []
        for _ in range(args.runs):
            runs.append(in_process(args, workdir) if kind == "in-process" else api_phase(kind, workload, args, workdir))
            print(f"  ... {kind}: {runs[-1]['executions_per_s']} executions/s, check {runs[-1]['check']}", flush=True)
        rows.append(pick_median(runs))
    return rows


def describe_workload(workload: Workload) -> None:
    expected = Counter(s if e is None else f"{s}:{e}" for s, e in workload.expected.values())
    meters = len({r.get("meterId") for r in workload.readings})
    print(f"{len(workload.readings)} readings of {meters} meters; expected: "
          + ", ".join(f"{k} {v}" for k, v in sorted(expected.items())), flush=True)


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child_in_process:
        print(json.dumps(in_process_child(args)))
        return 0
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="serve-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    load = {"before": load_average()}
    workload = build_workload(args.executions, args.seed, args.defect_rate, args.samples)
    describe_workload(workload)
    startup_db = workload.database(workdir / "startup.sqlite3")
    startup = [measure_startup(options, args.startup_runs, workdir, startup_db)
               for options in ([], ["--handlers", HANDLERS_MODULE])]
    print_startup(startup)
    rows = run_variants(args, workload, workdir)
    load["after"] = load_average()
    print_runs(rows, args.threads)
    print(f"  load average (1, 5, 15 min): before {load['before']}, after {load['after']}, "
          f"{os.cpu_count()} CPUs")
    for row in rows:
        if "profile" in row:
            print_profile(row["variant"], row["profile"], row["seconds"])
    if args.json:
        report = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                              "platform": platform.platform()},
                  "executions": len(workload.readings), "threads": args.threads, "seed": args.seed,
                  "defect_rate": args.defect_rate, "samples": args.samples, "virtual_time": args.virtual_time,
                  "load_average": load, "startup": startup, "runs": rows}
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
        print(f"figures written to {args.json}")
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if all(row["check"] == "ok" for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())

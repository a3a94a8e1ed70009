"""Where the crash-safety tests' child processes come from: a fork server ("zygote"), or a fresh interpreter.

Each crash case (crash_child.py) runs in a process of its own, which the test kills with SIGKILL or
which dies by os._exit at a chosen step. Started as ``python crash_child.py ARGS``, every such process
first paid for an interpreter, aslrun, moto, boto3, the BUA handlers, the moto services it imports on
first use and botocore's data files: most of a second when the machine is idle, seconds under
pytest-xdist, about sixty times. So the tests start one zygote per process (``python crash_zygote.py
FD``), which pays for them once:

* it imports everything the cases need and reads botocore's data files, while single-threaded
  (OpenBLAS, which numpy brings in with the BUA handlers, is told to start no threads), and starts no
  local AWS and no moto mock: moto holds no state at all, which is checked before every fork, so
  nothing of the zygote can reach a case;
* it makes the local AWS's own botocore clients (:func:`aslrun.localaws.emulator.prepare`: no
  emulated state) and then freezes everything it holds out of the garbage collector's reach
  (``gc.freeze``), so that a collection in a case neither walks nor copies the zygote's memory page
  by page. Before both, a case spent about 0.35 s making clients and touching inherited pages
  (this module's tests: 59 -> 42 s on one process);
* before it freezes, it runs one case's work once and drops moto's state (:func:`_warm_up`): a
  case then finds its first calls' routes, event names and service models worked out (a case
  reached READY in 220-240 ms, now 85-100; this module's tests: 49 -> 35 s on one process);
* then it forks a process per case (:mod:`tests.helpers.fork_server`, which tells how): the process
  returns from ``serve`` with its arguments and runs ``crash_child.main(args)`` as ``python
  crash_child.py ARGS`` would, then ends as that interpreter would (exit status 0, or 1 with a
  traceback). Like any case process it starts its own LocalAws (``reset=True``). The test reads the
  case's lines from its own pipe and kills it by its pid (SIGKILL), as it killed a subprocess.

Only the zygote forks, and only while single-threaded: never the pytest process (xdist gives it
threads). With ``ASLRUN_CRASH_CHILDREN=spawn`` every case runs in a fresh ``python crash_child.py``
instead (:class:`Spawner`), the same cases through the same interface: a way to check that the
zygote changes no outcome. Commands that must be a real ``python -m aslrun ...`` are run with
subprocess by the tests themselves.
"""

from __future__ import annotations

import gc
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any, Self

from tests.helpers.botocore_data import sharing_loader  # (ROOT is on the zygote's path too)
from tests.helpers.fork_server import ForkServer, serve

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHILD = HERE / "crash_child.py"

PRELOAD = (
    # every case: the local AWS and what it imports when it starts, saves and loads
    "crash_child", "aslrun", "aslrun.model", "aslrun.localaws", "aslrun.localaws.state_dir",
    "aslrun.localaws.seed", "aslrun.localaws.inspect", "aslrun.localaws.journal", "boto3", "botocore",
    "boto3.s3.inject", "boto3.s3.transfer", "moto", "moto.core.models", "moto.moto_api._internal",
    # moto's services, which it imports on their first request
    "moto.dynamodb.models", "moto.dynamodb.responses", "moto.dynamodb.urls", "moto.dynamodb.parsing.partiql",
    "moto.sqs.models", "moto.sqs.responses", "moto.sqs.urls", "moto.sns.models", "moto.sns.responses",
    "moto.sns.urls", "moto.s3.models", "moto.s3.responses", "moto.s3.urls", "moto.events.models",
    "moto.events.responses", "moto.events.urls", "moto.iam.models", "moto.iam.access_control", "moto.sts.models",
    "moto.ssm.models", "moto.ssm.responses", "moto.ssm.urls", "moto.secretsmanager.models",
    "moto.secretsmanager.responses", "moto.secretsmanager.urls", "moto.scheduler.models", "moto.scheduler.responses",
    "moto.scheduler.urls",
    "py_partiql_parser", "jsonpath_ng.ext", "xml.dom.expatbuilder",
    # the BUA runs
    "fixtures.bua.aws", "fixtures.bua.cases", "handlers.bua.lambdas", "handlers.bua.control",
)
"""What the zygote imports before it forks: what the cases would import anyway (found by listing the
modules a case process had imported that the zygote had not)."""

SERVICES = ("dynamodb", "sqs", "sns", "s3", "events", "ssm", "secretsmanager", "scheduler")
"""The services the cases call, whose botocore data files the zygote reads (for botocore and moto)."""

CLIENTS = (*SERVICES, "iam")
"""The services whose clients a case's local AWS makes (a snapshot reads IAM too): made in the zygote."""


# -- the zygote (python crash_zygote.py FD) ---------------------------------------------------------------

def _preload() -> None:
    """Import what the cases import, and read botocore's data files for the services they call."""
    import importlib

    for module in PRELOAD:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError:  # (another version of moto): the cases import what they need
            pass
    import boto3
    import botocore.session
    from moto.core.utils import get_service_model

    botocore.session.create_loader = sharing_loader
    # clients of a session of their own (never boto3's default one), made and dropped, no request sent
    session = boto3.session.Session(aws_access_key_id="unused", aws_secret_access_key="unused",
                                    region_name="us-east-1")
    for service in SERVICES:
        session.client(service)
        get_service_model(service)  # moto's parsed copy (cached by moto)
    from moto.core.utils import service_name_from_moto_package_name

    from aslrun.localaws.emulator import prepare

    prepare(CLIENTS)  # the local AWS's own clients (each case's snapshot reads every service)
    for service in CLIENTS:  # (cached by moto; each answer costs it a botocore session)
        service_name_from_moto_package_name(service)
    _warm_up()


def _warm_up() -> None:
    """One case's work, in a directory thrown away: BASE seeded, saved, loaded again and read back
    as a snapshot. What a case process would otherwise work out for itself on its first calls (the
    clients' event names, moto's routes and parsed service models, botocore's file lookups) is then
    the zygote's; moto's state is dropped after (every case starts its own local AWS with
    ``reset=True``), and :func:`~tests.helpers.fork_server.assert_safe_to_fork` checks that
    nothing of it is left before each fork."""
    from moto.core.base_backend import BackendDict

    from aslrun.localaws import LocalAws
    from crash_child import BASE

    with tempfile.TemporaryDirectory(prefix="aslrun-zygote-") as directory:
        with LocalAws(state_dir=directory, reset=True) as aws:
            aws.seed(BASE)
            aws.snapshot()
        with LocalAws(state_dir=directory, reset=True, autosave=False) as aws:
            aws.snapshot()
    BackendDict.reset()


# -- the tests' side ----------------------------------------------------------------------------------

def _environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}


class Child:
    """A crash case's process as the tests see it: its pid, its output line by line, how it ended."""

    def __init__(self, pid: int, stdout_fd: int, stderr: IO[bytes]) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._stdout_fd: int | None = stdout_fd
        self._stderr = stderr
        self._pending = b""
        self._errors = ""

    def readline(self, timeout: float) -> str:
        """The next line the process prints (without its newline); "" if it ends its output first
        (it died) or says nothing for ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._pending and self._stdout_fd is not None:
            ready, _, _ = select.select([self._stdout_fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                return ""
            data = os.read(self._stdout_fd, 65536)
            if not data:
                break
            self._pending += data
        line, newline, self._pending = self._pending.partition(b"\n")
        return line.decode() if newline else ""

    def kill(self) -> None:
        """SIGKILL, unless it has been waited for (reaped, its pid may be another process's by now)."""
        if self.returncode is None:
            os.kill(self.pid, signal.SIGKILL)

    def wait(self, timeout: float) -> int:
        """Its exit status (-9: killed by SIGKILL); its output and error pipes are closed."""
        if self.returncode is None:
            self.returncode = self._wait(timeout)
            if self._stdout_fd is not None:
                os.close(self._stdout_fd)
                self._stdout_fd = None
            self._stderr.seek(0)
            self._errors = self._stderr.read().decode(errors="replace")
            self._stderr.close()
        return self.returncode

    def errors(self) -> str:
        """What it wrote to stderr (once it ended)."""
        return self._errors

    def _wait(self, timeout: float) -> int:
        raise NotImplementedError


class Spawned(Child):
    """A case in a fresh interpreter: ``python crash_child.py ARGS``."""

    def __init__(self, process: subprocess.Popen[bytes], stderr: IO[bytes]) -> None:
        assert process.stdout is not None
        super().__init__(process.pid, process.stdout.fileno(), stderr)
        self._process = process

    def _wait(self, timeout: float) -> int:
        returncode = self._process.wait(timeout)
        assert self._process.stdout is not None
        self._process.stdout.close()
        self._stdout_fd = None
        return returncode


def spawn(*args: Any) -> Child:
    """A crash case in a process of its own, started from scratch."""
    stderr = tempfile.TemporaryFile()
    process = subprocess.Popen([sys.executable, str(CHILD), *map(str, args)], cwd=ROOT, env=_environment(),
                               stdout=subprocess.PIPE, stderr=stderr)
    return Spawned(process, stderr)


class Spawner:
    """The cases in fresh interpreters (:func:`spawn`), through the same interface as :class:`Zygote`:
    on ``close``, any case still running (a test failed before killing it) is killed, as the zygote
    kills its own."""

    def __init__(self) -> None:
        self._children: list[Child] = []

    def start(self, *args: Any) -> Child:
        child = spawn(*args)
        self._children.append(child)
        return child

    def close(self) -> None:
        for child in self._children:
            child.kill()
            child.wait(60)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class Forked(Child):
    """A case forked by the zygote, which reaps it and tells its exit status."""

    def __init__(self, zygote: Zygote, pid: int, stdout_fd: int, stderr: IO[bytes]) -> None:
        super().__init__(pid, stdout_fd, stderr)
        self._zygote = zygote

    def _wait(self, timeout: float) -> int:
        return self._zygote.returncode(self.pid, timeout)


class Zygote:
    """The tests' handle on a zygote process: ``start(*args)`` forks a case (see the module's docstring).

    Used by one thread (the test process's main one), one request at a time."""

    def __init__(self, timeout: float = 120) -> None:
        self._server = ForkServer(Path(__file__).resolve(), env=_environment(), cwd=ROOT, timeout=timeout)

    def start(self, *args: Any) -> Child:
        """A crash case, forked: ``crash_child.main(args)`` in a process whose pid the test kills."""
        stdout_read, stdout_write = os.pipe()
        stderr = tempfile.TemporaryFile()
        try:
            pid = self._server.fork({"args": [str(arg) for arg in args]}, stdout_write, stderr.fileno())
        finally:
            os.close(stdout_write)  # the zygote has its own copies (and the case its own)
        return Forked(self, pid, stdout_read, stderr)

    def returncode(self, pid: int, timeout: float) -> int:
        """The exit status of a forked case, once the zygote has reaped it (waiting up to ``timeout``)."""
        return self._server.returncode(pid, timeout)

    def close(self) -> None:
        """End the zygote (it kills any case still running) and wait for it."""
        self._server.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


if __name__ == "__main__":
    _preload()
    gc.collect()
    gc.freeze()
    request = serve(int(sys.argv[1]))  # returns in each forked case, never in the zygote
    sys.argv = [str(CHILD), *request["args"]]
    import crash_child

    crash_child.main(list(request["args"]))

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
* for each request (a JSON line on a Unix socket: the case's arguments, with the write end of the
  test's pipe for its stdout and a file for its stderr passed along as file descriptors) it forks.
  The new process returns from :func:`serve` with its arguments and runs ``crash_child.main(args)``
  as ``python crash_child.py ARGS`` would, then ends as that interpreter would (exit status 0, or 1
  with a traceback). Like any case process it starts its own LocalAws (``reset=True``);
* it replies with the process's pid; the test reads the case's lines from its own pipe and kills it
  by that pid (SIGKILL), as it killed a subprocess;
* the process is the zygote's child, so only the zygote can reap it. It does so once the test asks
  for its exit status (``{"wait": pid}``), as soon as it has ended: SIGCHLD wakes the zygote's loop
  (``signal.set_wakeup_fd``), which ``waitpid``s and reports the status in subprocess's convention
  (``-9`` for SIGKILL, the exit code otherwise). Until the test waits, the pid cannot be reused (a
  dead case is a zombie), so killing by pid cannot hit another process, as with a child of its own;
* when the test closes the socket (or dies), the zygote kills and reaps whatever is left and exits.

Only the zygote forks, and only while single-threaded: never the pytest process (xdist gives it
threads). With ``ASLRUN_CRASH_CHILDREN=spawn`` every case runs in a fresh ``python crash_child.py``
instead (:class:`Spawner`), the same cases through the same interface: a way to check that the
zygote changes no outcome. Commands that must be a real ``python -m aslrun ...`` are run with
subprocess by the tests themselves.
"""

from __future__ import annotations

import gc
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any, Self

from tests.helpers.botocore_data import sharing_loader  # (ROOT is on the zygote's path too)

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


def _assert_nothing_to_leak() -> None:
    """The zygote is single-threaded and holds no local AWS and no moto state: a fork starts clean."""
    import threading

    import boto3
    from moto.core.base_backend import BackendDict
    from moto.core.models import MockAWS

    from aslrun.localaws import current_aws

    tasks = Path("/proc/self/task")
    threads = len(list(tasks.iterdir())) if tasks.is_dir() else threading.active_count()
    assert threads == 1, f"the zygote has {threads} threads: forking it would not be safe"
    assert not MockAWS._mocks_active and not BackendDict._instances, "moto holds state in the zygote"
    assert current_aws(start=False) is None, "a local AWS is active in the zygote"
    assert boto3.DEFAULT_SESSION is None, "the zygote made boto3's default session"


def _send(control: socket.socket, message: dict[str, Any]) -> None:
    control.sendall(json.dumps(message).encode() + b"\n")


def _returncode(status: int) -> int:
    """subprocess's convention: the exit code, or minus the signal that ended the process."""
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def serve(control_fd: int) -> list[str]:
    """The zygote's loop: fork a case per request and report its pid; once the test asks for a case's
    exit status (``{"wait": pid}``), reap it as soon as it has ended and report the status.

    A case is reaped only when the test waits for it: until then its pid stays its own (a zombie at
    worst), so the test can kill it by pid safely, as it could a child of its own. Returns only in a
    forked case process (its arguments for ``crash_child.main``); the zygote itself exits when the test
    closes the socket, killing the cases it has not reaped first (also if the zygote fails)."""
    control = socket.socket(fileno=control_fd)
    wakeup_read, wakeup_write = os.pipe()
    os.set_blocking(wakeup_read, False)
    os.set_blocking(wakeup_write, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so that SIGCHLD is written to the wakeup fd
    signal.set_wakeup_fd(wakeup_write)
    cases: set[int] = set()  # forked, not reaped
    awaited: set[int] = set()  # the test waits for their exit status
    received, fds = b"", []
    try:
        _send(control, {"ready": os.getpid()})
        while True:
            readable, _, _ = select.select([control, wakeup_read], [], [])
            if wakeup_read in readable:  # a SIGCHLD (or several)
                while _read_some(wakeup_read):
                    pass
            if control in readable:
                data, passed, _, _ = socket.recv_fds(control, 65536, 8)
                if not data:  # the test is done (or gone)
                    _end(cases)
                received += data
                fds += passed
            while b"\n" in received:
                line, received = received.split(b"\n", 1)
                request = json.loads(line)
                if "wait" in request:
                    awaited.add(request["wait"])
                    continue
                stdout_fd, stderr_fd = fds[:2]
                del fds[:2]
                _assert_nothing_to_leak()
                pid = os.fork()
                if pid == 0:
                    _become_case([control.detach(), wakeup_read, wakeup_write, *fds], stdout_fd, stderr_fd)
                    sys.argv = [str(CHILD), *request["args"]]
                    return list(request["args"])
                os.close(stdout_fd)
                os.close(stderr_fd)
                cases.add(pid)
                _send(control, {"started": pid})
            for pid in sorted(awaited):
                reaped, status = os.waitpid(pid, os.WNOHANG)
                if reaped:
                    awaited.discard(pid)
                    cases.discard(pid)
                    _send(control, {"ended": pid, "returncode": _returncode(status)})
    except BaseException:
        import traceback

        traceback.print_exc()
        _end(cases, status=1)
        raise  # (not reached)


def _become_case(zygote_fds: list[int], stdout_fd: int, stderr_fd: int) -> None:
    """In a forked case: keep nothing of the zygote's but the modules it imported (no signal handler,
    no file descriptor); stdin from /dev/null, stdout and stderr the test's."""
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in zygote_fds:
            os.close(fd)
        null = os.open(os.devnull, os.O_RDONLY)
        for source, target in ((null, 0), (stdout_fd, 1), (stderr_fd, 2)):
            os.dup2(source, target)
            os.close(source)
    except BaseException:  # never back into the zygote's loop
        os.write(2, b"the forked case could not start\n")
        os._exit(70)


def _end(cases: set[int], status: int = 0) -> None:
    """End the zygote: no case may outlive it."""
    for pid in cases:
        os.kill(pid, signal.SIGKILL)
    for pid in cases:
        os.waitpid(pid, 0)
    os._exit(status)


def _read_some(fd: int) -> bool:
    try:
        return bool(os.read(fd, 512))
    except BlockingIOError:
        return False


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
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self._errors = tempfile.TemporaryFile()
        environment = {**_environment(), "OPENBLAS_NUM_THREADS": "1"}  # numpy's BLAS starts no thread
        self._process = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), str(theirs.fileno())],
                                         pass_fds=[theirs.fileno()], cwd=ROOT, env=environment,
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._errors)
        theirs.close()
        self._control = ours
        self._received = b""
        self._ended: dict[int, int] = {}
        while "ready" not in self._next(timeout, "ready"):
            pass

    def start(self, *args: Any) -> Child:
        """A crash case, forked: ``crash_child.main(args)`` in a process whose pid the test kills."""
        stdout_read, stdout_write = os.pipe()
        stderr = tempfile.TemporaryFile()
        try:
            request = json.dumps({"args": [str(arg) for arg in args]}).encode() + b"\n"
            socket.send_fds(self._control, [request], [stdout_write, stderr.fileno()])
        finally:
            os.close(stdout_write)  # the zygote has its own copies (and the case its own)
        while "started" not in (message := self._next(120, "started")):
            pass  # (an earlier case's exit status, recorded)
        return Forked(self, message["started"], stdout_read, stderr)

    def returncode(self, pid: int, timeout: float) -> int:
        """The exit status of a forked case, once the zygote has reaped it (waiting up to ``timeout``)."""
        deadline = time.monotonic() + timeout
        self._control.sendall(json.dumps({"wait": pid}).encode() + b"\n")
        while pid not in self._ended:
            self._next(deadline - time.monotonic(), "ended")
        return self._ended.pop(pid)

    def close(self) -> None:
        """End the zygote (it kills any case still running) and wait for it."""
        self._control.close()
        self._process.wait(60)
        self._errors.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _next(self, timeout: float, expected: str) -> dict[str, Any]:
        """The zygote's next message (an exit status is recorded on its way)."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._received:
            ready, _, _ = select.select([self._control], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise TimeoutError(f"the zygote said nothing for {timeout:.0f} s (waiting for {expected!r})")
            data = self._control.recv(65536)
            if not data:
                self._process.wait(60)
                self._errors.seek(0)
                raise RuntimeError(f"the zygote ended (exit {self._process.returncode}) waiting for {expected!r}:\n"
                                   + self._errors.read().decode(errors="replace"))
            self._received += data
        line, self._received = self._received.split(b"\n", 1)
        message: dict[str, Any] = json.loads(line)
        if "ended" in message:
            self._ended[message["ended"]] = message["returncode"]
        return message


if __name__ == "__main__":
    _preload()
    gc.collect()
    gc.freeze()
    arguments = serve(int(sys.argv[1]))  # returns in each forked case, never in the zygote
    import crash_child

    crash_child.main(arguments)

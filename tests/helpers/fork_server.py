"""A fork server ("zygote") for the tests' child processes: a process that imports once what every
child would import, then forks a child per request.

A test that starts many processes of the same program (the crash-safety cases, ``aslrun serve``)
paid each time for an interpreter, aslrun, moto, boto3 and the data files they read: most of a
second of CPU each, hundreds of times a run. A zygote pays for them once per test process:

* the zygote script (``tests/localaws/crash_zygote.py``, ``tests/service/server_zygote.py``) imports
  what its children need while single-threaded, starts no local AWS and no moto mock, freezes what
  it holds out of the garbage collector's reach (``gc.freeze``: a collection in a child neither
  walks nor copies the zygote's memory page by page), then calls :func:`serve` with the socket the
  tests gave it;
* :func:`serve` forks a child per request (a JSON line on a Unix socket, with the write ends of the
  child's stdout and stderr passed along as file descriptors), checking first that forking is safe
  (``check``: one thread, nothing to leak), and answers with the child's pid. In the child,
  :func:`serve` returns the request, with stdin from /dev/null and stdout and stderr the test's;
  the script then runs the program as a fresh interpreter would, and ends as it would;
* the child is the zygote's, so only the zygote can reap it. It does so once the test asks for its
  exit status (``{"wait": pid}``), as soon as it has ended: SIGCHLD wakes the zygote's loop
  (``signal.set_wakeup_fd``), which ``waitpid``s and reports the status in subprocess's convention
  (``-9`` for SIGKILL, the exit code otherwise). Until the test waits, the pid cannot be reused (a
  dead child is a zombie), so killing it by pid cannot hit another process, as with a child of its own;
* when the test process closes the socket (or dies), the zygote kills and reaps whatever is left and
  exits: no child outlives the test process.

Only the zygote forks, and only while single-threaded: never the pytest process (xdist gives it
threads). :class:`ForkServer` is the tests' side.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

__all__ = ["ForkServer", "assert_safe_to_fork", "serve"]


# -- the zygote's side ----------------------------------------------------------------------------------

def assert_safe_to_fork() -> None:
    """The zygote is single-threaded and holds no local AWS and no moto state: a fork starts clean."""
    import boto3
    from moto.core.base_backend import BackendDict
    from moto.core.models import MockAWS

    from aslrun.localaws import current_aws

    tasks = Path("/proc/self/task")
    threads = len(list(tasks.iterdir())) if tasks.is_dir() else threading.active_count()
    assert threads == 1, f"the zygote has {threads} threads: forking it would not be safe"
    moto_state = (MockAWS._mocks_active, BackendDict._instances)  # type: ignore[misc]  # (kept on its classes)
    assert not any(moto_state), "moto holds state in the zygote"
    assert current_aws(start=False) is None, "a local AWS is active in the zygote"
    assert boto3.DEFAULT_SESSION is None, "the zygote made boto3's default session"


def _send(control: socket.socket, message: dict[str, Any]) -> None:
    control.sendall(json.dumps(message).encode() + b"\n")


def _returncode(status: int) -> int:
    """subprocess's convention: the exit code, or minus the signal that ended the process."""
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def serve(control_fd: int, check: Callable[[], None] = assert_safe_to_fork) -> dict[str, Any]:
    """The zygote's loop: fork a child per request and report its pid; once the test asks for a
    child's exit status (``{"wait": pid}``), reap it as soon as it has ended and report the status.

    Returns only in a forked child (its request); the zygote itself exits when the test closes the
    socket, killing the children it has not reaped first (also if the zygote fails)."""
    control = socket.socket(fileno=control_fd)
    wakeup_read, wakeup_write = os.pipe()
    os.set_blocking(wakeup_read, False)
    os.set_blocking(wakeup_write, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so that SIGCHLD is written to the wakeup fd
    signal.set_wakeup_fd(wakeup_write)
    children: set[int] = set()  # forked, not reaped
    awaited: set[int] = set()  # the test waits for their exit status
    received, fds = b"", []
    try:
        _send(control, {"ready": os.getpid()})
        watched: list[Any] = [control, wakeup_read]
        while True:
            readable, _, _ = select.select(watched, [], [])
            if wakeup_read in readable:  # a SIGCHLD (or several)
                while _read_some(wakeup_read):
                    pass
            if control in readable:
                data, passed, _, _ = socket.recv_fds(control, 65536, 8)
                if not data:  # the test is done (or gone)
                    _end(children)
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
                check()
                pid = os.fork()
                if pid == 0:
                    _become_child([control.detach(), wakeup_read, wakeup_write, *fds], stdout_fd, stderr_fd)
                    return dict(request)
                os.close(stdout_fd)
                os.close(stderr_fd)
                children.add(pid)
                _send(control, {"started": pid})
            for pid in sorted(awaited):
                reaped, status = os.waitpid(pid, os.WNOHANG)
                if reaped:
                    awaited.discard(pid)
                    children.discard(pid)
                    _send(control, {"ended": pid, "returncode": _returncode(status)})
    except BaseException:
        import traceback

        traceback.print_exc()
        _end(children, status=1)
        raise  # (not reached)


def _become_child(zygote_fds: list[int], stdout_fd: int, stderr_fd: int) -> None:
    """In a forked child: keep nothing of the zygote's but the modules it imported (no signal
    handler, no file descriptor); stdin from /dev/null, stdout and stderr the test's."""
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in zygote_fds:
            os.close(fd)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        os.dup2(stdout_fd, 1)
        os.dup2(stderr_fd, 2)
        for fd in {stdout_fd, stderr_fd} - {1, 2}:
            os.close(fd)
    except BaseException:  # never back into the zygote's loop
        os.write(2, b"the forked child could not start\n")
        os._exit(70)


def _end(children: set[int], status: int = 0) -> None:
    """End the zygote: no child may outlive it."""
    for pid in children:
        os.kill(pid, signal.SIGKILL)
    for pid in children:
        os.waitpid(pid, 0)
    os._exit(status)


def _read_some(fd: int) -> bool:
    try:
        return bool(os.read(fd, 512))
    except BlockingIOError:
        return False


# -- the tests' side ----------------------------------------------------------------------------------

class ForkServer:
    """The tests' handle on a zygote process (``python SCRIPT FD``, see the module's docstring):
    :meth:`fork` starts a child, :meth:`returncode` tells how it ended. Safe to use from several
    threads (one request or wait at a time)."""

    def __init__(self, script: Path, *, env: dict[str, str], cwd: Path, timeout: float = 120) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self._errors = tempfile.TemporaryFile()
        environment = {**env, "OPENBLAS_NUM_THREADS": "1"}  # numpy's BLAS (if imported) starts no thread
        self._process = subprocess.Popen([sys.executable, str(script), str(theirs.fileno())],
                                         pass_fds=[theirs.fileno()], cwd=cwd, env=environment,
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._errors)
        theirs.close()
        self._control = ours
        self._lock = threading.Lock()
        self._received = b""
        self._ended: dict[int, int] = {}
        with self._lock:
            while "ready" not in self._next(timeout, "ready"):
                pass

    def fork(self, request: dict[str, Any], stdout_fd: int, stderr_fd: int) -> int:
        """A child forked for ``request`` (what the script's child reads) writing to the two file
        descriptors (the zygote and the child get their own copies: close yours when you like); its pid."""
        line = json.dumps(request).encode() + b"\n"
        with self._lock:
            socket.send_fds(self._control, [line], [stdout_fd, stderr_fd])
            while "started" not in (message := self._next(120, "started")):
                pass  # (an earlier child's exit status, recorded)
        return int(message["started"])

    def returncode(self, pid: int, timeout: float | None) -> int:
        """The exit status of a forked child, once the zygote has reaped it; TimeoutError if it has
        not ended within ``timeout`` seconds (None: no limit). Only once per child. The lock is
        taken a moment at a time: other threads may fork meanwhile."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            if pid not in self._ended:
                self._control.sendall(json.dumps({"wait": pid}).encode() + b"\n")
        while True:
            with self._lock:
                if pid in self._ended:
                    return self._ended.pop(pid)
                left = 0.05 if deadline is None else min(0.05, deadline - time.monotonic())
                if left <= 0:
                    raise TimeoutError(f"process {pid} did not end within {timeout} s")
                try:
                    self._next(left, "ended", pid)
                except TimeoutError:
                    pass

    def close(self) -> None:
        """End the zygote (it kills any child still running) and wait for it."""
        self._control.close()
        self._process.wait(60)
        self._errors.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _next(self, timeout: float | None, expected: str, pid: int | None = None) -> dict[str, Any]:
        """The zygote's next message (an exit status is recorded on its way)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._received:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self._control], [], [], left)
            if not ready:
                raise TimeoutError(f"the zygote said nothing for {timeout:.0f} s (waiting for {expected!r}"
                                   + (f" of {pid})" if pid is not None else ")"))
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

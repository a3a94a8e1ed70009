"""Killing a run's process (``kill -9``) while its forked workers run handlers, and seeing which
workers outlive it (the iteration pool's and the distributed Map pool's tests)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def script_preamble(folder: Path) -> str:
    """The start of a caller's script: this test run's ``sys.path``, and a handler ``slow`` that records
    the pid of the process it runs in (a file ``pid-<pid>`` in ``folder``) and takes 50 ms."""
    return f"""
import os, sys, time
sys.path[:0] = {sys.path!r}
from aslrun import StateMachine

def slow(event, context):
    open(os.path.join({str(folder)!r}, "pid-" + str(os.getpid())), "w").close()
    time.sleep(0.05)
    return {{}}
"""


def workers_left_after_kill(script: Path, folder: Path, *, seconds: float,
                            environment: dict[str, str] | None = None) -> list[int]:
    """Run ``script``; once two worker processes have run ``slow``, kill it (SIGKILL) and return those
    of the workers still running ``seconds`` later."""
    caller = subprocess.Popen([sys.executable, str(script)], env=environment)
    try:
        deadline = time.monotonic() + 30
        while len(list(folder.glob("pid-*"))) < 2:
            assert time.monotonic() < deadline and caller.poll() is None, "the workers never started"
            time.sleep(0.05)
        workers = [int(path.name[4:]) for path in folder.glob("pid-*")]
        caller.send_signal(signal.SIGKILL)
        caller.wait()
        deadline = time.monotonic() + seconds
        while any(map(running, workers)) and time.monotonic() < deadline:
            time.sleep(0.05)
        return [pid for pid in workers if running(pid)]
    finally:
        if caller.poll() is None:
            caller.kill()
            caller.wait()


def running(pid: int) -> bool:
    """Whether the process runs (a zombie nobody reaped has ended)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


CAN_WATCH = os.path.isdir("/proc")

"""Starting ``aslrun serve`` in a process of its own on a free port, talking to it, stopping it by its pid.

Tests drive the server the way a user's own suite would: boto3 (or the AWS CLI) with an
``endpoint_url``, over HTTP, against a separate process. Each server is forked by this test
process's zygote (tests/service/server_zygote.py), which has imported the server, its web stack and
moto once, as ``python -m aslrun serve ARGS`` in the test's directory and environment; with
``ASLRUN_TEST_SERVERS=spawn``, each is a fresh ``python -m aslrun serve ARGS`` (subprocess), as
:class:`~aslrun.testing.endpoint.ServedEndpoint` starts it for a user's suite.
"""

from __future__ import annotations

import atexit
import os
import select
import subprocess
import threading
from pathlib import Path
from typing import IO, Any

import boto3
from botocore.config import Config

from aslrun.testing.endpoint import ServedEndpoint
from tests.helpers.fork_server import ForkServer

__all__ = ["ServerProcess", "client_for"]

ROOT = Path(__file__).resolve().parents[2]


def client_for(url: str, region: str = "us-east-1", **config: Any) -> Any:
    """A boto3 Step Functions client for a local endpoint (no retries: a failure shows at once)."""
    options = {"inject_host_prefix": False, "retries": {"total_max_attempts": 1, "mode": "standard"},
               "read_timeout": 70}
    options.update(config)
    return boto3.client("stepfunctions", endpoint_url=url, region_name=region, aws_access_key_id="test",
                        aws_secret_access_key="test", config=Config(**options))


class ServerProcess(ServedEndpoint):
    """``aslrun serve --port 0 ...`` running in a subprocess: the plugin's
    :class:`~aslrun.testing.endpoint.ServedEndpoint` (started, stopped and killed by its pid) running
    this checkout's code (``src`` and the repository on ``PYTHONPATH``, for the tests' handlers), with
    a state directory when given; ``client()`` is a Step Functions client."""

    def __init__(self, *args: str, state_dir: Path | None = None, env: dict[str, str] | None = None,
                 cwd: Path | None = None) -> None:
        super().__init__([*args, *(["--state-dir", str(state_dir)] if state_dir is not None else [])],
                         cwd=cwd or ROOT, env=env)
        self.state_dir = state_dir

    def start(self, timeout: float | None = 30.0) -> ServerProcess:
        given = dict(self.env)
        self.env = {"PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")]),
                    **given}
        try:
            super().start(timeout)
        finally:
            self.env = given
        return self

    def _launch(self, command: list[str]) -> Any:
        if os.environ.get("ASLRUN_TEST_SERVERS") == "spawn":
            return super()._launch(command)
        return ForkedServer(command[3:], cwd=self.cwd, env={**os.environ, **self.env})

    def client(self, region: str = "us-east-1", **config: Any) -> Any:  # type: ignore[override]
        return client_for(self.url, region, **config)

    def __enter__(self) -> ServerProcess:
        return self.start()


class ForkedServer:
    """A server forked by this test process's zygote, as ``subprocess.Popen`` would show it to
    ServedEndpoint: its pid, its output (stdout and stderr in one pipe, text), ``poll`` and
    ``wait``. ``args``: what follows ``python -m aslrun``."""

    def __init__(self, args: list[str], *, cwd: Path, env: dict[str, str]) -> None:
        read_end, write_end = os.pipe()
        try:
            self.pid = _zygote().fork({"args": args, "cwd": str(cwd), "env": env}, write_end, write_end)
        except BaseException:
            os.close(read_end)
            raise
        finally:
            os.close(write_end)  # the server has its own copy: the pipe ends when the server does
        self.stdout: IO[str] | None = os.fdopen(read_end, "r", buffering=1)
        self._ended = os.pidfd_open(self.pid)  # readable once the server has ended
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            if select.select([self._ended], [], [], 0)[0]:
                self.wait(10)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            try:
                self.returncode = _zygote().returncode(self.pid, timeout)
            except TimeoutError:
                raise subprocess.TimeoutExpired(["aslrun serve", str(self.pid)], timeout or 0) from None
            os.close(self._ended)
        return self.returncode


_ZYGOTE: list[ForkServer] = []
_ZYGOTE_LOCK = threading.Lock()


def _zygote() -> ForkServer:
    """This test process's server zygote, started on first use and ended with the process."""
    with _ZYGOTE_LOCK:
        if not _ZYGOTE:
            env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
            _ZYGOTE.append(ForkServer(ROOT / "tests" / "service" / "server_zygote.py", env=env, cwd=ROOT))
            atexit.register(_ZYGOTE[0].close)
        return _ZYGOTE[0]

"""Starting ``aslrun serve`` in a subprocess on a free port, talking to it, stopping it by its pid.

Tests drive the server the way a user's own suite would: boto3 (or the AWS CLI) with an
``endpoint_url``, over HTTP, against a separate process.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

__all__ = ["ServerProcess", "client_for"]

ROOT = Path(__file__).resolve().parents[2]
_READY = re.compile(r"Step Functions API on (http://\S+)")


def client_for(url: str, region: str = "us-east-1", **config: Any) -> Any:
    """A boto3 Step Functions client for a local endpoint (no retries: a failure shows at once)."""
    options = {"inject_host_prefix": False, "retries": {"total_max_attempts": 1, "mode": "standard"},
               "read_timeout": 70}
    options.update(config)
    return boto3.client("stepfunctions", endpoint_url=url, region_name=region, aws_access_key_id="test",
                        aws_secret_access_key="test", config=Config(**options))


class ServerProcess:
    """``aslrun serve --port 0 ...`` running in a subprocess."""

    def __init__(self, *args: str, state_dir: Path | None = None, env: dict[str, str] | None = None,
                 cwd: Path | None = None) -> None:
        self.args = list(args)
        self.state_dir = state_dir
        self.env = env
        self.cwd = cwd or ROOT
        self.process: subprocess.Popen[str] | None = None
        self.url = ""
        self.output: list[str] = []

    def start(self, timeout: float = 30.0) -> ServerProcess:
        command = [sys.executable, "-m", "aslrun", "serve", "--port", "0", *self.args]
        if self.state_dir is not None:
            command += ["--state-dir", str(self.state_dir)]
        environment = dict(os.environ)
        environment["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT), environment.get("PYTHONPATH", "")])
        environment.update(self.env or {})
        self.process = subprocess.Popen(command, cwd=self.cwd, env=environment, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, bufsize=1)
        ready = threading.Event()

        def read() -> None:
            assert self.process is not None and self.process.stdout is not None
            for line in self.process.stdout:
                self.output.append(line)
                match = _READY.search(line)
                if match and not self.url:
                    self.url = match.group(1)
                    ready.set()
            ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(timeout) or not self.url:
            self.kill()
            raise RuntimeError("aslrun serve did not start:\n" + "".join(self.output))
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def client(self, region: str = "us-east-1", **config: Any) -> Any:
        return client_for(self.url, region, **config)

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM by pid (a clean stop); the exit code."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self) -> None:
        """SIGKILL by pid: the server gets no chance to tidy up (a crash)."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
            self.process.wait(10)

    @property
    def log(self) -> str:
        return "".join(self.output)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

"""``aslrun serve`` started for a test session: the endpoint a suite that tests through the API (boto3,
the AWS CLI, Terraform) points at, as it pointed at Step Functions Local or LocalStack.

:class:`ServedEndpoint` runs ``python -m aslrun serve --port 0 ARGS`` in a subprocess, waits for its
ready line (the URL it listens on; a server that does not start is an error carrying its output),
and stops it by its pid (SIGTERM, then SIGKILL after ``stop_timeout`` seconds). The pytest plugin's
``aslrun_endpoint`` fixture gives one for the session; it binds loopback, as ``aslrun serve`` does.

    def test_the_nightly_run(aslrun_endpoint):
        sfn = aslrun_endpoint.client("stepfunctions")          # or boto3 with endpoint_url=aslrun_endpoint.url
        ...
        with aslrun_endpoint.environment():                    # AWS_ENDPOINT_URL for code that names none
            my_app.run()
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Protocol

__all__ = ["EndpointDidNotStart", "ServedEndpoint"]

_READY = re.compile(r"Step Functions API on (http://\S+)")


class _Process(Protocol):
    """What :class:`ServedEndpoint` uses of the server's process (a ``subprocess.Popen`` has it)."""

    pid: int
    stdout: IO[str] | None
    returncode: int | None

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int: ...


class EndpointDidNotStart(RuntimeError):
    """``aslrun serve`` ended, or said nothing ready, before its timeout (the message holds its output)."""


class ServedEndpoint:
    """One ``aslrun serve`` process (see the module docstring). ``env``: variables added to the
    server's environment."""

    def __init__(self, args: Sequence[str] = (), *, cwd: str | os.PathLike[str] | None = None,
                 env: dict[str, str] | None = None, start_timeout: float = 60.0, stop_timeout: float = 20.0) -> None:
        self.args = list(args)
        self.cwd = Path(cwd) if cwd is not None else Path.cwd()
        self.env = dict(env or {})
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.url = ""
        self.output: list[str] = []
        self.process: _Process | None = None

    @property
    def log(self) -> str:
        """What the server has printed so far (its deliveries, schedules fired, errors)."""
        return "".join(self.output)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def start(self, timeout: float | None = None) -> ServedEndpoint:
        """Start the server and wait (``timeout``, else ``start_timeout`` seconds) for its ready line."""
        command = [sys.executable, "-m", "aslrun", "serve", "--port", "0", *self.args]
        self.process = self._launch(command)
        ready = threading.Event()

        def read() -> None:
            assert self.process is not None and self.process.stdout is not None
            for line in self.process.stdout:
                self.output.append(line)
                found = _READY.search(line)
                if found and not self.url:
                    self.url = found.group(1)
                    ready.set()
            ready.set()  # (ended without the ready line)

        threading.Thread(target=read, name="aslrun-endpoint-output", daemon=True).start()
        if not ready.wait(self.start_timeout if timeout is None else timeout) or not self.url:
            self.kill()
            raise EndpointDidNotStart(f"aslrun serve did not start (arguments: {' '.join(self.args) or 'none'}):\n"
                                      f"{self.log}")
        return self

    def _launch(self, command: list[str]) -> _Process:
        """The server's process, started: a ``subprocess.Popen`` (text, stdout and stderr in one
        pipe). A subclass may start it another way; what is used of it is ``pid``, ``poll()``,
        ``wait(timeout)`` (raising ``subprocess.TimeoutExpired``) and ``stdout``, read line by line."""
        return subprocess.Popen(command, cwd=self.cwd, env={**os.environ, **self.env}, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, bufsize=1)

    def stop(self, timeout: float | None = None) -> int | None:
        """Stop the server (SIGTERM by its pid: a clean stop); its exit status. One still running after
        ``timeout`` (else ``stop_timeout``) seconds is killed, and the wait's TimeoutExpired raised."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
        try:
            return process.wait(self.stop_timeout if timeout is None else timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self) -> None:
        """SIGKILL by its pid: the server gets no chance to tidy up (a crash)."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def client(self, service: str, region: str = "us-east-1", **config: Any) -> Any:
        """A boto3 client of ``service`` (``stepfunctions``, ``lambda``, ``dynamodb``...) for this
        endpoint: test credentials, no retries (a failure shows at once), no host prefix."""
        import boto3  # type: ignore[import-untyped]
        from botocore.config import Config  # type: ignore[import-untyped]

        options: dict[str, Any] = {"inject_host_prefix": False, "retries": {"total_max_attempts": 1}}
        options.update(config)
        return boto3.client(service, endpoint_url=self.url, region_name=region, aws_access_key_id="test",
                            aws_secret_access_key="test", config=Config(**options))

    @contextlib.contextmanager
    def environment(self, region: str = "us-east-1") -> Iterator[dict[str, str]]:
        """Within: every SDK client that names no endpoint reaches this server (``AWS_ENDPOINT_URL``,
        test credentials, the region, no host prefix); the variables as they were afterwards."""
        from ..templates.lambda_runtime import environment_set

        values = {"AWS_ENDPOINT_URL": self.url, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                  "AWS_DEFAULT_REGION": region, "AWS_REGION": region, "AWS_DISABLE_HOST_PREFIX_INJECTION": "true"}
        with environment_set(values):
            yield values

    def __enter__(self) -> ServedEndpoint:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

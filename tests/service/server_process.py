"""Starting ``aslrun serve`` in a subprocess on a free port, talking to it, stopping it by its pid.

Tests drive the server the way a user's own suite would: boto3 (or the AWS CLI) with an
``endpoint_url``, over HTTP, against a separate process.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from aslrun.testing.endpoint import ServedEndpoint

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

    def client(self, region: str = "us-east-1", **config: Any) -> Any:  # type: ignore[override]
        return client_for(self.url, region, **config)

    def __enter__(self) -> ServerProcess:
        return self.start()

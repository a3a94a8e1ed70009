"""Where the tests' ``aslrun serve`` processes come from: a fork server ("zygote", see
:mod:`tests.helpers.fork_server`) that has imported the server, its web stack, the local AWS and
moto once per test process.

Started as ``python -m aslrun serve ...``, each of the suite's hundred-odd servers paid for an
interpreter, aslrun's server, uvicorn and Starlette (about 0.25 s of CPU), and one that reached the
local AWS for moto, its services and boto3's clients too (0.6 s more). Forked from this zygote, a
server starts with all of that done.

A forked server is what ``python -m aslrun serve ARGS`` started in the test's working directory and
environment would be: the request carries the arguments, the directory and the environment; the
child takes them (``os.environ`` replaced, ``sys.path`` that of ``python -m`` there: the directory,
then ``PYTHONPATH``, then the interpreter's own) and runs ``aslrun``'s ``__main__`` with ``runpy``,
as ``-m`` does; its stdout and stderr are the test's pipe. Only modules that read nothing from the
environment when imported are imported here (what the server reads, it reads when it starts); the
tests' own handler modules and the project's ``handlers`` are left to each server to import from
its own path. ``ASLRUN_TEST_SERVERS=spawn`` runs every server as a fresh ``python -m aslrun serve``
instead (tests/service/server_process.py).

    python tests/service/server_zygote.py FD      (the tests start it: tests/service/server_process.py)
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

PRELOAD = (
    # the server, its web stack and what it imports when it starts and serves
    "aslrun", "aslrun.cli", "aslrun.cli.serve", "aslrun.service.server", "aslrun.service.app",
    "aslrun.service.provider", "aslrun.service.runner", "aslrun.service.store", "aslrun.service.recorder",
    "aslrun.service.executions", "aslrun.service.machines", "aslrun.service.activities", "aslrun.service.tasks",
    "aslrun.service.schedules", "aslrun.service.local_aws", "aslrun.service.aws_proxy", "aslrun.service.lambda_api",
    "aslrun.service.console", "aslrun.service.test_state", "aslrun.service.map_runs", "aslrun.service.event_rows",
    "aslrun.service.execution_logs", "aslrun.service.deploy", "aslrun.templates", "aslrun.testing.mock_config",
    "aslrun.localaws", "aslrun.localaws.state_dir", "aslrun.localaws.seed", "aslrun.localaws.journal",
    "uvicorn", "uvicorn.config", "uvicorn.server", "uvicorn.protocols.http.h11_impl", "uvicorn.lifespan.on",
    "uvicorn.loops.asyncio", "starlette.applications", "starlette.requests", "starlette.responses",
    "starlette.routing", "h11", "asyncio", "multiprocessing", "concurrent.futures",
    # the local AWS: boto3, moto and the services the tests' servers reach
    "boto3", "botocore", "moto", "moto.core.models", "moto.moto_api._internal", "moto.backends",
    "moto.sqs.models", "moto.sqs.responses", "moto.sqs.urls", "moto.sns.models", "moto.sns.responses",
    "moto.sns.urls", "moto.s3.models", "moto.s3.responses", "moto.s3.urls", "moto.events.models",
    "moto.events.responses", "moto.events.urls", "moto.iam.models", "moto.iam.access_control", "moto.sts.models",
    "moto.sts.responses", "moto.sts.urls", "moto.scheduler.models", "moto.scheduler.responses",
    "moto.scheduler.urls", "moto.cloudwatch.models", "moto.cloudwatch.responses", "moto.cloudwatch.urls",
    "moto.dynamodb.models", "moto.dynamodb.responses", "moto.dynamodb.urls", "moto.logs.models",
    "moto.logs.responses", "moto.logs.urls", "py_partiql_parser", "jsonpath_ng.ext", "xml.dom.expatbuilder",
)
"""What the zygote imports before it forks (found by listing the modules the suite's servers had
imported when they stopped: every one imported the server and its web stack; a third the local AWS)."""

FIRST_CALLS = {"sqs": "list_queues", "sns": "list_topics", "s3": "list_buckets", "events": "list_event_buses",
               "iam": "list_roles", "sts": "get_caller_identity", "scheduler": "list_schedules",
               "cloudwatch": "list_metrics", "dynamodb": "list_tables", "logs": "describe_log_groups"}
"""The services whose clients a server's local AWS makes (a snapshot reads them), each with a call
that only reads, made once by the zygote's warm-up (:func:`_warm_up`)."""

CLIENTS = tuple(FIRST_CALLS)
"""Those services: their clients are made in the zygote."""


def _preload() -> None:
    import importlib

    for module in PRELOAD:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError:  # (another version of moto or uvicorn): the servers import what they need
            pass
    import botocore.session

    from aslrun.localaws.emulator import prepare
    from tests.helpers.botocore_data import sharing_loader

    botocore.session.create_loader = sharing_loader
    prepare(CLIENTS)
    _warm_up()


def _warm_up() -> None:
    """The first calls of :data:`FIRST_CALLS` and a snapshot, on a local AWS started and
    stopped here: what a server would otherwise work out on its first calls (the clients' event
    names, moto's routes and parsed service models) is then the zygote's. moto's state is dropped
    after (a server starts its own local AWS), and :func:`~tests.helpers.fork_server.assert_safe_to_fork`
    checks that nothing of it is left before each fork."""
    from moto.core.base_backend import BackendDict

    from aslrun.localaws import LocalAws

    with LocalAws(reset=True, autosave=False) as aws:
        for service, call in FIRST_CALLS.items():
            getattr(aws.client(service), call)()
        aws.snapshot()
    BackendDict.reset()


def _become_server(request: dict[str, Any], own_path: list[str]) -> None:
    """In a forked child: the working directory, environment and ``sys.path`` of ``python -m aslrun
    ARGS`` started there, and its arguments."""
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    python_path = request["env"].get("PYTHONPATH", "")
    given = [entry or os.getcwd() for entry in python_path.split(os.pathsep)] if python_path else []  # ("": here)
    sys.path[:] = [os.getcwd(), *given, *own_path]
    sys.argv = ["-m", *request["args"]]


if __name__ == "__main__":
    # sys.path but this script's folder and the zygote's PYTHONPATH: the interpreter's own
    zygote_given = {entry for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep) if entry}
    interpreter_path = [entry for entry in sys.path[1:] if entry not in zygote_given]
    _preload()
    gc.collect()
    gc.freeze()
    from tests.helpers.fork_server import serve

    server_request = serve(int(sys.argv[1]))  # returns in each forked server, never in the zygote
    _become_server(server_request, interpreter_path)
    import runpy

    runpy.run_module("aslrun", run_name="__main__", alter_sys=True)

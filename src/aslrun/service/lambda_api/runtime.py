"""Running the functions created through the API: a Python function's handler is imported from its
unpacked archive and called as Lambda's Python runtime calls it
(:class:`~aslrun.templates.lambda_runtime.PythonFunction`: imported in isolation, its environment
set, stopped at its Timeout, failures as Lambda reports them); a function in another runtime is
invoked at ``--lambda-endpoint`` when the server has one.

An imported function is kept, as a warm Lambda environment is, until its configuration or code
changes (a new ``RevisionId``): the next invocation imports it again.
"""

from __future__ import annotations

import contextlib
import io
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...integrations.handler_call import LambdaContext
from ...templates.lambda_runtime import PythonFunction, layer_paths
from .code_store import CodeStore
from .configuration import PYTHON_RUNTIMES
from .errors import LambdaError

__all__ = ["Runtimes"]


class Runtimes:
    def __init__(self, codes: CodeStore, *, remote_endpoint: str | None,
                 layer_content: Callable[[str], Path | None] = lambda arn: None) -> None:
        self.codes = codes
        self.remote_endpoint = remote_endpoint
        self.layer_content = layer_content  # a layer version's ARN -> its unpacked archive (None: not here)
        self._warm: dict[tuple[str, str], Any] = {}  # (qualified ARN, revision) -> the callable
        self._lock = threading.Lock()

    def check_runnable(self, runtime: Any) -> None:
        """Refuse, at CreateFunction, a runtime no invocation could run."""
        if runtime in PYTHON_RUNTIMES or (isinstance(runtime, str) and self.remote_endpoint):
            return
        raise LambdaError("InvalidParameterValueException",
                          f"aslrun serve runs Python functions ({', '.join(PYTHON_RUNTIMES)}); a {runtime} function "
                          "runs when the server is given --lambda-endpoint (e.g. sam local start-lambda's)")

    def function(self, config: dict[str, Any], digest: str) -> Any:
        """The callable ``(event, context)`` that runs this configuration of a function."""
        key = (config["FunctionArn"], config["RevisionId"])
        with self._lock:
            found = self._warm.get(key)
            if found is not None:
                return found
            stale = [k for k in self._warm if k[0] == key[0]]
            for old in stale:
                del self._warm[old]
            made = self._make(config, digest)
            self._warm[key] = made
            return made

    def _make(self, config: dict[str, Any], digest: str) -> Any:
        name, version = config["FunctionName"], config["Version"]
        if config["Runtime"] not in PYTHON_RUNTIMES:
            from ...integrations.remote_lambda import RemoteLambda

            if not self.remote_endpoint:
                raise LambdaError("ServiceException", f"aslrun serve cannot run a {config['Runtime']} function "
                                                      "without --lambda-endpoint")
            return RemoteLambda(self.remote_endpoint, function_name=name)
        region = config["FunctionArn"].split(":")[3]
        environment = dict((config.get("Environment") or {}).get("Variables") or {})
        environment["AWS_LAMBDA_FUNCTION_VERSION"] = version
        layers, libraries = self._layers(config)
        return PythonFunction(logical_id=f"{name}_{version.strip('$')}", name=name,
                              code_dir=self.codes.unpacked(digest), handler=config["Handler"],
                              runtime=config["Runtime"], environment=environment, timeout=config["Timeout"],
                              memory=config["MemorySize"], region=region, layers=layers, libraries=libraries)

    def _layers(self, config: dict[str, Any]) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
        """The python directories and site-packages of the function's layers published here, a later
        layer first (its files overwrite an earlier one's on Lambda); others are left to the interpreter."""
        python_dirs: list[Path] = []
        libraries: list[Path] = []
        for layer in config.get("Layers") or []:
            content = self.layer_content(layer["Arn"])
            if content is None:
                continue
            python_dir, packages = layer_paths(content, config["Runtime"])
            if python_dir is not None:
                python_dirs.append(python_dir)
            libraries += packages
        return tuple(reversed(python_dirs)), tuple(reversed(libraries))


def context_for(config: dict[str, Any], invoked_arn: str, request_id: str, client_context: Any = None) -> LambdaContext:
    """The ``context`` an invocation of this configuration receives."""
    return LambdaContext(function_name=config["FunctionName"], invoked_function_arn=invoked_arn,
                         aws_request_id=request_id, deadline=None, function_version=config["Version"],
                         memory_limit_in_mb=config["MemorySize"], client_context=client_context)


class PrintedOutput(io.TextIOBase):
    """What a function prints while it runs: kept for ``LogType: Tail`` and passed on to the
    server's own output (where a developer watches the server)."""

    def __init__(self) -> None:
        self.kept = io.StringIO()
        self.passed_to = sys.stdout

    def write(self, text: str) -> int:
        self.kept.write(text)
        try:
            self.passed_to.write(text)
        except (OSError, ValueError):
            pass
        return len(text)

    def flush(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.passed_to.flush()

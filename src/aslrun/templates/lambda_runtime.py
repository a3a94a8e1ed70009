"""A template's Python function as a handler: imported in isolation, run as Lambda's Python runtime runs it.

:class:`PythonFunction` is the callable ``(event, context)`` bound to a function's name. It does
what Lambda's runtime does around the function's handler:

* **import in isolation.** Each function's code directory is a world of its own on Lambda: two
  functions may both have ``app.py`` (or ``utils.py``, or a vendored package) and each sees its
  own. Here they share one interpreter, so the handler module is imported with its code directory
  first on ``sys.path`` *only while importing*, any modules of the same names already loaded (an
  earlier function's ``app``, the project's own ``tests``) set aside meanwhile, and every module
  loaded from the code directory re-registered afterwards under a private package name
  (``aslrun_fn_<Function>_<hash>.app``). The next function then imports its own ``app``.
  Package handlers (``pkg.module.function``, ``pkg/sub.module.function``) work the same way;
* **environment.** ``Environment.Variables`` and Lambda's own variables (``AWS_REGION``,
  ``AWS_LAMBDA_FUNCTION_NAME``, ``LAMBDA_TASK_ROOT``, ``_HANDLER``, ...) are set while the module
  is imported (Lambda's init) and while each invocation runs, and restored afterwards;
* **timeout.** The handler is given ``Timeout`` seconds, as every timed handler call is
  (:func:`~aslrun.integrations.handler_call.within_time_limit`: stopped in place on the main
  thread, else abandoned on a kept thread), and the invocation fails as Lambda reports it:
  ``Sandbox.Timedout``, "Task timed out after 3.00 seconds". ``context.get_remaining_time_in_millis()`` counts down to that deadline;
* **errors.** A handler that cannot be imported fails the way Lambda's runtime reports it
  (``Runtime.ImportModuleError``, ``Runtime.HandlerNotFound``, ``Runtime.UserCodeSyntaxError``,
  ``Runtime.MalformedHandlerName``); :meth:`PythonFunction.load` raises the same as
  :class:`ImportFailed` so a template naming a missing handler is refused when it is loaded.

While an invocation runs, the code directory is first on ``sys.path`` again and the function's
modules are back under their own names, so a module the handler imports lazily, inside its body,
is found as on Lambda (:func:`function_world`).

Limits (documented, not hidden): the environment and ``sys.path`` are process-wide, so handlers
must not run concurrently in one process (aslrun runs them one at a time); the modules keep the names Lambda gives
them (``app.handler.__module__ == "app"``) while ``sys.modules`` holds them under the private
name, so code that looks a module up by ``__module__`` later (pickling) does not find it; dependencies (``requirements.txt``) must be
installed in the running interpreter, as ``sam build`` would vendor them.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import importlib
import json
import os
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..integrations.handler_call import HandlerTimedOut, LambdaFunctionError, lambda_error_document, within_time_limit
from .code_cache import compiled_once

__all__ = ["ImportFailed", "PythonFunction", "environment_set", "layer_paths"]


class ImportFailed(Exception):
    """The handler cannot be imported: ``error_type`` and message as Lambda's runtime reports them."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


class PythonFunction:
    """The handler of one Python function of a template, Lambda-style (see the module docstring)."""

    def __init__(self, *, logical_id: str, name: str, code_dir: Path, handler: str, runtime: str,
                 environment: dict[str, str], timeout: int, memory: int, region: str,
                 layers: tuple[Path, ...] = (), libraries: tuple[Path, ...] = ()) -> None:
        self._arguments = {"logical_id": logical_id, "name": name, "code_dir": code_dir, "handler": handler,
                           "runtime": runtime, "environment": dict(environment), "timeout": timeout,
                           "memory": memory, "region": region, "layers": tuple(layers),
                           "libraries": tuple(libraries)}
        self.logical_id = logical_id
        self.name = name
        self.code_dir = code_dir
        #: the function's own code first, then its layers' (each layer's ``python`` directory, the last
        #: layer first: on Lambda a later layer's files overwrite an earlier one's in /opt)
        self.code_dirs = (code_dir, *layers)
        self.libraries = tuple(libraries)  # the layers' site-packages: dependencies, loaded once per process
        self.handler = handler
        self.timeout = timeout
        self.memory = memory
        digest = hashlib.sha256(str(code_dir).encode()).hexdigest()[:8]
        self.namespace = f"aslrun_fn_{_identifier(logical_id)}_{digest}"
        self.environment = {
            "AWS_REGION": region, "AWS_DEFAULT_REGION": region, "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(timeout), "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
            "LAMBDA_TASK_ROOT": str(code_dir), "_HANDLER": handler, **environment,
        }
        self._function: Callable[[Any, Any], Any] | None = None
        self.module: types.ModuleType | None = None  # the handler's module, once imported
        self._lock = threading.Lock()

    def __reduce__(self) -> tuple[Any, ...]:
        """Sent to a handler worker process (``handler_processes``) as what it is made of: the worker
        makes its own, once, which imports the function there, as a Lambda environment of its own
        would (none of this process's module state goes with it)."""
        return _function_in_this_process, (self._arguments,)

    def load(self) -> Callable[[Any, Any], Any]:
        """Import the handler (once); :class:`ImportFailed` when it cannot be."""
        with self._lock:
            if self._function is None:
                with self._environment_set():
                    self._function = self._import()
            return self._function

    def __call__(self, event: Any, context: Any) -> Any:
        try:
            function = self.load()
        except ImportFailed as failed:
            raise LambdaFunctionError(failed.error_type, {"errorMessage": failed.message,
                                                          "errorType": failed.error_type,
                                                          "requestId": context.aws_request_id,
                                                          "stackTrace": []}) from None
        context = self._context_with_deadline(context)
        with self._environment_set(), function_world(self.code_dirs, self.namespace, self.libraries):
            return self._run(function, event, context)

    # -- running ----------------------------------------------------------------------------------

    def _run(self, function: Callable[[Any, Any], Any], event: Any, context: Any) -> Any:
        def invoke() -> Any:
            try:
                return function(event, context)
            except Exception as exc:  # the function's own failure: Lambda's error document, made here
                raise LambdaFunctionError(type(exc).__name__, lambda_error_document(exc, context.aws_request_id)) from exc

        try:  # the shared mechanism of timed handler calls: stopped in place, or abandoned on a kept thread
            return within_time_limit(invoke, self.timeout)
        except HandlerTimedOut:
            message = f"RequestId: {context.aws_request_id} Error: Task timed out after {self.timeout:.2f} seconds"
            raise LambdaFunctionError("Sandbox.Timedout", {"errorMessage": message, "errorType": "Sandbox.Timedout"}) from None

    def _context_with_deadline(self, context: Any) -> Any:
        """The context, its remaining time counting down to this function's Timeout."""
        if not hasattr(context, "_deadline"):
            return context
        mine = copy.copy(context)
        deadline = time.monotonic() + self.timeout
        mine._deadline = deadline if context._deadline is None else min(deadline, context._deadline)
        mine.memory_limit_in_mb = self.memory
        return mine

    def _environment_set(self) -> Any:
        return environment_set(self.environment)

    # -- importing --------------------------------------------------------------------------------

    def _import(self) -> Callable[[Any, Any], Any]:
        module_path, dot, attribute = self.handler.rpartition(".")
        if not dot or not module_path or not attribute:
            raise ImportFailed("Runtime.MalformedHandlerName",
                               f"Bad handler '{self.handler}': not enough values to unpack (expected 2, got 1)")
        module_name = module_path.replace("/", ".")
        module = import_isolated(self.code_dirs, module_name, self.namespace, self.libraries)
        self.module = module
        function = getattr(module, attribute, None)
        if not callable(function):
            raise ImportFailed("Runtime.HandlerNotFound", f"Handler '{attribute}' missing on module '{module_path}'")
        return function  # type: ignore[no-any-return]


@contextmanager
def environment_set(values: dict[str, str]) -> Iterator[None]:
    """Within: these environment variables set; each as it was (or unset) afterwards."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def layer_paths(content: Path, runtime: str) -> tuple[Path | None, list[Path]]:
    """A layer's python directory (None when it has none) and its site-packages directories (the
    function's Python version's first). Without a ``python`` directory, a layer whose top holds
    Python modules is the source ``sam build`` lays out under ``python/`` (``BuildMethod:
    python3.x``, which SAM's translation does not keep): it is its own python directory."""
    python = content / "python"
    if not python.is_dir():
        modules = any(entry.suffix == ".py" or (entry / "__init__.py").is_file() for entry in content.iterdir())
        return (content if modules else None), []
    version = runtime.removeprefix("python")
    packages = sorted(python.glob("lib/python3*/site-packages"), key=lambda p: p.parent.name != f"python{version}")
    return python, packages


_MADE_HERE: dict[str, PythonFunction] = {}  # a worker process's functions, by what they are made of


def _function_in_this_process(arguments: dict[str, Any]) -> PythonFunction:
    """The function made of ``arguments`` in this process (made on first use, then kept)."""
    key = json.dumps(arguments, sort_keys=True, default=str)
    function = _MADE_HERE.get(key)
    if function is None:
        function = _MADE_HERE[key] = PythonFunction(**arguments)
    return function


def import_isolated(code_dirs: Path | Sequence[Path], module_name: str, namespace: str,
                    libraries: Sequence[Path] = ()) -> types.ModuleType:
    """Import ``module_name`` from ``code_dirs`` (a function's code, then its layers') without touching,
    or leaving behind, modules of the same names.

    Modules loaded from the code directories end up registered as ``<namespace>.<name>`` only;
    ``libraries`` (layers' site-packages) are on ``sys.path`` meanwhile, after them, and what is
    loaded from there stays loaded under its own name, as an installed dependency does."""
    roots = _as_roots(code_dirs)
    own = _own_names(roots)
    hidden = {key: sys.modules.pop(key) for key in list(sys.modules) if key.partition(".")[0] in own}
    before = set(sys.modules)
    importlib.invalidate_caches()
    try:
        with _on_path(roots, libraries):
            return importlib.import_module(module_name)
    except SyntaxError as exc:
        raise ImportFailed("Runtime.UserCodeSyntaxError",
                           f"Syntax error in module '{module_name}': {exc.msg} ({Path(exc.filename or '').name}, "
                           f"line {exc.lineno})") from None
    except ImportError as exc:
        raise ImportFailed("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}") from None
    except Exception as exc:  # the module's own code failed while it was imported (Lambda's init)
        raise ImportFailed(type(exc).__name__, f"{exc} (while importing module '{module_name}')") from None
    finally:
        _rename_loaded(set(sys.modules) - before, roots, own, namespace)
        sys.modules.update(hidden)


@contextmanager
def function_world(code_dirs: Path | Sequence[Path], namespace: str, libraries: Sequence[Path] = ()) -> Iterator[None]:
    """While an invocation runs, the function's code directories are what Lambda makes them: first on
    ``sys.path`` (its own code, then its layers', then the layers' site-packages), its modules under
    their own names, so what the handler imports lazily, inside its body, is found there (and then
    kept under ``namespace`` like the rest)."""
    roots = _as_roots(code_dirs)
    own = _own_names(roots)
    hidden = {key: sys.modules.pop(key) for key in list(sys.modules) if key.partition(".")[0] in own}
    prefix = namespace + "."
    mine = {key[len(prefix):]: module for key, module in list(sys.modules.items()) if key.startswith(prefix)}
    sys.modules.update(mine)
    before = set(sys.modules)
    try:
        with _on_path(roots, libraries):
            yield
    finally:
        for key in mine:
            sys.modules.pop(key, None)  # still there under the function's private names
        _rename_loaded(set(sys.modules) - before, roots, own, namespace)
        sys.modules.update(hidden)


def _as_roots(code_dirs: Path | Sequence[Path]) -> list[Path]:
    return [code_dirs] if isinstance(code_dirs, (str, os.PathLike)) else list(code_dirs)  # type: ignore[list-item]


def _own_names(roots: Sequence[Path]) -> set[str]:
    """The module names the code directories define at their tops, but the interpreter's own."""
    names: set[str] = set()
    for root in roots:
        names |= _top_level_names(root)
    return names - _KEPT


@contextmanager
def _on_path(roots: Sequence[Path], libraries: Sequence[Path]) -> Iterator[None]:
    """The code directories first on ``sys.path`` (then the libraries), each compiled once."""
    folders = [str(root) for root in roots] + [str(library) for library in libraries]
    sys.path[:0] = folders
    try:
        with contextlib.ExitStack() as stack:
            for root in reversed(roots):  # (each finder goes first: the function's own code ends up before its layers')
                stack.enter_context(compiled_once(root))
            yield
    finally:
        for folder in folders:
            if folder in sys.path:
                sys.path.remove(folder)


# modules loaded before any function code (the standard library, aslrun itself) stay as they are, as
# the ones Lambda's runtime loads before the function's code do
_KEPT = set(sys.stdlib_module_names) | set(sys.builtin_module_names) | {"aslrun"}


def _top_level_names(code_dir: Path) -> set[str]:
    """The module names the code directory defines at its top (``app`` for app.py, ``pkg`` for pkg/)."""
    names: set[str] = set()
    try:
        entries = list(code_dir.iterdir())
    except OSError:
        return names
    for entry in entries:
        if entry.is_dir() and entry.name.isidentifier():
            names.add(entry.name)
        elif entry.suffix in (".py", ".pyc", ".so", ".pyd"):
            names.add(entry.name.split(".", 1)[0])
    return names


def _rename_loaded(new_names: set[str], roots: Sequence[Path], own: set[str], namespace: str) -> None:
    """Move the modules just loaded from the code directories (``roots``) under ``namespace`` in
    ``sys.modules``.

    Only modules of the names the code directories define at their tops (``own``) are the function's:
    a dependency imported from a virtual environment that happens to sit inside a code directory
    (``.venv/lib/.../site-packages``), or from a layer's site-packages, is the interpreter's and stays
    loaded once, under its own name (a compiled extension cannot be loaded a second time in one
    process)."""
    places = [os.path.realpath(root) for root in roots]
    moved = False
    for key in sorted(new_names):
        module = sys.modules.get(key)
        if module is not None and key.partition(".")[0] in own and any(_defined_in(module, place) for place in places):
            sys.modules[f"{namespace}.{key}"] = sys.modules.pop(key)
            moved = True
    if moved and namespace not in sys.modules:
        package = types.ModuleType(namespace, f"the modules of the Lambda function code in {places[0]}")
        package.__path__ = []
        sys.modules[namespace] = package


def _defined_in(module: types.ModuleType, root: str) -> bool:
    places = [getattr(module, "__file__", None) or "", *list(getattr(module, "__path__", None) or [])]
    return any(place and os.path.realpath(place).startswith(root + os.sep) for place in places)


def _identifier(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text)

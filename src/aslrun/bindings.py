"""Bindings: which Python callable runs when a Task calls a resource.

Handlers are Lambda-style callables ``(event, context) -> result``. Bind them by

* Lambda function name: ``{"ValidateMeterReading": fn}`` serves every form of that function's
  name: ``ValidateMeterReading``, ``ValidateMeterReading:live``, its full or partial ARN;
* exact string: a full function ARN (with qualifier) or any Task resource ARN
  (``"arn:aws:states:::dynamodb:putItem": fn``) - an exact key wins over a name;
* a Lambda-style handler string instead of a callable: ``"handlers.metering.validate.handler"``
  or ``"handlers.metering.validate:handler"`` (imported when bound, as Lambda imports it).

Two fallbacks serve what nothing is bound to: ``lambda_fallback``, a handler for every Lambda
function not bound by name (e.g. one that calls a Lambda Invoke endpoint; one with a
``handler_for(reference)`` method is asked, and may answer None: nothing serves that name), and ``machine_resolver``,
which finds the state machine a nested execution names (e.g. in a server's store).

:func:`load_handlers_module` reads a module (dotted name or ``.py`` file) whose ``HANDLERS`` dict
holds such bindings: what ``aslrun execute --handlers`` loads.
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from .errors import BindingError
from .integrations.lambda_ import parse_function_name

__all__ = ["Bindings", "Handler", "load_handler", "load_handlers_module"]

Handler = Callable[[Any, Any], Any]

_VERSIONS = itertools.count(1)


class Bindings:
    """The handlers of one execution (or of many: bindings are read-only while running)."""

    def __init__(self, handlers: Mapping[str, Handler | str] | None = None, *,
                 lambda_fallback: Handler | None = None,
                 machine_resolver: Callable[[str], Any] | None = None) -> None:
        self._exact: dict[str, Handler] = {}
        self._by_function_name: dict[str, Handler] = {}
        self._machines: dict[str, Any] = {}
        self.lambda_fallback = lambda_fallback
        self.machine_resolver = machine_resolver
        self.activities: Any = None  # who offers activity tasks to workers (a server's broker)
        self.handler_gate: Any = None  # bounds the handlers running at once across threads (a server's)
        self.version = next(_VERSIONS)  # changes whenever a binding is added (cached checks notice)
        for key, handler in (handlers or {}).items():
            self.bind(key, handler)

    def bind(self, key: str, handler: Handler | str | Any) -> None:
        """Bind a handler (callable or handler string), or a StateMachine to a state machine ARN/name."""
        self.version = next(_VERSIONS)
        if hasattr(handler, "program") and hasattr(handler, "start"):  # a StateMachine
            self._machines[key] = handler
            self._machines[key.rsplit(":", 1)[-1]] = handler
            return
        fn = load_handler(handler) if isinstance(handler, str) else handler
        if not callable(fn):
            raise BindingError(f"the handler bound to {key!r} is not callable: {handler!r}")
        self._exact[key] = fn
        parsed = parse_function_name(key) if not key.startswith("arn:aws:states:") else None
        if parsed is not None:
            self._by_function_name[parsed[0]] = fn

    def lambda_handler(self, function_reference: str) -> Handler | None:
        """The handler for a FunctionName / function ARN, in any form Lambda accepts."""
        exact = self._exact.get(function_reference)
        if exact is not None:
            return exact
        parsed = parse_function_name(function_reference)
        if parsed is None:
            return None
        bound = self._by_function_name.get(parsed[0])
        if bound is not None:
            return bound
        narrows = getattr(self.lambda_fallback, "handler_for", None)  # a fallback serving some names only
        return narrows(function_reference) if narrows is not None else self.lambda_fallback

    def service_handler(self, resource: str) -> Handler | None:
        return self._exact.get(resource)

    def state_machine(self, arn: str) -> Any:
        """The StateMachine bound to a state machine ARN (or its name), or None."""
        bound = self._machines.get(arn) or self._machines.get(arn.rsplit(":", 1)[-1])
        if bound is None and self.machine_resolver is not None:
            return self.machine_resolver(arn)
        return bound

    def without_state_machines(self) -> Bindings:
        """These bindings with no state machine bound (a server resolves nested ones from its store)."""
        out = self.merged(None)
        out._machines = {}
        return out

    def names(self) -> list[str]:
        return sorted(self._exact)

    def __contains__(self, key: str) -> bool:
        return key in self._exact

    def merged(self, other: Bindings | Mapping[str, Handler | str] | None) -> Bindings:
        out = Bindings()
        out._exact = dict(self._exact)
        out._by_function_name = dict(self._by_function_name)
        out._machines = dict(self._machines)
        out.lambda_fallback = self.lambda_fallback
        out.machine_resolver = self.machine_resolver
        out.activities = self.activities
        out.handler_gate = self.handler_gate
        out.version = next(_VERSIONS)
        if isinstance(other, Bindings):
            out.lambda_fallback = other.lambda_fallback or out.lambda_fallback
            out.machine_resolver = other.machine_resolver or out.machine_resolver
            out.activities = other.activities or out.activities
            out.handler_gate = other.handler_gate or out.handler_gate
            out._exact.update(other._exact)
            out._by_function_name.update(other._by_function_name)
            out._machines.update(other._machines)
        elif other:
            for key, handler in other.items():
                out.bind(key, handler)
        return out


def load_handler(reference: str) -> Handler:
    """Import ``module.function`` or ``module:function`` (Lambda's handler string)."""
    module_name, sep, attribute = reference.partition(":")
    if not sep:
        module_name, _, attribute = reference.rpartition(".")
    if not module_name or not attribute:
        raise BindingError(f"a handler string is 'module.function' or 'module:function', not {reference!r}")
    module = _import(module_name)
    try:
        fn = getattr(module, attribute)
    except AttributeError:
        raise BindingError(f"module {module_name!r} has no attribute {attribute!r} (handler {reference!r})") from None
    if not callable(fn):
        raise BindingError(f"{reference!r} is not callable")
    return fn  # type: ignore[no-any-return]


def load_handlers_module(source: str) -> dict[str, Handler | str]:
    """The ``HANDLERS`` mapping of a module given by dotted name or ``.py`` path."""
    if source.endswith(".py") or os.sep in source or "/" in source:
        path = Path(source)
        if not path.is_file():
            raise BindingError(f"handlers file not found: {source}")
        spec = importlib.util.spec_from_file_location(f"aslrun_handlers_{abs(hash(str(path.resolve())))}", path)
        if spec is None or spec.loader is None:
            raise BindingError(f"cannot load handlers file: {source}")
        module = importlib.util.module_from_spec(spec)
        sys.path.insert(0, str(path.resolve().parent))
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            raise BindingError(f"loading handlers file {source} failed: {type(exc).__name__}: {exc}") from exc
        finally:
            sys.path.pop(0)
    else:
        module = _import(source)
    handlers = getattr(module, "HANDLERS", None)
    if not isinstance(handlers, Mapping):
        raise BindingError(f"{source} defines no HANDLERS dict (function name -> callable)")
    return dict(handlers)


def _import(module_name: str) -> Any:
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)  # like `python -m`: the project's own packages (handlers/...) import
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        raise BindingError(f"cannot import handler module {module_name!r}: {exc}") from exc


def unbound_functions(names: Iterable[tuple[str, str]], bindings: Bindings) -> list[str]:
    """Messages for the (state, function) pairs that no handler serves."""
    return [f"state '{state}': no handler is bound to Lambda function '{name}'"
            for state, name in names if bindings.lambda_handler(name) is None]

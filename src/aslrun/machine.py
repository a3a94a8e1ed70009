"""The public entry point: a state machine definition, validated and compiled once, run many times.

    from aslrun import StateMachine
    machine = StateMachine.from_file("machines/billing.asl.json", substitutions={...})
    execution = machine.execute({"meterId": "M1", ...}, handlers={"ValidateMeterReading": fn, ...})
    execution.status, execution.output, execution.error, execution.cause, execution.history
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .bindings import Bindings, Handler
from .engine.clock import Clock
from .engine.execution import PAYLOAD_LIMIT_BYTES, Execution
from .errors import BindingError, DefinitionError, InputError, UnboundResourceWarning
from .jsondepth import MAX_DEPTH, too_deep
from .jsontext import json_value_problem
from .model.known_valid import definition_problems
from .model.problems import INVALID_JSON_DESCRIPTION, Problem
from .history import AWS_HISTORY_LIMIT, Event
from .integrations.catalog import INTEGRATIONS
from .states.compile import Builder, compile_branch

__all__ = ["StateMachine"]


class StateMachine:
    """A validated, compiled state machine definition."""

    def __init__(self, definition: Mapping[str, Any], *, name: str = "StateMachine", source: str | None = None,
                 validate: bool = True, substitutions: Mapping[str, str] | None = None) -> None:
        self.definition = dict(definition)
        self.name = name
        self.source = source
        self.substitutions = dict(substitutions or {})
        self._siblings: dict[str, StateMachine | None] = {}
        #: how the machine is deployed, when it comes from a template: ``handlers`` (Bindings), ``region``,
        #: ``account``; :meth:`start` runs it so unless told otherwise (given handlers are added on top)
        self.deployment: dict[str, Any] = {}
        self._deployed_cache: tuple[Any, int, Bindings] | None = None
        #: the bindings last checked (by id): their version and what they left unbound
        self._checked_bindings: dict[int, tuple[int, list[str]]] = {}
        unusable = json_value_problem(self.definition, root="")
        if unusable is not None:
            where, what = unusable
            if not where and too_deep(self.definition):
                what = f"the definition nests more than {MAX_DEPTH} levels deep (aslrun's limit)"
            raise DefinitionError([Problem(where, what, INVALID_JSON_DESCRIPTION)], source=source)
        if validate:
            problems = definition_problems(self.definition)
            if problems:
                raise DefinitionError(problems, source=source)
        try:
            build = Builder(self.definition.get("QueryLanguage", "JSONPath"), services=INTEGRATIONS)
            self.program = compile_branch(self.definition, build)
        except (ValueError, KeyError, TypeError) as exc:
            raise DefinitionError([f"cannot compile the definition: {exc}"], source=source) from exc
        self.timeout_seconds: int | None = self.definition.get("TimeoutSeconds")
        # the states whose resources the check before a run looks at (Tasks, Maps: see unbound_resources),
        # found once: each run of a machine of 500 Pass states walked all 500 (w3_parallel: a third of its time)
        self._resource_states = [state for state in self.program.walk() if _has_resources(state)]

    # -- construction ---------------------------------------------------------------------------

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, substitutions: Mapping[str, str] | None = None,
                  name: str | None = None) -> StateMachine:
        """Load a definition file (JSON), apply ``${Name}`` substitutions, validate and compile it."""
        from .model.loader import load_definition

        try:
            definition = load_definition(Path(path), substitutions=substitutions)
            return cls(definition, name=name or _machine_name(path), source=os.fspath(path),
                       substitutions=substitutions)
        except RecursionError:
            raise DefinitionError(["the definition is nested too deeply to read"], source=os.fspath(path)) from None

    @classmethod
    def from_json(cls, text: str, *, substitutions: Mapping[str, str] | None = None,
                  name: str = "StateMachine") -> StateMachine:
        from .model.loader import load_definition

        return cls(load_definition(text, substitutions=substitutions), name=name)

    # -- running --------------------------------------------------------------------------------

    def start(
        self,
        input: Any = None,
        *,
        handlers: Mapping[str, Handler | str] | Bindings | None = None,
        clock: Clock | None = None,
        name: str | None = None,
        seed: int | None = 0,
        history_keep: int | None = AWS_HISTORY_LIMIT,
        listeners: list[Callable[[Event], None]] | None = None,
        region: str | None = None,
        account: str | None = None,
        payload_limit: int | None = PAYLOAD_LIMIT_BYTES,
        history_limit: int | None = AWS_HISTORY_LIMIT,
        scheduler: Any = None,
        parent: Execution | None = None,
        task_interceptor: Callable[[Any, Any], Any] | None = None,
        watcher: Callable[[Execution], None] | None = None,
        check_bindings: bool = True,
        strict_bindings: bool = False,
        role_arn: str | None = None,
        handler_threads: int | None = None,
        handler_processes: int | None = None,
    ) -> Execution:
        """An execution ready to run (``run()``), e.g. for stepping through it.

        ``handler_threads=N`` runs Lambda handlers on N threads, so a Map's iterations (up to its
        MaxConcurrency) and a Parallel's branches have their handlers running at once, as on AWS:
        handlers that wait on I/O overlap; the history's order then follows the calls' ends (see
        :mod:`aslrun.engine.handler_threads`). None (the default): one handler at a time, the same
        history every run. ``handler_processes=N`` does the same with each call made in one of N
        worker processes, for handlers that compute (see :mod:`aslrun.integrations.handler_processes`),
        and runs each iteration of an inline Map that only computes whole in one of N forked workers
        (see :mod:`aslrun.integrations.iteration_pool`).

        ``watcher`` is told of the execution and of every execution it starts, as each is created.
        ``history_limit=None`` lifts AWS's cap of 25,000 history events (and ``payload_limit=None`` the
        256 KiB payload limit), for benchmarks of runs AWS would refuse; nested executions inherit both.
        Every Task's resource is checked before the run: one that nothing serves (no handler, no
        mock, no local emulation) is an :class:`~aslrun.errors.UnboundResourceWarning`, and a Task
        that reaches it fails as it would on AWS (untaken branches may stay unbound, as mock-config
        suites leave them); ``strict_bindings=True`` makes it a :class:`~aslrun.errors.BindingError`
        instead, ``check_bindings=False`` skips the check (a server runs machines so)."""
        workers = None
        if handler_processes is not None:
            if handler_threads is not None:
                raise ValueError("give handler_threads or handler_processes, not both")
            from .integrations.handler_processes import handler_processes as worker_pool

            workers = worker_pool(handler_processes)
            handler_threads = handler_processes
        unusable = json_value_problem(input)
        if unusable is not None:
            where, what = unusable
            if where == "$" and too_deep(input):
                raise InputError(f"the execution input nests more than {MAX_DEPTH} levels deep (aslrun's limit)")
            raise InputError(f"the execution input is not usable JSON at {where}: {what}")
        deployed = self.deployment
        region = region or deployed.get("region") or "us-east-1"
        account = account or deployed.get("account") or "123456789012"
        bindings = handlers if isinstance(handlers, Bindings) else Bindings(handlers)
        if deployed.get("handlers") is not None and parent is None and bindings is not deployed["handlers"]:
            bindings = self._deployed_bindings(bindings)
        covers = getattr(task_interceptor, "covers", None)  # mocked states need no binding
        if parent is None and check_bindings:
            self._check_bindings(bindings, covers, strict_bindings)
        return Execution(
            self.program,
            {} if input is None else input,
            bindings=bindings,
            state_machine_name=self.name,
            name=name,
            clock=clock,
            seed=seed,
            timeout_seconds=self.timeout_seconds,
            history_keep=history_keep,
            history_limit=history_limit,
            listeners=listeners,
            region=region,
            account=account,
            payload_limit=payload_limit,
            scheduler=scheduler,
            parent=parent,
            machine=self,
            task_interceptor=task_interceptor,
            watcher=watcher,
            role_arn=role_arn,
            handler_threads=handler_threads,
            handler_processes=workers,
        )

    def _check_bindings(self, bindings: Bindings, covers: Any, strict: bool) -> None:
        """Every Task's resource served (see :meth:`start`): a warning for those nothing serves, or with
        ``strict`` a :class:`BindingError`. The same bindings (same version) are walked once."""
        checked = self._checked_bindings.get(id(bindings))
        if covers is None and checked is not None and checked[0] == bindings.version:
            unbound, fresh = checked[1], False
        else:
            unbound, fresh = self.unbound_resources(bindings, covered=covers), True
            if covers is None:
                self._checked_bindings = {id(bindings): (bindings.version, unbound)}
        if unbound and strict:
            raise BindingError("\n".join(unbound))
        if unbound and fresh:
            import warnings

            warnings.warn("\n".join([*unbound, "(a Task that reaches one of these fails as on AWS; "
                                              "strict_bindings / --strict-bindings refuses the run instead)"]),
                          UnboundResourceWarning, stacklevel=3)

    def _deployed_bindings(self, given: Bindings) -> Bindings:
        """The template's bindings with the given ones on top (the same object for the same given ones,
        so the check of bindings before a run is made once)."""
        cached = self._deployed_cache
        if cached is not None and cached[0] is given and cached[1] == given.version:
            return cached[2]
        merged = self.deployment["handlers"].merged(given)
        self._deployed_cache = (given, given.version, merged)
        return merged

    def execute(self, input: Any = None, **options: Any) -> Execution:
        """Run an execution to its end and return it (see :meth:`start` for the options)."""
        return self.start(input, **options).run()

    def redrive(self, previous: Execution | None = None, *, events: list[dict[str, Any]] | None = None,
                input: Any = None, name: str | None = None, redrive_count: int | None = None,
                **options: Any) -> Execution:
        """An execution that continues ``previous`` (failed, timed out or aborted) from where it
        stopped, as AWS's RedriveExecution does: what succeeded is not run again (see
        :mod:`aslrun.engine.redrive`). Give ``previous``, or its history as AWS returns it
        (``events``) with its ``input`` and ``name``; ``options`` are :meth:`start`'s. Call ``run()``."""
        from .engine.redrive import plan_redrive

        if previous is not None:
            if previous.status not in ("FAILED", "TIMED_OUT", "ABORTED"):
                raise InputError(f"execution {previous.name} is {previous.status}: only a failed, timed-out or "
                                 "aborted execution can be redriven")
            earlier = previous.earlier_events
            if previous.history.dropped > len(earlier):
                raise InputError("the execution's history is no longer whole in memory (history_keep): give its "
                                 "events to redrive it")
            events = earlier + [_wire_event(event) for event in previous.history]
            input, name = previous.input, previous.name
            redrive_count = previous.redrive_count + 1 if redrive_count is None else redrive_count
            options.setdefault("clock", previous.clock)
        if events is None:
            raise InputError("give the execution to redrive, or its history events")
        plan = plan_redrive(self.program, events, input)
        execution = self.start(input, name=name, **options)
        last_id = max((event["id"] for event in events), default=0)
        execution.redrive(plan, redrive_count=redrive_count or 1, last_event_id=last_id,
                          redrive_time=execution.clock.now())
        execution.earlier_events = events
        if previous is not None:
            execution.start_time = previous.start_time
        return execution

    def sibling(self, name: str) -> StateMachine | None:
        """The state machine ``name`` defined beside this one (``<name>.asl.json`` / ``<name>.json``),
        loaded with the same substitutions; None when there is no such file."""
        if name not in self._siblings:
            found = None
            if self.source is not None:
                folder = Path(self.source).parent
                for candidate in (folder / f"{name}.asl.json", folder / f"{name}.json"):
                    if candidate.is_file():
                        found = StateMachine.from_file(candidate, substitutions=self.substitutions or None, name=name)
                        break
            self._siblings[name] = found
        return self._siblings[name]

    def unbound_resources(self, bindings: Bindings, _seen: set[int] | None = None, *,
                          covered: Callable[[Any], bool] | None = None) -> list[str]:
        """Tasks whose resource no handler serves, known before the run (one message each);
        nested state machines named by a fixed ARN are checked too. ``covered(state)`` says which
        Task states something else stands in for (mocked responses)."""
        seen = _seen if _seen is not None else set()
        seen.add(id(self))
        problems = []
        for state in self._resource_states:
            if covered is not None and state.type == "Task" and covered(state):
                continue
            machine_names = getattr(getattr(state, "integration", None), "static_state_machines", None)
            if machine_names is not None:
                for arn in machine_names(state.spec.get("Parameters", state.spec.get("Arguments"))):
                    child = bindings.state_machine(arn) or self.sibling(arn.rsplit(":", 1)[-1])
                    if child is None:
                        beside = self.source or "the definition"
                        problems.append(f"state '{state.name}': no state machine is bound to '{arn}' and no file "
                                        f"{arn.rsplit(':', 1)[-1]}.asl.json is beside {beside}")
                    elif id(child) not in seen:
                        problems.extend(child.unbound_resources(bindings, seen, covered=covered))
            # service resources: a bound handler, or an emulation that covers them (aslrun.localaws);
            # Map states check their ItemReader / ResultWriter the same way
            holder = getattr(state, "integration", state)
            unbound_problem = getattr(holder, "unbound_problem", None)
            if unbound_problem is not None:
                problem = unbound_problem(bindings)
                if problem:
                    problems.append(f"state '{state.name}': {problem}")
            names = getattr(state, "static_function_names", None)
            if names is None:
                continue
            for function in names():
                if "${" in function:
                    problems.append(f"state '{state.name}': unresolved substitution in FunctionName '{function}'")
                elif bindings.lambda_handler(function) is None:
                    problems.append(f"state '{state.name}': no handler is bound to Lambda function '{function}'")
        return problems


def _has_resources(state: Any) -> bool:
    """Whether :meth:`StateMachine.unbound_resources` has anything to look at in ``state``: a Task's
    integration (nested state machines, service resources, Lambda functions) or a Map's ItemReader /
    ResultWriter; Pass, Choice, Wait, Succeed, Fail and Parallel states have none."""
    return any(getattr(state, name, None) is not None
               for name in ("integration", "unbound_problem", "static_function_names"))


def _wire_event(event: Event) -> dict[str, Any]:
    return event.to_aws()


def _machine_name(path: str | os.PathLike[str]) -> str:
    stem = Path(path).name
    for suffix in (".asl.json", ".json", ".asl"):
        if stem.endswith(suffix):
            return stem[: -len(suffix)]
    return stem

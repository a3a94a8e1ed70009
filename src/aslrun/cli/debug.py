"""``aslrun debug``: step through an execution in the terminal.

Also home of what ``debug``, ``test-state`` and ``report`` read alike from their options: the
machine with its substitutions, the input, the handlers and the mocked responses
(:func:`run_options`, :func:`load_setup`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from .inputs import handler_option, handlers_option, state_machine_option, sub_file_option, sub_option
from .local_aws import LocalAwsChoice, local_aws_options

__all__ = ["debug", "load_setup", "run_options"]


def run_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options that say how to run a machine (as ``aslrun execute`` spells them)."""
    options = [
        state_machine_option,
        click.option("--input", "input_", metavar="FILE|JSON|-", help="Execution input: a file, JSON text or -."),
        handlers_option,
        handler_option,
        sub_option,
        sub_file_option,
        click.option("--mock-config", "mock_config", type=click.Path(dir_okay=False), metavar="FILE",
                     help="Mocked responses in AWS Step Functions Local's format."),
        click.option("--test-case", "test_case", metavar="[MACHINE#]CASE", help="The test case of --mock-config."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


class Setup:
    """A machine and what to run it with, read from the command line."""

    def __init__(self, machine: Any, document: Any, bindings: Any, interceptor_factory: Callable[[Any], Any] | None,
                 target: Any = None):
        self.target = target  # the inputs.Target read (a template's resources, for the local AWS)
        self.machine = machine
        self.input = document
        self.bindings = bindings
        self.interceptor_factory = interceptor_factory


def load_setup(machine: str, input_: str | None, handler_modules: tuple[str, ...], handler_pairs: tuple[str, ...],
               sub_pairs: tuple[str, ...], sub_files: tuple[str, ...], mock_config: str | None = None,
               test_case: str | None = None, state_machine_id: str | None = None, *,
               start_local_aws: bool = True) -> Setup:
    """Read everything; any problem is an AslrunError naming the option (nothing has run).
    ``start_local_aws=False``: the command runs on a local AWS of its own choosing
    (:mod:`aslrun.cli.local_aws`), where a template's resources are put (not a fresh one in memory)."""
    from ..errors import InputError
    from .inputs import load_target, parse_json_argument

    target = load_target(machine, state_machine_id, sub_pairs, sub_files, handler_modules, handler_pairs,
                         start_local_aws=start_local_aws)
    state_machine, bindings = target.machine, target.bindings
    document = parse_json_argument(input_)
    if not (mock_config or test_case):
        return Setup(state_machine, document, bindings, None, target)
    if not (mock_config and test_case):
        raise InputError("--mock-config and --test-case go together (the file, and which of its test cases)")
    from ..testing.mock_config import MockConfig

    config = MockConfig.load(mock_config)
    config.test_case(state_machine, test_case)  # a wrong case is reported now, before anything runs

    def factory(machine: Any) -> Any:
        return config.test_case(machine, test_case)

    return Setup(state_machine, document, bindings, factory, target)


@click.command()
@click.argument("machine", type=click.Path(dir_okay=False))
@run_options
@click.option("--break", "breakpoints", multiple=True, metavar="[MACHINE:]STATE",
              help="Pause before STATE, in any machine of the run or in MACHINE only (repeatable).")
@click.option("--break-on-error", "break_on_error", is_flag=True, help="Pause after any error (in child executions too).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of States.UUID/MathRandom and names.")
@local_aws_options()
def debug(machine: str, state_machine_id: str | None,
          input_: str | None, handler_modules: tuple[str, ...], handler_pairs: tuple[str, ...],
          sub_pairs: tuple[str, ...], sub_files: tuple[str, ...], mock_config: str | None, test_case: str | None,
          breakpoints: tuple[str, ...], break_on_error: bool, seed: int, local_aws: LocalAwsChoice) -> None:
    """Step through an execution of MACHINE and the child executions it starts: pause before each
    state, look at its data, edit it.

    Commands (help in the session lists them): step/next/out/continue/run, break [MACHINE:]STATE,
    break --errors, input [JSON], data [STATE], context, vars, history, where, mock JSON,
    restart [STATE] [JSON], quit. The commands may come from a pipe (a scripted session).
    With --aws-seed / --aws-state the run is on the local AWS as 'aslrun aws execute' runs it.
    Exit code: 0 when the last execution succeeded (or was left unfinished), 1 when it failed.
    """
    from ..errors import AslrunError
    from .local_aws import deploy_target

    try:
        setup = load_setup(machine, input_, handler_modules, handler_pairs, sub_pairs, sub_files, mock_config,
                           test_case, state_machine_id, start_local_aws=not local_aws.chosen)
        names = _breakpoints(setup, breakpoints)  # before the local AWS starts: nothing has run
        with local_aws.active() as local:
            runtime = deploy_target(setup.target, local)
            try:
                status = _debug(setup, names, break_on_error, seed, local_aws)
            finally:
                if runtime is not None:
                    runtime.detach()
    except AslrunError as exc:
        click.echo(f"aslrun: {exc}", err=True)
        sys.exit(2)
    sys.exit(1 if status in ("FAILED", "TIMED_OUT", "ABORTED") else 0)


def _breakpoints(setup: Setup, specs: tuple[str, ...]) -> list[str]:
    """The --break options, each checked against the machines of the run (AslrunError: none has it)."""
    from ..debug.breakpoints import machines_reachable, resolve_breakpoint
    from ..errors import AslrunError

    if not specs:
        return []
    machines = machines_reachable(setup.machine, setup.bindings)
    names = []
    for spec in specs:
        try:
            names.append(resolve_breakpoint(spec, machines))
        except AslrunError as exc:
            raise AslrunError(f"--break: {exc}") from None
    return names


def _debug(setup: Setup, breakpoints: list[str], break_on_error: bool, seed: int, local_aws: LocalAwsChoice) -> str:
    """The session and its command loop; the status of the last execution."""
    from ..debug.console import DebuggerConsole
    from ..debug.session import DebugSession

    callbacks = local_aws.callbacks(say=lambda line: click.echo(line, err=True))
    session = DebugSession(setup.machine, setup.input, handlers=setup.bindings,
                           interceptor_factory=setup.interceptor_factory, seed=seed, callbacks=callbacks)
    session.breakpoints.update(breakpoints)
    session.break_on_errors = break_on_error
    console = DebuggerConsole(session)
    try:
        console.cmdloop()
    except KeyboardInterrupt:
        click.echo("")
    return str(session.execution.status)

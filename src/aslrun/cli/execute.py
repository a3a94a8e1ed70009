"""``aslrun execute``: run a state machine once and show what happened."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from .handler_modes import handler_mode_options, one_handler_mode
from .inputs import handler_option, handlers_option, run_seed, seed_option, state_machine_option, sub_file_option, sub_option

__all__ = ["execute"]


@click.command()
@click.argument("machine", type=click.Path(dir_okay=False))
@state_machine_option
@click.option("--input", "input_", metavar="FILE|JSON|-", help="Execution input: a file, JSON text or - (stdin).")
@handlers_option
@handler_option
@sub_option
@sub_file_option
@click.option("--json", "as_json", is_flag=True, help='Print one JSON object {"status","output","error","cause"}.')
@click.option("--real-time", is_flag=True, help="Really wait in Wait states and retries (default: skip time).")
@click.option("--history", "history_file", type=click.Path(dir_okay=False, writable=True), metavar="FILE",
              help="Write every history event (AWS's shape) as JSON lines.")
@click.option("--verbose", "-v", is_flag=True, help="Trace the states inside Map iterations and Parallel branches too.")
@seed_option
@click.option("--name", help="The execution's name (default: a UUID from the seed).")
@click.option("--strict-bindings", is_flag=True,
              help="Refuse to run (exit 2) when a Task's resource is bound to nothing, instead of a warning and "
                   "the Task failing if the run reaches it.")
@click.option("--mock-config", "mock_config", type=click.Path(dir_okay=False), metavar="FILE",
              help="Mocked responses in AWS Step Functions Local's format (MockConfigFile.json).")
@click.option("--test-case", "test_case", metavar="[MACHINE#]CASE",
              help="The test case of --mock-config to use (machine: this file's name unless given).")
@click.option("--no-progress", "no_progress", is_flag=True,
              help="No live progress line (shown on long runs when the output is a terminal, never with --json).")
@handler_mode_options()
def execute(machine: str, state_machine_id: str | None, input_: str | None, handler_modules: tuple[str, ...], handler_pairs: tuple[str, ...],
            sub_pairs: tuple[str, ...], sub_files: tuple[str, ...], as_json: bool, real_time: bool,
            history_file: str | None, verbose: bool, seed: int | None, name: str | None, strict_bindings: bool,
            mock_config: str | None, test_case: str | None, no_progress: bool, handler_threads: int | None,
            handler_processes: int | None) -> None:
    """Run MACHINE once with the given input: an ASL JSON file, or a SAM / CloudFormation template or
    CDK cdk.out/*.template.json (its functions bind themselves; --state-machine picks one of several)."""
    from ..errors import AslrunError

    one_handler_mode(handler_threads, handler_processes)
    progress = not (no_progress or as_json) and sys.stdout.isatty()
    try:
        execution = _run(machine, input_, handler_modules, handler_pairs, sub_pairs, sub_files, as_json,
                         real_time, history_file, verbose, seed, name, mock_config, test_case, progress,
                         state_machine_id, strict_bindings, handler_threads, handler_processes)
    except AslrunError as exc:
        from .validate import explain

        click.echo(f"aslrun: {explain(exc)}", err=True)
        sys.exit(2)
    if as_json:
        from ..jsontext import JsonTextError, dump_json

        try:
            sys.stdout.write(dump_json(execution.result(), what="the execution's result") + "\n")
        except JsonTextError as exc:
            click.echo(f"aslrun: {exc}", err=True)
            sys.exit(1)
    sys.exit(0 if execution.status == "SUCCEEDED" else 1)


def _run(machine: str, input_: str | None, handler_modules: tuple[str, ...], handler_pairs: tuple[str, ...],
         sub_pairs: tuple[str, ...], sub_files: tuple[str, ...], as_json: bool, real_time: bool,
         history_file: str | None, verbose: bool, seed: int | None, name: str | None, mock_config: str | None = None,
         test_case: str | None = None, progress: bool = False, state_machine_id: str | None = None,
         strict_bindings: bool = False, handler_threads: int | None = None,
         handler_processes: int | None = None) -> Any:
    from ..engine.clock import SystemClock, VirtualClock
    from .inputs import load_target, parse_json_argument

    target = load_target(machine, state_machine_id, sub_pairs, sub_files, handler_modules, handler_pairs)
    state_machine, bindings = target.machine, target.bindings
    document = parse_json_argument(input_)
    interceptor = None
    if mock_config or test_case:
        from ..errors import InputError
        from ..testing.run import build_interceptor

        if not (mock_config and test_case):
            raise InputError("--mock-config and --test-case go together (the file, and which of its test cases)")
        interceptor = build_interceptor(state_machine, mock_config=mock_config, test_case=test_case)

    listeners = []
    trace = None
    if not as_json:
        from .trace import Trace

        trace = Trace(verbose=verbose)
        listeners.append(trace.on_event)
    live = None
    if progress:
        from ..report.progress import Progress

        live = Progress(trace.console if trace is not None else None)
        listeners.append(live.on_event)
    sink = None
    if history_file:
        from ..history import Event

        from pathlib import Path

        from ..errors import InputError

        try:
            Path(history_file).parent.mkdir(parents=True, exist_ok=True)
            sink = open(history_file, "w", encoding="utf-8")
        except OSError as exc:
            raise InputError(f"--history: cannot write {history_file}: {exc.strerror}") from None

        def write(event: Event) -> None:
            sink.write(json.dumps(event.to_aws(), ensure_ascii=False) + "\n")

        listeners.append(write)
    try:
        execution = state_machine.execute(
            document, handlers=bindings, clock=SystemClock() if real_time else VirtualClock(), seed=run_seed(seed),
            name=name, listeners=listeners, task_interceptor=interceptor, strict_bindings=strict_bindings,
            handler_threads=handler_threads, handler_processes=handler_processes, **target.identity,
        )
    finally:
        if live is not None:
            live.close()
        if sink is not None:
            sink.close()
    if trace is not None:
        trace.summary(execution)
        if verbose:
            from rich.markup import escape

            for note in execution.notes:
                trace.console.print(f"[dim]note: {escape(note)}[/dim]")
    return execution

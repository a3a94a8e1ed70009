"""``aslrun aws``: the local AWS (moto) that service integrations run against.

    aslrun aws seed seed.yaml                 create tables, queues, topics, buckets (+ items, objects)
    aslrun aws show [--details] [--json]      what is in it
    aslrun aws execute machine.asl.json ...   run against it (loaded before, saved after; --aws-seed FILE)
    aslrun aws callbacks                      task tokens a running execution waits for
    aslrun aws send-task-success --state S --output JSON   complete one (or --token; also
                                              send-task-failure / send-task-heartbeat)
    aslrun aws trigger template.yaml --topic T --message M   set off a template's event sources
    aslrun aws reset                          forget everything

Every command works on a state directory (``--aws-state``, default ``.aslrun/aws``): the state is
loaded from it before, and every change is kept as it is made (journaled; a snapshot on a clean
exit), so runs build on each other and a killed run loses nothing. One command at a time writes a
directory: a second one exits 2 naming the process that holds it (``show`` only reads, any time).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from .handler_modes import handler_mode_options, one_handler_mode
from .inputs import handler_option, handlers_option, run_seed, seed_option, state_machine_option, sub_file_option, sub_option
from .local_aws import (LocalAwsChoice, answer_command, deploy_target, local_aws_options, run_answering_callbacks,
                        state_dir_option)

__all__ = ["aws"]

_state_option = state_dir_option


def _fail(message: str) -> None:
    click.echo(f"aslrun: {message}", err=True)
    sys.exit(2)


@click.group()
def aws() -> None:
    """The local AWS (moto) that AWS service integrations run against."""


@aws.command()
@click.argument("seed_file", type=click.Path(dir_okay=False))
@_state_option
def seed(seed_file: str, state_dir: str) -> None:
    """Create what SEED_FILE (JSON or YAML) names in the local AWS and save it."""
    from ..errors import AslrunError
    from ..localaws import LocalAws
    from ..localaws.seed import load_seed_file

    try:
        document = load_seed_file(seed_file)
        with LocalAws(state_dir=state_dir, reset=True) as local:
            local.seed(document, base=Path(seed_file).resolve().parent)
            lines = _summary(local)
    except AslrunError as exc:
        _fail(str(exc))
    click.echo("\n".join(lines))


@aws.command()
@click.option("--details", is_flag=True, help="Also list items, messages and object keys.")
@click.option("--json", "as_json", is_flag=True, help="Print the whole state as one JSON seed document.")
@_state_option
def show(details: bool, as_json: bool, state_dir: str) -> None:
    """Show what is in the local AWS."""
    from ..errors import AslrunError
    from ..localaws import LocalAws

    try:
        with LocalAws(state_dir=state_dir, reset=True, autosave=False) as local:
            if as_json:
                click.echo(json.dumps(local.snapshot(), indent=1, ensure_ascii=False, sort_keys=True))
                return
            lines = _summary(local, details=details)
    except AslrunError as exc:
        _fail(str(exc))
    click.echo("\n".join([*_running(Path(state_dir)), *lines]))


def _running(state_dir: Path) -> list[str]:
    """What a run writing the directory is doing now (its changes are in the summary already)."""
    from ..localaws.callback_inbox import read_pending
    from ..localaws.directory_lock import writer_of

    writer = writer_of(state_dir)
    if writer is None:
        return []
    lines = [f"running now: process {writer} writes this state directory (its changes so far are shown)"]
    for entry in read_pending(state_dir):
        state = entry["state"]
        lines.append(f"  state '{state}' waits for its task token: {answer_command(state, state_dir)}")
    return lines


@aws.command()
@_state_option
def reset(state_dir: str) -> None:
    """Empty the local AWS (the state directory is cleared)."""
    from ..errors import AslrunError
    from ..localaws.state_dir import clear_state

    folder = Path(state_dir)
    try:
        clear_state(folder)
    except AslrunError as exc:
        _fail(str(exc))
    click.echo(f"the local AWS in {folder} is empty")


@aws.command(name="execute")
@click.argument("machine", type=click.Path(dir_okay=False))
@state_machine_option
@click.option("--input", "input_", metavar="FILE|JSON|-", help="Execution input: a file, JSON text or - (stdin).")
@handlers_option
@handler_option
@sub_option
@sub_file_option
@click.option("--json", "as_json", is_flag=True, help='Print one JSON object {"status","output","error","cause"}.')
@seed_option
@click.option("--name", help="The execution's name (default: a UUID from the seed).")
@click.option("--strict-bindings", is_flag=True,
              help="Refuse to run (exit 2) when a Task's resource is bound to nothing, instead of a warning and "
                   "the Task failing if the run reaches it.")
@handler_mode_options()
@local_aws_options(always=True)
def execute_command(machine: str, state_machine_id: str | None, input_: str | None,
                    handler_modules: tuple[str, ...],
                    handler_pairs: tuple[str, ...], sub_pairs: tuple[str, ...], sub_files: tuple[str, ...],
                    as_json: bool, seed: int | None, name: str | None, strict_bindings: bool,
                    handler_threads: int | None, handler_processes: int | None, local_aws: LocalAwsChoice) -> None:
    """Run MACHINE against the local AWS (its state loaded before the run, every change kept). MACHINE
    may be a template (SAM, CloudFormation, CDK): its resources are created in the local AWS when
    missing, its functions bind themselves, --state-machine picks one of its state machines."""
    from ..errors import AslrunError

    one_handler_mode(handler_threads, handler_processes)
    try:
        with local_aws.active() as local:
            execution = _run(machine, input_, handler_modules, handler_pairs, sub_pairs, sub_files, seed, name,
                             local_aws, as_json, state_machine_id, local, strict_bindings, handler_threads,
                             handler_processes)
    except AslrunError as exc:
        _fail(str(exc))
    from ..jsontext import JsonTextError, dump_json

    try:
        if as_json:
            sys.stdout.write(dump_json(execution.result(), what="the execution's result") + "\n")
        else:
            click.echo(dump_json(execution.result(), what="the execution's result", indent=1))
    except JsonTextError as exc:
        click.echo(f"aslrun: {exc}", err=True)
        sys.exit(1)
    sys.exit(0 if execution.status == "SUCCEEDED" else 1)


def _run(machine: str, input_: str | None, handler_modules: tuple[str, ...], handler_pairs: tuple[str, ...],
         sub_pairs: tuple[str, ...], sub_files: tuple[str, ...], seed: int | None, name: str | None,
         local_aws: LocalAwsChoice, quiet: bool, state_machine_id: str | None = None, local: Any = None,
         strict_bindings: bool = False, handler_threads: int | None = None,
         handler_processes: int | None = None) -> Any:
    from .inputs import load_target, parse_json_argument

    target = load_target(machine, state_machine_id, sub_pairs, sub_files, handler_modules, handler_pairs,
                         start_local_aws=False)
    runtime = deploy_target(target, local)
    try:
        document = parse_json_argument(input_)
        execution = target.machine.start(document, handlers=target.bindings, seed=run_seed(seed), name=name,
                                         strict_bindings=strict_bindings, handler_threads=handler_threads,
                                         handler_processes=handler_processes,
                                         **target.identity)
        say = None if quiet else (lambda line: click.echo(line, err=True))
        run_answering_callbacks(execution, local_aws.callbacks(say=say))
        if execution.waiting_for_callbacks and not quiet:
            click.echo("aslrun: the execution still waits for task tokens (no timeout set)", err=True)
        if runtime is not None:  # what the run set off: messages to mapped queues, events, started executions
            for delivery in runtime.deliver():
                if not quiet:
                    click.echo(f"delivered {delivery}", err=True)
    finally:
        if runtime is not None:
            runtime.detach()
    return execution


@aws.command()
@_state_option
def callbacks(state_dir: str) -> None:
    """List the task tokens a running 'aslrun aws execute' waits for."""
    from ..localaws.callback_inbox import read_pending

    entries = read_pending(Path(state_dir))
    if not entries:
        click.echo("no task is waiting for a token")
    for entry in entries:
        click.echo(f"{entry['state']}\t{entry['token']}")


def _token(state_dir: str, token: str | None, state: str | None) -> str:
    """The token to complete: given (and waited for by a running execution), or the one waiting task's."""
    from ..localaws.callback_inbox import read_pending

    waiting = read_pending(Path(state_dir))
    if token:
        if not any(entry["token"] == token for entry in waiting):
            _fail(f"TaskDoesNotExist: no running 'aslrun aws execute --aws-state {state_dir}' waits for this task "
                  f"token ({len(waiting)} task(s) wait; 'aslrun aws callbacks' lists them). A token is good only "
                  "while its execution runs with --wait-callbacks")
        return token
    matches = [e["token"] for e in waiting if state is None or e["state"] == state]
    if len(matches) != 1:
        _fail(f"{len(matches)} waiting task(s) match{'' if state is None else f' state {state!r}'}: give the token")
    return matches[0]


_TOKEN = click.option("--token", help="The task token (see 'aslrun aws callbacks').")
_STATE = click.option("--state", help="Instead of --token: the name of the state whose task waits.")


@aws.command(name="send-task-success")
@_TOKEN
@_STATE
@click.option("--output", default="{}", show_default=True, help="The task's result, as JSON text.")
@_state_option
def send_task_success(token: str | None, output: str, state: str | None, state_dir: str) -> None:
    """Complete a waiting task with OUTPUT (JSON text)."""
    from ..localaws.callback_inbox import post

    try:
        json.loads(output)
    except ValueError as exc:
        _fail(f"OUTPUT is not valid JSON: {exc}")
    post(Path(state_dir), {"action": "success", "token": _token(state_dir, token, state), "output": output})


@aws.command(name="send-task-failure")
@_TOKEN
@_STATE
@click.option("--error", default=None, help="The error name (what Retry/Catch match).")
@click.option("--cause", default=None, help="The cause text.")
@_state_option
def send_task_failure(token: str | None, error: str | None, cause: str | None, state: str | None,
                      state_dir: str) -> None:
    """Fail a waiting task."""
    from ..localaws.callback_inbox import post

    post(Path(state_dir), {"action": "failure", "token": _token(state_dir, token, state), "error": error,
                           "cause": cause})


@aws.command(name="send-task-heartbeat")
@_TOKEN
@_STATE
@_state_option
def send_task_heartbeat(token: str | None, state: str | None, state_dir: str) -> None:
    """Tell a waiting task it is still being worked on (its HeartbeatSeconds start again)."""
    from ..localaws.callback_inbox import post

    post(Path(state_dir), {"action": "heartbeat", "token": _token(state_dir, token, state)})


def _summary(local: Any, *, details: bool = False) -> list[str]:
    from ..localaws.inspect import summary_lines

    return summary_lines(local, details=details)

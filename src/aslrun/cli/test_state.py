"""``aslrun test-state``: run one state with a given input and show every processing stage, the
status and the next state, as AWS's TestState API does."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from .debug import run_options
from .local_aws import LocalAwsChoice, local_aws_options

__all__ = ["test_state"]


@click.command("test-state")
@click.argument("machine", type=click.Path(dir_okay=False))
@click.option("--state", "state_name", required=True, metavar="NAME", help="The state to run (nested ones too).")
@run_options
@click.option("--mock-result", "mock_result", metavar="JSON", help="The Task's result, instead of calling it.")
@click.option("--mock-error", "mock_error", metavar="ERROR", help="The Task fails with this error instead.")
@click.option("--mock-cause", "mock_cause", metavar="CAUSE", help="The cause that goes with --mock-error.")
@click.option("--inspection-level", "level", type=click.Choice(["INFO", "DEBUG", "TRACE"], case_sensitive=False),
              default="INFO", show_default=True,
              help="INFO: output, status, next state; DEBUG: also the data at each stage; TRACE: also an HTTP "
                   "Task's raw request and response.")
@click.option("--reveal-secrets", "reveal_secrets", is_flag=True,
              help="TRACE shows what the HTTP Task's EventBridge connection adds (API key, credentials...).")
@click.option("--retry-count", "retry_count", type=click.IntRange(0), default=0, show_default=True,
              help="Retries already made (TestState's retrierRetryCount): decides RETRIABLE or not.")
@click.option("--variables", "variables", metavar="JSON", help="Workflow variables in reach of the state.")
@click.option("--json", "as_json", is_flag=True, help="Print TestState's answer as JSON (its wire shape).")
@local_aws_options(callbacks=False)
def test_state(machine: str, state_machine_id: str | None,
               state_name: str, input_: str | None, handler_modules: tuple[str, ...],
               handler_pairs: tuple[str, ...], sub_pairs: tuple[str, ...], sub_files: tuple[str, ...],
               mock_config: str | None, test_case: str | None, mock_result: str | None, mock_error: str | None,
               mock_cause: str | None, level: str, reveal_secrets: bool, retry_count: int, variables: str | None,
               as_json: bool, local_aws: LocalAwsChoice) -> None:
    """Run the state --state of MACHINE once on --input. Exit 0 unless the state FAILED (1)."""
    from ..debug.single_state import UNSET, run_test_state
    from ..errors import AslrunError, InputError
    from .debug import load_setup
    from .inputs import parse_json_argument
    from .local_aws import deploy_target

    try:
        if mock_result is not None and mock_error is not None:
            raise InputError("give --mock-result or --mock-error, not both")
        if mock_cause is not None and mock_error is None:
            raise InputError("--mock-cause goes with --mock-error")
        setup = load_setup(machine, input_, handler_modules, handler_pairs, sub_pairs, sub_files, mock_config,
                           test_case, state_machine_id, start_local_aws=not local_aws.chosen)
        result_value: Any = UNSET if mock_result is None else parse_json_argument(mock_result, "--mock-result")
        values = parse_json_argument(variables, "--variables") if variables is not None else None
        if values is not None and not isinstance(values, dict):
            raise InputError("--variables must be a JSON object (name -> value)")
        interceptor = setup.interceptor_factory(setup.machine) if setup.interceptor_factory else None
        with local_aws.active() as local:
            deploy_target(setup.target, local)
            result = run_test_state(setup.machine, state_name, setup.input, inspection_level=level,
                                    mock_result=result_value, mock_error=mock_error, mock_cause=mock_cause,
                                    handlers=setup.bindings, retry_count=retry_count, variables=values,
                                    interceptor=interceptor, reveal_secrets=reveal_secrets)
    except AslrunError as exc:
        click.echo(f"aslrun: {exc}", err=True)
        sys.exit(2)
    if as_json:
        from ..jsontext import JsonTextError, dump_json

        try:
            click.echo(dump_json(result.to_aws(), what="the state's result", indent=2))
        except JsonTextError as exc:
            click.echo(f"aslrun: {exc}", err=True)
            sys.exit(1)
    else:
        _show(result, state_name)
    sys.exit(1 if result.status == "FAILED" else 0)


def _show(result: Any, state_name: str) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False, soft_wrap=True)  # (a JSON value stays on its line: a terminal wraps it)
    colour = {"SUCCEEDED": "green", "FAILED": "red", "RETRIABLE": "yellow", "CAUGHT_ERROR": "yellow"}[result.status]
    console.print(f"[bold]{escape(state_name)}[/] [bold {colour}]{result.status}[/]")
    if result.inspection_data:
        for name, value in result.inspection_data.items():
            shown = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            console.print(f"  [green]{name:<20}[/] {escape(shown)}")
    if result.has_output:
        console.print(f"  [bold]{'output':<20}[/] {escape(json.dumps(result.output, ensure_ascii=False))}")
    if result.error is not None:
        console.print(f"  [red]{'error':<20}[/] {escape(result.error)}")
        if result.cause is not None:
            console.print(f"  [red]{'cause':<20}[/] {escape(result.cause)}")
    console.print(f"  [bold]{'next state':<20}[/] {escape(result.next_state) if result.next_state else '(none: the branch ends)'}")

"""``aslrun report``: an HTML page of one execution (run now, or read from a saved history), or of
the coverage a test suite measured (``--coverage``, see :mod:`aslrun.report.coverage`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .debug import run_options
from .local_aws import LocalAwsChoice, local_aws_options

__all__ = ["report"]


@click.command()
@click.argument("machine", type=click.Path(dir_okay=False))
@run_options
@click.option("--history", "history_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Report this saved history (aslrun execute --history, or AWS's get-execution-history JSON) "
                   "instead of running the machine.")
@click.option("--coverage", "coverage_file", type=click.Path(dir_okay=False), metavar="DATAFILE",
              help="Draw the coverage measured by pytest --aslrun-cov (its data file, e.g. .aslrun-coverage) on "
                   "the machine instead of running it: how often each state and transition was reached.")
@click.option("--out", "-o", "out", type=click.Path(dir_okay=False, writable=True), metavar="FILE", required=True,
              help="The HTML file to write.")
@click.option("--title", help="The page title (default: the machine's name).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of States.UUID/MathRandom and names.")
@local_aws_options()
def report(machine: str, state_machine_id: str | None,
           input_: str | None, handler_modules: tuple[str, ...], handler_pairs: tuple[str, ...],
           sub_pairs: tuple[str, ...], sub_files: tuple[str, ...], mock_config: str | None, test_case: str | None,
           history_file: str | None, coverage_file: str | None, out: str, title: str | None, seed: int,
           local_aws: LocalAwsChoice) -> None:
    """Write an HTML report of an execution of MACHINE: the graph with the path taken, per-state
    timings, every state's input and output, the history. Self-contained: it fetches nothing when
    viewed. Exit 0 when the report is written (whatever the execution's status), 2 on bad options."""
    from ..engine.clock import VirtualClock
    from ..errors import AslrunError
    from ..report.html import render_report
    from ..model.substitutions import load_substitutions
    from ..report.visits import read_history_file
    from .debug import load_setup
    from .graph import drawable_definition
    from .inputs import parse_pairs
    from .local_aws import deploy_target, run_answering_callbacks

    try:
        if coverage_file:
            _coverage_report(machine, coverage_file, out, title, state_machine_id, sub_pairs, sub_files,
                             running=input_ is not None or history_file is not None or local_aws.chosen)
            return
        if history_file:
            if input_ is not None:
                raise AslrunError("--history reports a saved run: --input is for running the machine")
            if local_aws.chosen:
                raise AslrunError("--history reports a saved run: the local AWS options are for running the machine")
            substitutions: dict[str, str] = {}
            for path in sub_files:
                substitutions.update(load_substitutions(path))
            substitutions.update(parse_pairs(sub_pairs, "--sub"))
            definition, name = drawable_definition(machine, substitutions, state_machine_id)  # nothing runs
            events = read_history_file(history_file)
            _require_same_machine(definition, events, history_file, machine)
            status = next((e.type[len("Execution"):].upper() for e in reversed(events)
                           if e.type in ("ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut",
                                         "ExecutionAborted")), "RUNNING")
        else:
            setup = load_setup(machine, input_, handler_modules, handler_pairs, sub_pairs, sub_files, mock_config,
                               test_case, state_machine_id, start_local_aws=not local_aws.chosen)
            interceptor = setup.interceptor_factory(setup.machine) if setup.interceptor_factory else None
            with local_aws.active() as local:
                deploy_target(setup.target, local)
                execution = setup.machine.start(setup.input, handlers=setup.bindings, clock=VirtualClock(), seed=seed,
                                                task_interceptor=interceptor, history_keep=None)
                run_answering_callbacks(execution, local_aws.callbacks(say=lambda line: click.echo(line, err=True)))
            events = list(execution.history)
            status = execution.status
            definition, name = setup.machine.definition, setup.machine.name
        page = render_report(definition, events, machine_name=name, title=title)
        try:
            Path(out).write_text(page, encoding="utf-8")
        except OSError as exc:
            raise AslrunError(f"--out: cannot write {out}: {exc.strerror}") from None
    except AslrunError as exc:
        click.echo(f"aslrun: {exc}", err=True)
        sys.exit(2)
    click.echo(f"report of a {status.replace('TIMEDOUT', 'TIMED_OUT')} execution written to {out}")


def _coverage_report(machine: str, coverage_file: str, out: str, title: str | None, state_machine_id: str | None,
                     sub_pairs: tuple[str, ...], sub_files: tuple[str, ...], *, running: bool) -> None:
    """``--coverage``: the measured coverage of MACHINE drawn on it (nothing runs). The data's record
    of the same shape is drawn (see :mod:`aslrun.coverage.model`); none is an error naming what the
    data holds."""
    from ..coverage import CoverageData, CoverageDataError, format_figures, machine_model
    from ..errors import AslrunError
    from ..model.substitutions import load_substitutions
    from ..report.coverage import render_coverage_report
    from .graph import drawable_definition
    from .inputs import parse_pairs

    if running:
        raise AslrunError("--coverage draws measured coverage: --input, --history and the local AWS options are for "
                          "one execution")
    substitutions: dict[str, str] = {}
    for path in sub_files:
        substitutions.update(load_substitutions(path))
    substitutions.update(parse_pairs(sub_pairs, "--sub"))
    definition, name = drawable_definition(machine, substitutions, state_machine_id)
    try:
        data = CoverageData.read(coverage_file)
    except CoverageDataError as exc:
        raise AslrunError(f"--coverage {exc}") from None
    digest = machine_model(definition, name).digest
    found = sorted((record for record in data if record.model.digest == digest), key=lambda r: r.name != name)
    if not found:
        held = ", ".join(f"{record.name} ({record.model.digest[:8]})" for record in data) or "no machine"
        raise AslrunError(f"--coverage {coverage_file}: no coverage of {machine} (shape {digest[:8]}) in it: the tests "
                          f"ran it in another shape, or not at all; it holds {held}")
    record = found[0]
    try:
        Path(out).write_text(render_coverage_report(record, title=title), encoding="utf-8")
    except OSError as exc:
        raise AslrunError(f"--out: cannot write {out}: {exc.strerror}") from None
    click.echo(f"coverage of {record.name} ({format_figures(record.figures())}) written to {out}")


def _require_same_machine(definition: dict[str, Any], events: list[Any], history_file: str, machine: str) -> None:
    """A history whose states the definition does not have is another machine's: drawing it on this
    one would show a run that never happened (all green), so it is refused, naming the strangers."""
    from ..errors import AslrunError
    from ..model.state_names import state_names

    known = state_names(definition)
    entered = [e.details.get("name") for e in events if e.type.endswith("StateEntered")]
    strangers = sorted({name for name in entered if name not in known})
    if strangers:
        shown = ", ".join(repr(s) for s in strangers[:5]) + (f" and {len(strangers) - 5} more" if len(strangers) > 5 else "")
        raise AslrunError(f"--history {history_file}: the run entered states {machine} does not have ({shown}): it "
                          "is the history of another state machine; give that machine's definition")

"""``aslrun validate``: every problem of a definition at once, with AWS's diagnostic codes."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from .inputs import sub_file_option, sub_option
__all__ = ["validate"]


@click.command()
@click.argument("machines", nargs=-1, required=True, type=click.Path(dir_okay=False))
@sub_option
@sub_file_option
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON (AWS's diagnostics shape).")
def validate(machines: tuple[str, ...], sub_pairs: tuple[str, ...], sub_files: tuple[str, ...], as_json: bool) -> None:
    """Check MACHINES without running them: ASL JSON files, or templates (SAM, CloudFormation, CDK
    cdk.out/*.template.json: every state machine in them). Exit 0 when all are valid, 2 otherwise."""
    from ..errors import AslrunError, DefinitionError
    from ..machine import StateMachine
    from ..templates import looks_like_template
    from .inputs import load_substitution_options

    try:
        substitutions = load_substitution_options(sub_pairs, sub_files)
    except AslrunError as exc:
        click.echo(f"aslrun: {exc}", err=True)
        sys.exit(2)
    report: list[tuple[str, list]] = []
    for machine in machines:
        if looks_like_template(machine):
            report.extend(_template_report(machine, substitutions))
            continue
        try:
            StateMachine.from_file(machine, substitutions=substitutions or None)
            problems: list = []
        except DefinitionError as exc:
            problems = exc.problems
        report.append((machine, problems))
    if as_json:
        out = {machine: {"result": "FAIL" if problems else "OK",
                         "diagnostics": [_diagnostic(p) for p in problems]} for machine, problems in report}
        click.echo(json.dumps(out, indent=2))
    else:
        for machine, problems in report:
            if not problems:
                click.secho(f"✓ {machine}: valid", fg="green")
                continue
            click.secho(f"✗ {machine}: {len(problems)} problem{'' if len(problems) == 1 else 's'}", fg="red",
                        bold=True)
            definition = _definition(machine)
            for problem in problems:
                click.echo(f"  {problem}{_hint(problem, definition)}")
    sys.exit(2 if any(problems for _, problems in report) else 0)


def _hint(problem: object, definition: Any) -> str:
    """`` (did you mean 'X'?)`` for a misspelt state name, field or type (the text output only: the JSON
    diagnostics keep AWS's messages as they are)."""
    from ..model.hints import did_you_mean

    meant = did_you_mean(getattr(problem, "message", str(problem)), getattr(problem, "location", ""), definition)
    return f"  (did you mean '{meant}'?)" if meant else ""


def explain(exc: Exception) -> str:
    """An error's text, each problem of a definition file with its hint (``aslrun execute``'s refusal)."""
    from ..errors import DefinitionError

    if not isinstance(exc, DefinitionError) or not exc.source:
        return str(exc)
    definition = _definition(exc.source)
    head = str(exc).splitlines()[0]
    return "\n".join([head, *(f"  {p}{_hint(p, definition)}" for p in exc.problems)])


def _definition(machine: str) -> Any:
    """The definition file's JSON document; None when it cannot be read."""
    try:
        return json.loads(open(machine, encoding="utf-8-sig").read())
    except (OSError, ValueError, RecursionError):  # a definition too deep to read gets no hints
        return None


def _template_report(path: str, substitutions: dict[str, str]) -> list[tuple[str, list]]:
    """``(template#LogicalId, problems)`` for each state machine of a template; a template that cannot
    be read is one entry with its problem."""
    from ..errors import AslrunError, DefinitionError
    from ..machine import StateMachine
    from ..templates import load_template

    try:
        template = load_template(path, parameters=substitutions or None)
    except AslrunError as exc:
        return [(path, [str(exc)])]
    out: list[tuple[str, list]] = []
    for logical_id, machine in template.state_machines.items():
        try:
            StateMachine(machine.definition, name=machine.name)
            problems: list = []
        except DefinitionError as exc:
            problems = exc.problems
        out.append((f"{path}#{logical_id}", problems))
    return out


def _diagnostic(problem: object) -> dict[str, str]:
    return {
        "severity": "ERROR",
        "code": getattr(problem, "code", "SCHEMA_VALIDATION_FAILED"),
        "message": getattr(problem, "message", str(problem)),
        "location": getattr(problem, "location", ""),
    }


"""``aslrun graph``: the state machine as a Mermaid or Graphviz (DOT) diagram, or an SVG drawing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .inputs import state_machine_option, sub_file_option, sub_option

__all__ = ["drawable_definition", "graph"]


@click.command()
@click.argument("machine", type=click.Path(dir_okay=False))
@state_machine_option
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot", "svg"]), default="mermaid", show_default=True,
              help="mermaid (renders in GitHub Markdown), dot (Graphviz) or svg (drawn by aslrun).")
@sub_option
@sub_file_option
@click.option("--out", "-o", "out", type=click.Path(dir_okay=False, writable=True), metavar="FILE",
              help="Write to FILE instead of the standard output.")
def graph(machine: str, state_machine_id: str | None, fmt: str, sub_pairs: tuple[str, ...],
          sub_files: tuple[str, ...], out: str | None) -> None:
    """Draw MACHINE: its states, transitions (Choice rules, Default, Catch) and nested branches."""
    from ..errors import AslrunError
    from ..model.substitutions import load_substitutions
    from ..report.graph import build_graph, to_dot, to_mermaid
    from .inputs import parse_pairs

    try:
        substitutions: dict[str, str] = {}
        for path in sub_files:
            substitutions.update(load_substitutions(path))
        substitutions.update(parse_pairs(sub_pairs, "--sub"))
        definition, name = drawable_definition(machine, substitutions, state_machine_id)
    except AslrunError as exc:
        click.echo(f"aslrun: {exc}", err=True)
        sys.exit(2)
    model = build_graph(definition)
    if fmt == "mermaid":
        text = to_mermaid(model)
    elif fmt == "dot":
        text = to_dot(model, name)
    else:
        from ..report.layout import layout
        from ..report.svg import render_svg

        text = render_svg(layout(model), standalone=True) + "\n"
    if out:
        try:
            Path(out).write_text(text, encoding="utf-8")
        except OSError as exc:
            click.echo(f"aslrun: --out: cannot write {out}: {exc.strerror}", err=True)
            sys.exit(2)
        click.echo(f"{fmt} written to {out}", err=True)
    else:
        sys.stdout.write(text)


def drawable_definition(machine: str, substitutions: dict[str, str],
                        state_machine_id: str | None = None) -> tuple[dict[str, Any], str]:
    """The definition (validated) and the machine's name. A drawing needs no substitutions: when the
    only problems are ``${Name}`` placeholders without a value, they are drawn as written. A template
    gives the definition of its state machine ``state_machine_id`` (its only one when None)."""
    from ..errors import DefinitionError
    from ..templates import looks_like_template

    if looks_like_template(machine):
        from ..templates import load_template

        template = load_template(machine, parameters=substitutions or None)
        state_machine = template.state_machine(state_machine_id)
        return state_machine.definition, state_machine.name
    if state_machine_id is not None:
        from ..errors import InputError

        raise InputError(f"--state-machine chooses a state machine of a template; {machine} is a single definition")
    from ..machine import StateMachine, _machine_name
    from ..model.loader import load_definition
    from ..model.problems import MISSING_SUBSTITUTION
    from ..model.substitutions import PLACEHOLDER

    try:
        state_machine = StateMachine.from_file(machine, substitutions=substitutions or None)
        return state_machine.definition, state_machine.name
    except DefinitionError as exc:
        if not exc.problems or any(getattr(p, "code", None) != MISSING_SUBSTITUTION for p in exc.problems):
            raise
    text = Path(machine).read_text(encoding="utf-8-sig")
    kept = {name: "${" + name + "}" for name in PLACEHOLDER.findall(text)}  # each placeholder stands for itself
    definition = load_definition(Path(machine), substitutions={**kept, **substitutions})
    StateMachine(definition, validate=False)  # it compiles: a structure that can be drawn
    return definition, _machine_name(machine)

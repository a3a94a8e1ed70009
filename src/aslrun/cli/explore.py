"""``aslrun explore MACHINE``: what no execution can reach, and generated runs that reach the rest.

Exit codes: 0 the exploration ran (its findings are printed, whatever they are); 2 the machine,
a schema, an example or an option is wrong (nothing ran).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .inputs import handler_option, handlers_option, state_machine_option, sub_file_option, sub_option

__all__ = ["explore"]


@click.command()
@click.argument("machine", metavar="MACHINE")
@state_machine_option
@handlers_option
@handler_option
@sub_option
@sub_file_option
@click.option("--input-schema", "input_schema", metavar="FILE",
              help="A JSON Schema the generated execution inputs follow.")
@click.option("--examples", "examples_dir", metavar="DIR",
              help="A folder of example inputs (*.json), run first and varied.")
@click.option("--out", "-o", "out_dir", metavar="DIR",
              help="Write the runs that reached something new as DIR/<machine>.explore.scenario.yaml.")
@click.option("--max-examples", type=click.IntRange(min=1), default=200, show_default=True,
              help="Runs at most in each of the search's two phases (fresh draws, then kept runs varied); it stops "
                   "sooner when everything reachable is reached.")
@click.option("--seed", type=int, default=0, show_default=True, help="The search's seed: the same seed, the same runs.")
@click.option("--coverage", "coverage_file", metavar="FILE",
              help="Coverage data of a test suite (pytest --aslrun-cov writes .aslrun-coverage): what it reaches is "
                   "not searched for, so the scenarios written reach only what the suite does not.")
@click.option("--static", "static_only", is_flag=True, help="Only the static analysis (no run).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (findings, search figures).")
def explore(machine: str, state_machine_id: str | None, handler_modules: tuple[str, ...],
            handler_pairs: tuple[str, ...], sub_pairs: tuple[str, ...], sub_files: tuple[str, ...],
            input_schema: str | None, examples_dir: str | None, out_dir: str | None, max_examples: int, seed: int,
            coverage_file: str | None, static_only: bool, as_json: bool) -> None:
    """Find what MACHINE can never reach (unreachable states, shadowed Choice rules, Catch and Retry
    entries that never match, loops with no way out, uncaught errors), then search inputs and mocked
    Task results (errors named in Retry/Catch included) that reach every other state and transition,
    writing them as scenario files pytest runs."""
    from ..errors import AslrunError

    try:
        result = _explore(machine, state_machine_id, handler_modules, handler_pairs, sub_pairs, sub_files,
                          input_schema, examples_dir, out_dir, max_examples, seed, static_only, coverage_file)
    except AslrunError as exc:
        click.echo(f"aslrun: {exc}", err=True)
        sys.exit(2)
    from ..explore.render import print_text, to_json

    if as_json:
        from ..jsontext import dump_json

        sys.stdout.write(dump_json(to_json(result), what="the exploration") + "\n")
    else:
        from rich.console import Console

        print_text(result, Console(highlight=False, soft_wrap=True))
    sys.exit(0)


def _explore(machine: str, state_machine_id: str | None, handler_modules: tuple[str, ...],
             handler_pairs: tuple[str, ...], sub_pairs: tuple[str, ...], sub_files: tuple[str, ...],
             input_schema: str | None, examples_dir: str | None, out_dir: str | None, max_examples: int, seed: int,
             static_only: bool, coverage_file: str | None = None) -> Any:
    from ..errors import InputError
    from ..explore import ScenarioSetup, explore as run_explore
    from .inputs import load_substitution_options, load_target, parse_json_argument, parse_pairs

    if not static_only:
        import importlib.util

        if importlib.util.find_spec("hypothesis") is None:
            raise InputError("the search needs hypothesis: pip install 'aslrun[explore]' (or use --static)")
    target = load_target(machine, state_machine_id, sub_pairs, sub_files, handler_modules, handler_pairs)
    schema = None
    if input_schema is not None:
        from ..explore.schema_strategy import check_schema

        schema = parse_json_argument(input_schema, "--input-schema")
        check_schema(schema, f"--input-schema {input_schema}")
    examples = _read_examples(examples_dir) if examples_dir is not None else []
    reached_before = None
    if coverage_file is not None:
        from ..coverage import CoverageData, CoverageDataError

        try:
            reached_before = CoverageData.read(coverage_file)
        except CoverageDataError as exc:
            raise InputError(f"--coverage: {exc}") from None
    setup = None
    if out_dir is not None:
        if target.template is not None:
            raise InputError("--out: scenario files run ASL definition files; give the state machine's .asl.json")
        setup = ScenarioSetup(machine, substitutions=load_substitution_options(sub_pairs, sub_files),
                              handlers_files=[m for m in handler_modules if _is_file(m)],
                              handlers={**_module_handlers([m for m in handler_modules if not _is_file(m)]),
                                        **parse_pairs(handler_pairs, "--handler")})
    return run_explore(target.machine, bindings=target.bindings, schema=schema, examples=examples,
                       max_examples=max_examples, seed=seed, out=out_dir, setup=setup, run_search=not static_only,
                       reached_before=reached_before)


def _is_file(source: str) -> bool:
    return source.endswith(".py") or "/" in source


def _module_handlers(modules: list[str]) -> dict[str, str]:
    """A handlers module's HANDLERS as ``name -> module.function`` strings a scenario file can name."""
    from ..bindings import load_handlers_module
    from ..errors import InputError

    out: dict[str, str] = {}
    for module in modules:
        for name, handler in load_handlers_module(module).items():
            if isinstance(handler, str):
                out[name] = handler
                continue
            qualname = getattr(handler, "__qualname__", "")
            home = getattr(handler, "__module__", None)
            if not home or not qualname or "<" in qualname or "." in qualname:
                raise InputError(f"--handlers {module}: the handler of '{name}' is not a module-level function, so a "
                                 "scenario file cannot name it; give the handlers as a .py file instead")
            out[name] = f"{home}.{qualname}"
    return out


def _read_examples(folder: str) -> list[Any]:
    from ..errors import InputError
    from ..jsontext import read_json_input

    path = Path(folder)
    if not path.is_dir():
        raise InputError(f"--examples: {folder} is not a folder")
    files = sorted(path.glob("*.json"))
    if not files:
        raise InputError(f"--examples: {folder} holds no *.json file")
    examples = []
    for file in files:
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"--examples: cannot read {file}: {exc}") from None
        examples.append(read_json_input(text, f"--examples file {file}"))
    return examples

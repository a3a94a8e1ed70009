"""Reading what the user gives on the command line: execution input, substitutions, handlers."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from ..errors import InputError
from ..jsontext import JsonTextError, decode_utf8, read_json_input

__all__ = ["Target", "load_bindings", "load_machine", "load_substitution_options", "load_target", "parse_json_argument",
           "parse_pairs", "state_machine_option"]


def parse_json_argument(value: str | None, option: str = "--input") -> Any:
    """A JSON document given as a file path, ``-`` (stdin) or JSON text; ``{}`` when absent.

    Every command reads its JSON options here, strictly (:func:`aslrun.jsontext.read_json`): text
    that is not UTF-8, NaN/Infinity, a number too large for a double, an integer too long to
    convert, a lone surrogate, too deep a nesting are each an :class:`InputError` naming the option
    (and file) and the place."""
    if value is None:
        return {}
    if value == "-":
        return _parse(_read_stdin(option), f"{option} (stdin)")
    path = Path(value)
    looks_like_json = value.lstrip()[:1] in ("{", "[", '"') or value.strip() in ("null", "true", "false") \
        or _is_number(value.strip())
    if not looks_like_json:
        try:
            is_file = path.is_file()
        except (OSError, ValueError):  # e.g. a NUL byte in the name
            is_file = False
        if is_file:
            where = f"{option} file {value}"
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise InputError(f"{option}: cannot read {value}: {exc.strerror}") from None
            return _parse(_decode(data, where), where)
        if not path.suffix == "" or "/" in value:
            raise InputError(f"{option}: no such file: {value}")
    return _parse(value, option)


def _read_stdin(option: str) -> str:
    """Standard input as text: its bytes decoded as UTF-8 (not the locale's encoding)."""
    stream = sys.stdin
    buffer = getattr(stream, "buffer", None)
    try:
        if buffer is None:
            text = stream.read()
            return text if isinstance(text, str) else _decode(text, f"{option} (stdin)")
        return _decode(buffer.read(), f"{option} (stdin)")
    except OSError as exc:
        raise InputError(f"{option}: cannot read standard input: {exc.strerror or exc}") from None


def _decode(data: bytes, where: str) -> str:
    try:
        return decode_utf8(data)
    except JsonTextError as exc:
        raise InputError(f"{where}: {exc}") from None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _parse(text: str, where: str) -> Any:
    """Strict JSON (see :func:`parse_json_argument`)."""
    return read_json_input(text, where)


def parse_pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    """``NAME=VALUE`` options into a dict."""
    out = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise InputError(f"{option} takes NAME=VALUE, not {item!r}")
        out[name.strip()] = value
    return out


def load_substitution_options(sub_pairs: tuple[str, ...], sub_files: tuple[str, ...]) -> dict[str, str]:
    """``--sub-file`` files (in order), then ``--sub NAME=VALUE`` pairs (which win)."""
    from ..model.substitutions import load_substitutions

    substitutions: dict[str, str] = {}
    for path in sub_files:
        substitutions.update(load_substitutions(path))
    substitutions.update(parse_pairs(sub_pairs, "--sub"))
    return substitutions


def load_machine(machine: str, sub_pairs: tuple[str, ...], sub_files: tuple[str, ...]) -> Any:
    """The StateMachine of a definition file, with the substitution options applied. A ``--sub NAME``
    the definition has no ``${NAME}`` for is said on stderr (a typo would otherwise pass unseen; a
    ``--sub-file`` may hold values for other definitions too, so its names are not checked)."""
    from ..machine import StateMachine

    substitutions = load_substitution_options(sub_pairs, sub_files)
    loaded = StateMachine.from_file(machine, substitutions=substitutions or None)
    _warn_unused_subs(machine, parse_pairs(sub_pairs, "--sub"))
    return loaded


def _warn_unused_subs(machine: str, given: dict[str, str]) -> None:
    if not given:
        return
    from ..model.substitutions import PLACEHOLDER
    from ..templates.errors import did_you_mean

    try:
        used = set(PLACEHOLDER.findall(Path(machine).read_text(encoding="utf-8-sig")))
    except (OSError, UnicodeDecodeError):
        return
    for name in sorted(set(given) - used):
        click.echo(f"aslrun: --sub {name}: {machine} has no ${{{name}}} placeholder"
                   f"{did_you_mean(name, used)}; ignored", err=True)


def load_bindings(handler_modules: tuple[str, ...], handler_pairs: tuple[str, ...]) -> Any:
    """Bindings from ``--handlers`` modules (in order), then ``--handler NAME=module.function``."""
    from ..bindings import Bindings, load_handlers_module

    bindings = Bindings()
    for module in handler_modules:
        bindings = bindings.merged(load_handlers_module(module))
    return bindings.merged(parse_pairs(handler_pairs, "--handler"))


#: ``--handlers`` / ``--handler``: what serves a machine's Tasks (every command that runs one)
handlers_option = click.option(
    "--handlers", "handler_modules", multiple=True, metavar="FILE_OR_MODULE",
    help="A module (dotted name or .py file) whose HANDLERS dict binds function names to callables.")
handler_option = click.option(
    "--handler", "handler_pairs", multiple=True, metavar="NAME=MODULE.FUNCTION",
    help="Bind one function name (or resource ARN) to a Lambda-style handler string.")

#: ``--sub`` / ``--sub-file``: a definition's ``${NAME}`` substitutions (every command that reads one)
sub_option = click.option("--sub", "sub_pairs", multiple=True, metavar="NAME=VALUE",
                          help="A definition substitution for ${NAME}.")
sub_file_option = click.option("--sub-file", "sub_files", multiple=True, metavar="FILE",
                               help="Definition substitutions: JSON, YAML or NAME=VALUE lines.")


#: ``--seed N``: the execution's names and random values repeat run after run; without it each run
#: draws a fresh seed, so its execution names (and States.UUID values) are new, as on AWS
seed_option = click.option(
    "--seed", type=int, default=None, metavar="N",
    help="Seed of the execution's name, nested executions' names, States.UUID and States.MathRandom: the same "
         "seed gives the same ones (default: a fresh seed each run, so names differ run to run as on AWS).")


def run_seed(seed: int | None) -> int:
    """The seed of a run: the one asked for, else a fresh one."""
    import secrets

    return seed if seed is not None else secrets.randbits(63)


#: ``--state-machine LOGICAL_ID``: which state machine of a template (SAM, CloudFormation, CDK) to use
state_machine_option = click.option(
    "--state-machine", "state_machine_id", metavar="LOGICAL_ID",
    help="With a SAM/CloudFormation/CDK template: the state machine's logical id (not needed when it has one).")


@dataclass
class Target:
    """What a command runs: the state machine, the handlers, and (from a template) the resources
    the local AWS must hold (a seed document) and the template itself."""

    machine: Any
    bindings: Any
    seed: dict[str, Any] | None = None
    template: Any = None

    @property
    def identity(self) -> dict[str, str]:
        """``region`` / ``account`` options of a run: a template's ARNs are built with its own."""
        if self.template is None:
            return {}
        return {"region": self.template.region, "account": self.template.account}


def _stopped_with_the_command(local: Any) -> None:
    """A local AWS a command starts for its template's resources ends with the command. In a process
    of its own the exit would end it anyway; run in-process (``main()`` called, click's CliRunner) it
    would stay the process's active local AWS, and a later run would find its tables."""
    context = click.get_current_context(silent=True)
    if context is not None:
        context.find_root().call_on_close(local.stop)


def load_target(machine: str, state_machine_id: str | None, sub_pairs: tuple[str, ...], sub_files: tuple[str, ...],
                handler_modules: tuple[str, ...] = (), handler_pairs: tuple[str, ...] = (), *,
                start_local_aws: bool = True) -> Target:
    """The state machine and its handlers, from an ASL definition file or a template.

    A template (SAM, CloudFormation, a CDK ``cdk.out/*.template.json``) brings its own: its functions
    bind by themselves, its other state machines serve nested executions, ``--sub NAME=VALUE`` gives
    its Parameters; ``--handlers`` / ``--handler`` still win over the template's functions. The
    tables, queues, topics and buckets it declares are created in an in-memory local AWS before the
    run (``start_local_aws=False``: the caller seeds its own, e.g. ``aslrun aws execute``)."""
    from ..templates import looks_like_template

    if not Path(machine).exists():
        from ..errors import InputError

        raise InputError(f"{machine}: no such definition file (the current directory is {Path.cwd()})")
    if looks_like_template(machine):
        from ..templates import load_template

        template = load_template(machine, parameters=load_substitution_options(sub_pairs, sub_files) or None)
        explicit = load_bindings(handler_modules, handler_pairs)
        target = Target(template.state_machine(state_machine_id), template.bindings.merged(explicit),
                        template.seed, template)
        if start_local_aws and any(template.seed.get(service) for service in ("dynamodb", "sqs", "sns", "s3",
                                                                              "events")):
            from ..localaws import LocalAws
            from ..localaws.emulator import use_aws

            local = use_aws(LocalAws(reset=True, region=template.region, account=template.account))
            _stopped_with_the_command(local)
            local.seed(template.seed)
        return target
    if state_machine_id is not None:
        from ..errors import InputError

        raise InputError(f"--state-machine chooses a state machine of a template; {machine} is a single definition")
    return Target(load_machine(machine, sub_pairs, sub_files), load_bindings(handler_modules, handler_pairs))

"""Definition substitutions, as AWS SAM and CloudFormation ``DefinitionSubstitutions`` do them.

A definition kept in source control names deploy-time values (function ARNs, bucket names) with
``${Name}`` placeholders; the deploy tool replaces each placeholder textually. Running the same
file locally needs the same step, with the values from a small file instead of a stack:

* a JSON object ``{"Name": "value"}``;
* a YAML mapping ``Name: value``;
* ``Name=value`` lines, ``#`` starting a comment line (an optional ``export`` is ignored).

Values are strings; numbers and booleans are accepted and written as JSON writes them
(``5``, ``1.5``, ``true``). A placeholder with no value is an error, never left in place: a
leftover ``${Arn}`` would otherwise only fail much later, as a call to a resource that does not
exist.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any


from aslrun.errors import DefinitionError
from aslrun.model.problems import MISSING_SUBSTITUTION, Problem, join_location

__all__ = [
    "INVALID_SUBSTITUTIONS",
    "PLACEHOLDER",
    "load_substitutions",
    "normalise_substitutions",
    "substitute",
]

INVALID_SUBSTITUTIONS = "INVALID_SUBSTITUTIONS"

#: ``${Name}``: the name is anything up to the closing brace except whitespace and braces.
PLACEHOLDER = re.compile(r"\$\{([^{}\s]+)\}")

_NAME = re.compile(r"^[^{}\s=]+$")


def load_substitutions(path: str | os.PathLike[str]) -> dict[str, str]:
    """Read a substitutions file (JSON object, YAML mapping or ``Name=value`` lines).

    The format follows the extension (``.json``, ``.yaml``/``.yml``); any other file is read as
    JSON when it starts with ``{``, as ``Name=value`` lines when every line has an ``=``, and as
    YAML otherwise. Raises :class:`~aslrun.errors.DefinitionError` naming the file and line.
    """
    source = os.fspath(path)
    try:
        text = Path(source).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise _error(source, "", "no such substitutions file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _error(source, "", f"cannot read substitutions file: {exc}") from None

    suffix = Path(source).suffix.lower()
    stripped = text.lstrip()
    if suffix == ".json" or (suffix not in (".yaml", ".yml") and stripped.startswith("{")):
        raw = _parse_json(text, source)
    elif suffix in (".yaml", ".yml") or not _looks_like_lines(text):
        raw = _parse_yaml(text, source)
    else:
        return _parse_lines(text, source)
    return normalise_substitutions(raw, source=source)


def normalise_substitutions(values: Any, *, source: str | None = None) -> dict[str, str]:
    """``values`` as a ``{name: string}`` dict; numbers and booleans become their JSON text.

    Raises :class:`~aslrun.errors.DefinitionError` listing every name whose value is not a
    string, number or boolean (or when ``values`` is not a mapping at all).
    """
    if not isinstance(values, Mapping):
        raise _error(source, "", f"substitutions must be a mapping of names to values, got {_kind(values)}")
    result: dict[str, str] = {}
    problems: list[Problem] = []
    for name, value in values.items():
        text = _as_text(value)
        if not isinstance(name, str) or not _NAME.match(name):
            problems.append(Problem(str(name), f"invalid substitution name {name!r}", INVALID_SUBSTITUTIONS))
        elif text is None:
            problems.append(
                Problem(name, f"the value of '{name}' must be a string, number or boolean, got {_kind(value)}",
                        INVALID_SUBSTITUTIONS)
            )
        else:
            result[name] = text
    if problems:
        raise DefinitionError(problems, source=source)
    return result


def substitute(document: Any, values: Mapping[str, str]) -> tuple[Any, list[Problem]]:
    """A copy of ``document`` with every ``${Name}`` replaced, plus one problem per unknown name.

    Placeholders are replaced in strings anywhere in the document (object keys included, as the
    textual replacement AWS does would). ``document`` itself is never modified.
    """
    problems: list[Problem] = []

    def replace_in(text: str, where: str) -> str:
        if "${" not in text:
            return text

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in values:
                return values[name]
            problems.append(Problem(where, f"no value for the substitution '${{{name}}}'", MISSING_SUBSTITUTION))
            return match.group(0)

        return PLACEHOLDER.sub(one, text)

    def walk(node: Any, where: str) -> Any:
        if isinstance(node, str):
            return replace_in(node, where)
        if isinstance(node, Mapping):
            out: dict[str, Any] = {}
            for key, value in node.items():
                new_key = replace_in(key, join_location(where, key)) if isinstance(key, str) else key
                out[new_key] = walk(value, join_location(where, new_key))
            return out
        if isinstance(node, list):
            return [walk(item, join_location(where, i)) for i, item in enumerate(node)]
        return node

    return walk(document, ""), problems


def _as_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return None


def _looks_like_lines(text: str) -> bool:
    lines = [ln.strip() for ln in text.splitlines()]
    content = [ln for ln in lines if ln and not ln.startswith("#")]
    return bool(content) and all("=" in ln for ln in content)


def _parse_lines(text: str, source: str) -> dict[str, str]:
    result: dict[str, str] = {}
    first_seen: dict[str, int] = {}
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("export "):
            stripped = stripped[len("export "):].lstrip()
        name, sep, value = stripped.partition("=")
        name, value = name.strip(), value.strip()
        where = f"line {number}"
        if not sep or not _NAME.match(name):
            problems.append(Problem(where, f"expected 'Name=value', got {line.strip()!r}", INVALID_SUBSTITUTIONS))
            continue
        if name in first_seen:
            problems.append(
                Problem(where, f"'{name}' is already set on line {first_seen[name]}", INVALID_SUBSTITUTIONS)
            )
            continue
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        first_seen[name] = number
        result[name] = value
    if problems:
        raise DefinitionError(problems, source=source)
    return result


def _parse_json(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _error(source, f"line {exc.lineno} column {exc.colno}", f"invalid JSON: {exc.msg}") from None


def _parse_yaml(text: str, source: str) -> Any:
    import yaml  # type: ignore[import-untyped]  # only YAML files need it

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        reason = getattr(exc, "problem", None) or str(exc)
        raise _error(source, where, f"invalid YAML: {reason}") from None


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _error(source: str | None, where: str, message: str) -> DefinitionError:
    return DefinitionError([Problem(where, message, INVALID_SUBSTITUTIONS)], source=source)

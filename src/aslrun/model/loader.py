"""Read a state machine definition from a file, a JSON text or a dict, substitutions applied.

Loading only makes the definition a plain ``dict``; whether it is a *valid* state machine is
:func:`aslrun.model.validate.validate_definition`'s question. What loading refuses, with a
:class:`~aslrun.errors.DefinitionError`, is input that is not a definition at all: a missing
file, text that is not JSON (reported with file, line and column), JSON that is not an object,
a state name given twice in one ``States`` object (the dict would silently keep only the last),
and ``${Name}`` placeholders without a value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aslrun.errors import DefinitionError
from aslrun.jsontext import JsonTextError, decode_utf8, read_json
from aslrun.model.problems import (
    DUPLICATE_STATE_NAME,
    INVALID_JSON_DESCRIPTION,
    MISSING_DESCRIPTION,
    SCHEMA_VALIDATION_FAILED,
    Problem,
    join_location,
)
from aslrun.model.substitutions import normalise_substitutions, substitute

__all__ = ["DefinitionSource", "load_definition"]

#: What :func:`load_definition` accepts.
DefinitionSource = str | os.PathLike[str] | bytes | Mapping[str, Any]


def load_definition(
    source: DefinitionSource,
    *,
    substitutions: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The definition as a new plain dict, every ``${Name}`` replaced from ``substitutions``.

    ``source`` is a path (``str`` or ``Path``) to a JSON file, a JSON text (a ``str`` that
    starts like JSON or spans several lines, or ``bytes``), or an already parsed mapping, which
    is copied and never modified.
    """
    values = normalise_substitutions(substitutions) if substitutions is not None else {}
    if isinstance(source, Mapping):
        document: Any = source
        origin: str | None = None
    else:
        text, origin = _read_text(source)
        document = _parse(text, origin)
    if not isinstance(document, Mapping):
        raise DefinitionError(
            [Problem("", f"a state machine definition must be a JSON object, not {_json_kind(document)}",
                     SCHEMA_VALIDATION_FAILED)],
            source=origin,
        )
    # substitute() copies as it goes, so the caller's mapping stays untouched.
    definition, problems = substitute(document, values)
    if problems:
        raise DefinitionError([*problems, *_structural_problems(definition, problems)], source=origin)
    return definition  # type: ignore[no-any-return]


def _structural_problems(definition: Any, missing: list[Problem]) -> list[Problem]:
    """The definition's other problems, found with each unfilled ``${Name}`` left as an opaque value, so
    a missing substitution does not hide them (the problems of the fields holding a placeholder are
    the placeholder's, and left out)."""
    from .validate import validate_definition

    places = {problem.location for problem in missing}
    try:
        found = list(validate_definition(definition))
    except Exception:  # validation of a half-substituted definition: best effort, never a crash
        return []
    return [p for p in found if not any(p.location == place or p.location.startswith(place + ".")
                                        or p.location.startswith(place + "[") for place in places)]


def _read_text(source: str | os.PathLike[str] | bytes) -> tuple[str, str | None]:
    """The JSON text to parse and the name to report it under (the path, or None for text)."""
    if isinstance(source, bytes):
        return _decode(source, None), None
    if isinstance(source, str) and _is_json_text(source):
        return source, None
    path = os.fspath(source)
    if not path.strip():
        raise DefinitionError([Problem("", "received an empty definition", MISSING_DESCRIPTION)])
    try:
        return _decode(Path(path).read_bytes(), path), path
    except FileNotFoundError:
        raise DefinitionError([Problem("", "no such definition file", MISSING_DESCRIPTION)], source=path) from None
    except IsADirectoryError:
        raise DefinitionError([Problem("", "the definition path is a directory, not a file",
                                       MISSING_DESCRIPTION)], source=path) from None
    except OSError as exc:
        raise DefinitionError([Problem("", f"cannot read the definition file: {exc.strerror or exc}",
                                       MISSING_DESCRIPTION)], source=path) from None


def _decode(data: bytes, origin: str | None) -> str:
    try:
        return decode_utf8(data)
    except JsonTextError as exc:
        what = "the definition file" if origin else "the definition"
        raise DefinitionError([Problem(exc.place or "", f"{what} is {exc.message}", INVALID_JSON_DESCRIPTION)],
                              source=origin) from None


def _is_json_text(text: str) -> bool:
    """A string is JSON text rather than a path when it reads as JSON and names no file."""
    stripped = text.strip()
    if stripped[:1] in ("{", "[") or "\n" in stripped:
        return True
    if not stripped or os.path.exists(text):
        return False
    return stripped[:1] in '"-0123456789' or stripped in ("true", "false", "null")


class _DuplicateKeys(dict[str, Any]):
    """A JSON object that named some key more than once (kept to report where, then discarded)."""

    duplicates: list[str]


def _keep_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = dict(pairs)
    if len(result) == len(pairs):
        return result
    marked = _DuplicateKeys(result)
    seen: set[str] = set()
    marked.duplicates = []
    for key, _ in pairs:
        if key in seen and key not in marked.duplicates:
            marked.duplicates.append(key)
        seen.add(key)
    return marked


def _parse(text: str, origin: str | None) -> Any:
    if not text.strip():
        raise DefinitionError([Problem("", "received an empty definition", MISSING_DESCRIPTION)], source=origin)
    try:
        document = read_json(text, object_pairs_hook=_keep_pairs, root="")
    except JsonTextError as exc:
        raise DefinitionError([Problem(exc.place or "", exc.message, INVALID_JSON_DESCRIPTION)],
                              source=origin) from None
    duplicates = list(_find_duplicates(document, "", machine=True))
    if duplicates:
        raise DefinitionError(duplicates, source=origin)
    return document


def _find_duplicates(node: Any, where: str, *, machine: bool) -> Any:
    """Yield a problem per repeated key; ``machine`` marks objects that hold ``States``."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from _find_duplicates(item, join_location(where, i), machine=False)
        return
    if not isinstance(node, dict):
        return
    if isinstance(node, _DuplicateKeys):
        for key in node.duplicates:
            yield Problem(join_location(where, key), f"duplicate field '{key}'", INVALID_JSON_DESCRIPTION)
    for key, value in node.items():
        here = join_location(where, key)
        if machine and key == "States" and isinstance(value, dict):
            if isinstance(value, _DuplicateKeys):
                for name in value.duplicates:
                    yield Problem(join_location(here, name), f"Duplicate State name: {name}", DUPLICATE_STATE_NAME)
            for name, state in value.items():
                yield from _find_state_duplicates(state, join_location(here, name))
        else:
            yield from _find_duplicates(value, here, machine=False)


def _find_state_duplicates(state: Any, where: str) -> Any:
    if not isinstance(state, dict):
        return
    if isinstance(state, _DuplicateKeys):
        for key in state.duplicates:
            yield Problem(join_location(where, key), f"duplicate field '{key}'", INVALID_JSON_DESCRIPTION)
    for key, value in state.items():
        here = join_location(where, key)
        if key in ("ItemProcessor", "Iterator"):
            yield from _find_duplicates(value, here, machine=True)
        elif key == "Branches" and isinstance(value, list):
            for i, branch in enumerate(value):
                yield from _find_duplicates(branch, join_location(here, i), machine=True)
        else:
            yield from _find_duplicates(value, here, machine=False)


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array"

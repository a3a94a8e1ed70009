"""Reading a template file into plain Python values: YAML with CloudFormation's short-form tags, or JSON.

YAML goes through :mod:`.cfn_yaml`, made for CloudFormation: it turns the short forms (``!Ref X``,
``!GetAtt X.Arn``, ``!Sub ...``, ``!If [...]``, ``!Condition X``) into their long forms
(``{"Ref": "X"}``, ``{"Fn::GetAtt": ["X", "Arn"]}``, ...) and refuses a key given twice in one
mapping, as cfn-lint's decoder does (a test holds the two to the same results).

JSON (what ``cdk synth`` writes, and many CloudFormation templates) is read with the standard
library: it has no tags, and ``json`` is exact and fast; a repeated key is refused here too.

The result is plain ``dict`` / ``list`` / ``str`` / numbers / booleans / None: YAML dates and times
(``Version: 2012-10-17`` unquoted) go back to the text they were written as, since CloudFormation
reads them as strings.
A file that cannot be read or parsed is a :class:`TemplateError` naming the file, line and column.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from .cfn_yaml import CfnYamlError, load_cfn_yaml
from .errors import TemplateError

__all__ = ["decode_template", "is_json_text"]


def decode_template(path: Path) -> dict[str, Any]:
    """The template in ``path`` as plain values (a mapping at the top, or a TemplateError)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise TemplateError(f"{path}: no such template file") from None
    except IsADirectoryError:
        raise TemplateError(f"{path}: is a directory, not a template file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"{path}: cannot read the template: {exc}") from None
    document = _decode_json(text, path) if is_json_text(text) else _decode_yaml(text, path)
    if not isinstance(document, dict):
        raise TemplateError(f"{path}: a template is a mapping with 'Resources', not {type(document).__name__}")
    return document


def is_json_text(text: str) -> bool:
    return text.lstrip().startswith("{")


def _decode_json(text: str, path: Path) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise TemplateError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    except _RepeatedKey as exc:
        raise TemplateError(f"{path}: the key '{exc.key}' is given twice in one object") from None


class _RepeatedKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _RepeatedKey(key)
        out[key] = value
    return out


def _decode_yaml(text: str, path: Path) -> Any:
    try:
        return plain(load_cfn_yaml(text))
    except CfnYamlError as exc:
        where = f"{path}:{exc.line}:{exc.column}" if exc.line else str(path)
        raise TemplateError(f"{where}: invalid YAML: {exc.message}") from None


def plain(node: Any) -> Any:
    """``node`` as plain dict / list / str (keys as text, subclasses unwrapped, dates as written)."""
    if isinstance(node, dict):
        return {str(key): plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [plain(item) for item in node]
    if isinstance(node, str):
        return str(node)
    if isinstance(node, (datetime.date, datetime.datetime)):
        return node.isoformat()
    return node

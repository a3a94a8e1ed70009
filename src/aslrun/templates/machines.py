"""A template's ``AWS::StepFunctions::StateMachine``: its definition as Step Functions receives it.

CloudFormation takes the definition from exactly one of three properties:

* ``Definition``: an object in the template, intrinsics resolved like any property;
* ``DefinitionString``: a JSON text, usually built with ``Fn::Sub`` or ``Fn::Join`` (what ``cdk
  synth`` writes, and what SAM's translator makes of an inline ``Definition``);
* ``DefinitionS3Location``: a file in S3, read as it is (CloudFormation resolves no intrinsics in
  it). aslrun reads a *local* file instead: the one SAM's ``DefinitionUri`` named (see
  :mod:`.transform`), or a path relative to the template, given as ``DefinitionS3Location:
  path/to/machine.asl.json`` (as ``aws cloudformation package`` accepts) or as the ``Key`` of
  ``{Bucket, Key}``, or the CDK asset published under that ``Key`` (``DefinitionBody.fromFile``:
  the assembly's ``*.assets.json`` names it, see :mod:`.cdk_assets`). JSON or YAML.

Then ``DefinitionSubstitutions`` replace ``${Name}`` placeholders in the definition's strings, their
values resolved first (they are usually ``!GetAtt Fn.Arn``, ``!Ref Table``, ``!Sub ...``). A
placeholder without a value is an error, as everywhere in aslrun (see
:mod:`aslrun.model.substitutions`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import DefinitionError
from ..model.substitutions import normalise_substitutions, substitute
from .cdk_assets import asset_source
from .errors import TemplateError, join
from .intrinsics import NO_VALUE, Intrinsics
from .transform import local_path

__all__ = ["definition_of", "substitutions_of"]


def definition_of(logical_id: str, properties: dict[str, Any], intrinsics: Intrinsics, base: Path) -> dict[str, Any]:
    """The state machine's definition with every intrinsic and DefinitionSubstitution resolved."""
    where = f"Resources.{logical_id}.Properties"
    given = [key for key in ("Definition", "DefinitionString", "DefinitionS3Location") if key in properties]
    if len(given) != 1:
        raise TemplateError(f"{where}: a state machine has exactly one of Definition, DefinitionString and "
                            f"DefinitionS3Location{', not ' + ' and '.join(given) if given else ''}")
    key = given[0]
    here = join(where, key)
    if key == "Definition":
        definition = intrinsics.resolve(properties[key], here)
    elif key == "DefinitionString":
        text = intrinsics.resolve(properties[key], here)
        if not isinstance(text, str):
            raise TemplateError(f"{here}: must be a JSON text, not {type(text).__name__}")
        definition = _parse_json(text, here, "the definition")
    else:
        definition = _read_file(_definition_file(intrinsics.resolve(properties[key], here), here, base), here)
    if not isinstance(definition, dict):
        raise TemplateError(f"{here}: the definition must be an object with StartAt and States")
    values = substitutions_of(logical_id, properties, intrinsics)
    substituted, problems = substitute(definition, values)
    if problems:
        missing = "; ".join(f"{problem.location or '(top)'}: {problem.message}" for problem in problems)
        raise TemplateError(f"{join(where, 'DefinitionSubstitutions')}: the definition of {logical_id} uses "
                            f"placeholders without a value: {missing}")
    return substituted  # type: ignore[no-any-return]


def substitutions_of(logical_id: str, properties: dict[str, Any], intrinsics: Intrinsics) -> dict[str, str]:
    """``DefinitionSubstitutions`` with each value resolved to a string (numbers and booleans as JSON writes them)."""
    where = f"Resources.{logical_id}.Properties.DefinitionSubstitutions"
    raw = properties.get("DefinitionSubstitutions")
    if raw is None:
        return {}
    values = intrinsics.resolve(raw, where)
    if values is NO_VALUE:
        return {}
    if not isinstance(values, dict):
        raise TemplateError(f"{where}: must map names to values")
    for name, value in values.items():
        if isinstance(value, (dict, list)) or value is None:
            raise TemplateError(f"{join(where, name)}: a substitution's value must be a string, number or "
                                f"boolean, not {json.dumps(value)}")
    try:
        return normalise_substitutions(values)
    except DefinitionError as exc:
        raise TemplateError(f"{where}: {'; '.join(str(problem) for problem in exc.problems)}") from None


def _definition_file(location: Any, here: str, base: Path) -> Path:
    placeholder = local_path(location)
    if placeholder is not None:
        return placeholder
    if isinstance(location, str) and not location.startswith("s3://"):
        return base / location
    if isinstance(location, dict) and isinstance(location.get("Key"), str):
        key = location["Key"]
        if (base / key).is_file():
            return base / key
        uploaded = asset_source(key, base)
        if uploaded is not None and uploaded.is_file():  # a CDK asset (DefinitionBody.fromFile), by its key
            return uploaded
    shown = location if isinstance(location, str) else f"s3://{location.get('Bucket')}/{location.get('Key')}" \
        if isinstance(location, dict) else json.dumps(location)
    raise TemplateError(f"{here}: the definition is in S3 ({shown}), which aslrun does not read: point it at a "
                        "local file (a path relative to the template)")


def _read_file(path: Path, here: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise TemplateError(f"{here}: cannot read the definition file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise TemplateError(f"{here}: the definition file {path} is not UTF-8 text: {exc}") from None
    if text.lstrip().startswith("{"):
        return _parse_json(text, here, f"the definition file {path}")
    import yaml  # type: ignore[import-untyped]

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        raise TemplateError(f"{here}: the definition file {path} is not valid JSON or YAML:{at} "
                            f"{getattr(exc, 'problem', None) or exc}") from None


def _parse_json(text: str, here: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(f"{here}: {what} is not valid JSON: {exc.msg} at line {exc.lineno} column "
                            f"{exc.colno}") from None

"""SAM templates (``Transform: AWS::Serverless-2016-10-31``) become CloudFormation, by SAM's own translator.

AWS expands ``AWS::Serverless::*`` resources with aws-sam-translator (the ``samtranslator``
package) when a SAM template is deployed; aslrun runs the same translator, so Globals,
``AWS::Serverless::StateMachine`` -> ``AWS::StepFunctions::StateMachine`` (with ``Definition`` turned
into a ``DefinitionString`` and its intrinsics into ``DefinitionSubstitutions``), functions'
roles, policy templates, events and ``AutoPublishAlias`` come out exactly as on AWS. The translator
is used rather than an expansion of our own: SAM's rules are many and change, and its output is
the reference.

It is run so that it needs no network and no AWS account:

* it is given a boto3 session naming the region (it only reads the name: no credentials, no
  calls), and a managed-policy loader that answers offline: policy names it does not have bundled
  stay names, as the translator leaves them when IAM does not know them either;
* local paths - what ``sam build`` / ``sam package`` would upload to S3 - are replaced before
  translating by a placeholder S3 location naming the local file (:data:`LOCAL_BUCKET`, the
  absolute path as the key): ``CodeUri`` of functions (and of ``Globals.Function``),
  ``DefinitionUri`` of state machines, APIs and ``ContentUri`` of layers. The translator requires
  S3 locations there, and the placeholder is how :mod:`.machines` and :mod:`.functions` find the
  local file again afterwards (:func:`local_path`). A local path that does not exist is a
  :class:`TemplateError` naming the resource and property, as ``sam build`` would refuse it;
* ``AWS::Serverless::Application`` (nested applications from the Serverless Application
  Repository) are set aside before translating and put back unchanged: fetching them needs the
  network, and aslrun does not run nested stacks.

``AWS::LanguageExtensions`` passes through: its functions ``Fn::ToJsonString``, ``Fn::Length`` and
``Fn::FindInMap`` with ``DefaultValue`` are evaluated with the others (:mod:`.intrinsics`);
``Fn::ForEach`` is refused. Any other transform (``AWS::Include``, macros) is a TemplateError.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from .errors import TemplateError
from .names import Deployment

__all__ = ["LOCAL_BUCKET", "SERVERLESS", "apply_transforms", "local_path"]

SERVERLESS = "AWS::Serverless-2016-10-31"
LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"

#: The bucket of the placeholder S3 locations that stand for local files (the key is the path).
LOCAL_BUCKET = "aslrun-local-file"

# (resource type, property): the local paths SAM's packaging uploads
_LOCAL_PATHS = (
    ("AWS::Serverless::Function", "CodeUri"),
    ("AWS::Serverless::StateMachine", "DefinitionUri"),
    ("AWS::Serverless::LayerVersion", "ContentUri"),
    ("AWS::Serverless::Api", "DefinitionUri"),
    ("AWS::Serverless::HttpApi", "DefinitionUri"),
)
_FOLDERS = {"CodeUri", "ContentUri"}  # directories (or .zip files); the others are files


def local_path(location: Any) -> Path | None:
    """The local file a placeholder S3 location (``{Bucket|S3Bucket, Key|S3Key}``) stands for, else None."""
    if not isinstance(location, dict):
        return None
    bucket = location.get("Bucket", location.get("S3Bucket"))
    key = location.get("Key", location.get("S3Key"))
    return Path(key) if bucket == LOCAL_BUCKET and isinstance(key, str) else None


def apply_transforms(template: dict[str, Any], *, base: Path, deployment: Deployment,
                     parameters: dict[str, Any]) -> dict[str, Any]:
    """The template as CloudFormation deploys it after its ``Transform`` (the template itself when it has none)."""
    declared = template.get("Transform")
    transforms = declared if isinstance(declared, list) else [] if declared is None else [declared]
    for logical_id in template.get("Resources") or {}:
        if str(logical_id).startswith("Fn::ForEach"):
            raise TemplateError(f"Resources.{logical_id}: Fn::ForEach (AWS::LanguageExtensions) is not expanded "
                                "by aslrun: write the resources out")
    for transform in transforms:
        if transform == LANGUAGE_EXTENSIONS:
            continue
        if transform != SERVERLESS:
            name = transform.get("Name") if isinstance(transform, dict) else transform
            raise TemplateError(f"Transform: aslrun runs {SERVERLESS} and {LANGUAGE_EXTENSIONS} templates, not "
                                f"{name!r}")
        template = _translate_serverless(template, base, deployment, parameters)
    return template


def _translate_serverless(template: dict[str, Any], base: Path, deployment: Deployment,
                          parameters: dict[str, Any]) -> dict[str, Any]:
    import boto3  # type: ignore[import-untyped]
    from samtranslator.model.exceptions import InvalidDocumentException  # type: ignore[import-untyped]
    from samtranslator.parser.parser import Parser  # type: ignore[import-untyped]
    from samtranslator.translator.translator import Translator  # type: ignore[import-untyped]

    source = copy.deepcopy(template)
    resources = source.get("Resources") or {}
    applications = {logical_id: resources.pop(logical_id) for logical_id in list(resources)
                    if isinstance(resources[logical_id], dict)
                    and resources[logical_id].get("Type") == "AWS::Serverless::Application"}
    _point_local_paths_at_placeholders(source, base)
    values = {**parameters, "AWS::AccountId": deployment.account, "AWS::StackName": deployment.stack_name}
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=deployment.region))
    try:
        translated = translator.translate(source, parameter_values=values, get_managed_policy_map=dict)
    except InvalidDocumentException as exc:
        causes = "; ".join(str(getattr(cause, "message", cause)) for cause in exc.causes) or str(exc)
        raise TemplateError(f"the SAM transform refused the template: {causes}") from None
    except Exception as exc:  # the translator's own checks raise assorted types on malformed input
        raise TemplateError(f"the SAM transform failed: {type(exc).__name__}: {exc}") from None
    translated.setdefault("Resources", {}).update(applications)
    return translated  # type: ignore[no-any-return]


def _point_local_paths_at_placeholders(template: dict[str, Any], base: Path) -> None:
    """Replace every local CodeUri / DefinitionUri / ContentUri by a placeholder S3 location."""
    function_globals = (template.get("Globals") or {}).get("Function")
    if isinstance(function_globals, dict):
        _replace(function_globals, "CodeUri", "Globals.Function", base)
    for logical_id, resource in (template.get("Resources") or {}).items():
        if not isinstance(resource, dict) or not isinstance(resource.get("Properties"), dict):
            continue
        for type_name, key in _LOCAL_PATHS:
            if resource.get("Type") == type_name:
                _replace(resource["Properties"], key, f"Resources.{logical_id}.Properties", base)


def _replace(properties: dict[str, Any], key: str, where: str, base: Path) -> None:
    value = properties.get(key)
    if not isinstance(value, str) or value.startswith("s3://"):
        return  # absent, already in S3, or an intrinsic the translator resolves itself
    path = (base / value).resolve()
    wanted_folder = key in _FOLDERS
    if wanted_folder and not (path.is_dir() or (path.is_file() and path.suffix == ".zip")):
        raise TemplateError(f"{where}.{key}: no such directory: {value} (looked for {path})")
    if not wanted_folder and not path.is_file():
        raise TemplateError(f"{where}.{key}: no such file: {value} (looked for {path})")
    properties[key] = {"Bucket": LOCAL_BUCKET, "Key": str(path)}

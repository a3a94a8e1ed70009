"""Nested stacks: an ``AWS::CloudFormation::Stack`` deployed with the template that holds it.

CloudFormation creates a nested stack from the template its ``TemplateURL`` names, with the
``Parameters`` the parent gives it (resolved in the parent), under the name
``<parent stack>-<LogicalId>-<SUFFIX>``; the parent reads what the child exports as
``Fn::GetAtt [LogicalId, Outputs.Name]``. aslrun finds the child's template here:

* a path relative to the template (what ``aws cloudformation package`` starts from), or
* the CDK asset the cloud assembly publishes under the URL's last part (``<hash>.json``, see
  :mod:`.cdk_assets`): a CDK ``NestedStack`` is written beside its parent as
  ``<Parent><Id>.nested.template.json``.

The child is loaded like any template (:func:`~aslrun.templates.app.load_template`), its own nested
stacks too; the parent's app then holds the child's state machines and functions, bound with its
own, its resources and event sources, and its outputs for ``Fn::GetAtt`` (an output that cannot be
resolved is an error only when the parent asks for it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .cdk_assets import asset_source
from .errors import TemplateError, join
from .intrinsics import NO_VALUE, Intrinsics
from .names import generated_name

__all__ = ["NESTED_STACK", "NestedStack", "load_nested_stacks", "outputs_of"]

NESTED_STACK = "AWS::CloudFormation::Stack"
_NESTING = threading.local()  # the templates being loaded, outermost first (a template may not nest itself)


@dataclass
class NestedStack:
    logical_id: str
    app: Any  # the child's TemplateApp
    outputs: dict[str, Any] = field(default_factory=dict)  # name -> value, or the TemplateError resolving it


def load_nested_stacks(intrinsics: Intrinsics, template_path: Path, stack_name: str,
                       load: Callable[[Path, dict[str, str], str], Any]) -> list[NestedStack]:
    """Every created nested stack of the template at ``template_path``, loaded with ``load(path,
    parameters, stack_name)``, in template order; each one's outputs are available to the parent's
    ``Fn::GetAtt`` as soon as it is loaded (a later sibling's parameters may use them)."""
    nesting = _NESTING.__dict__.setdefault("paths", [])
    nesting.append(template_path.resolve())
    try:
        return _load_each(intrinsics, template_path.resolve().parent, stack_name, load, nesting)
    finally:
        nesting.pop()


def _load_each(intrinsics: Intrinsics, base: Path, stack_name: str, load: Callable[[Path, dict[str, str], str], Any],
               nesting: list[Path]) -> list[NestedStack]:
    loaded = []
    for logical_id, resource in intrinsics.resources.items():
        if not (isinstance(resource, dict) and resource.get("Type") == NESTED_STACK and intrinsics.created(logical_id)):
            continue
        where = f"Resources.{logical_id}.Properties"
        properties = resource.get("Properties") or {}
        path = _template_file(intrinsics.resolve(properties.get("TemplateURL"), join(where, "TemplateURL")),
                              join(where, "TemplateURL"), base)
        if path.resolve() in nesting:
            raise TemplateError(f"{join(where, 'TemplateURL')}: {path.name} nests itself (it is one of the templates "
                                "this nested stack is in)")
        parameters = _parameters(intrinsics.resolve(properties.get("Parameters", {}), join(where, "Parameters")),
                                 join(where, "Parameters"))
        child_name = generated_name(stack_name, logical_id, limit=128)
        try:
            app = load(path, parameters, child_name)
        except TemplateError as exc:
            raise TemplateError(f"{where}.TemplateURL ({path.name}): {exc}") from None
        nested = NestedStack(logical_id, app, outputs_of(app))
        intrinsics.names.nested_outputs[logical_id] = nested.outputs
        loaded.append(nested)
    return loaded


def outputs_of(app: Any) -> dict[str, Any]:
    """A loaded template's ``Outputs``, resolved (an output that cannot be is kept as its error)."""
    outputs: dict[str, Any] = {}
    intrinsics = app.intrinsics
    for name, output in (app.template.get("Outputs") or {}).items():
        if not isinstance(output, dict) or "Value" not in output:
            continue
        condition = output.get("Condition")
        try:
            if isinstance(condition, str) and not intrinsics.condition(condition, f"Outputs.{name}.Condition"):
                continue
            value = intrinsics.resolve(output["Value"], f"Outputs.{name}.Value")
        except TemplateError as exc:
            value = exc
        if value is not NO_VALUE:
            outputs[name] = value
    return outputs


def _template_file(url: Any, where: str, base: Path) -> Path:
    if not isinstance(url, str) or not url:
        raise TemplateError(f"{where}: a nested stack names its template with a URL or a local path")
    if "://" not in url:
        path = base / url
    else:
        key = urlsplit(url).path.rsplit("/", 1)[-1]
        found = asset_source(key, base) if key else None
        path = found if found is not None else base / key
    if not path.is_file():
        raise TemplateError(f"{where}: the nested stack's template is not here ({url}: looked for {path}); "
                            "aslrun reads a local file or a CDK asset beside the template, not S3")
    return path


def _parameters(value: Any, where: str) -> dict[str, str]:
    if value is NO_VALUE or value is None:
        return {}
    if not isinstance(value, dict):
        raise TemplateError(f"{where}: must map parameter names to values")
    out = {}
    for name, given in value.items():
        if isinstance(given, list):
            given = ",".join(str(item) for item in given)  # a List<...> parameter passes as its text
        elif isinstance(given, bool):
            given = "true" if given else "false"
        elif isinstance(given, dict) or given is None:
            raise TemplateError(f"{join(where, name)}: a parameter's value is a string, not {given!r}")
        out[str(name)] = str(given)
    return out

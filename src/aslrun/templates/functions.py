"""A template's ``AWS::Lambda::Function``: where its code is, and how Lambda would run it.

What a function needs to run here is read from its (SAM-translated) resource:

* **code**, a directory: SAM's ``CodeUri`` (a directory or .zip relative to the template, see
  :mod:`.transform`); a CDK asset, named by the resource's ``Metadata`` (``aws:asset:path``:
  ``asset.<hash>``, relative to ``cdk.out``, with ``aws:asset:property: Code``), or without that
  metadata the asset the assembly's manifest publishes under the code's ``S3Key`` (:mod:`.cdk_assets`); inline
  ``Code.ZipFile`` (written to ``index.py`` as Lambda writes it); or ``Code`` as a local path (what
  ``aws cloudformation package`` accepts), also as the ``S3Key`` of an S3 location when that path
  exists beside the template. A ``.zip`` is unpacked into the app's scratch directory. Code that
  is only in S3 is an error for a Python function (there is nothing to import);
* ``Runtime`` (``PackageType: Image`` functions have none: they are not Python), ``Handler``
  (``module.function``, ``pkg.module.function`` or ``pkg/sub.module.function``);
* ``Environment.Variables`` (SAM's Globals already merged in by the translator), each value a string;
* ``Timeout`` (seconds, 3 when absent, as Lambda's default) and ``MemorySize`` (128);
* ``Layers`` (SAM's Globals merged in): each layer the template defines (``AWS::Lambda::LayerVersion``,
  SAM's ``AWS::Serverless::LayerVersion`` with its ``ContentUri``, a CDK asset) by ``!Ref`` or by its
  ARN. Its content is found as the function's code is; its ``python`` directory holds modules the
  function imports as its own (a layer whose top holds Python modules and no ``python`` directory,
  the source of a ``BuildMethod: python3.x`` layer, is that directory itself, as ``sam build``
  would lay it out), and its ``python/lib/python3.x/site-packages`` dependencies, loaded once for
  the process. A layer the
  template does not define (a published layer's ARN) is left to the interpreter: what it holds must be
  installed there, as the function's ``requirements.txt`` must.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cdk_assets import asset_source
from .errors import TemplateError, join
from .intrinsics import NO_VALUE, Intrinsics
from .lambda_runtime import layer_paths
from .transform import local_path

__all__ = ["FunctionSpec", "is_python", "read_function"]

_DEFAULT_TIMEOUT = 3
_DEFAULT_MEMORY = 128


@dataclass
class FunctionSpec:
    """One function as the template defines it."""

    logical_id: str
    name: str
    arn: str
    runtime: str
    handler: str = ""
    code_dir: Path | None = None  # the directory Lambda would unpack the code into (None: not Python)
    environment: dict[str, str] = field(default_factory=dict)
    timeout: int = _DEFAULT_TIMEOUT
    memory: int = _DEFAULT_MEMORY
    layers: tuple[Path, ...] = ()  # the layers' python directories, the last layer first
    libraries: tuple[Path, ...] = ()  # the layers' site-packages directories
    external_layers: tuple[str, ...] = ()  # the ARNs of layers the template does not define


def is_python(runtime: str) -> bool:
    return runtime.startswith("python")


def read_function(logical_id: str, resource: dict[str, Any], intrinsics: Intrinsics, base: Path,
                  scratch: Callable[[str], Path]) -> FunctionSpec:
    """The function ``logical_id`` as a :class:`FunctionSpec`; ``scratch(name)`` gives an empty
    directory of the app's own (for inline code and unpacked archives)."""
    where = f"Resources.{logical_id}.Properties"
    properties = resource.get("Properties") or {}

    def prop(key: str, default: Any = None) -> Any:
        if key not in properties:
            return default
        value = intrinsics.resolve(properties[key], join(where, key))
        return default if value is NO_VALUE else value

    image = prop("PackageType") == "Image"
    runtime = "container image" if image else str(prop("Runtime", ""))
    spec = FunctionSpec(logical_id=logical_id, name=intrinsics.names.physical_name(logical_id),
                        arn=intrinsics.names.arn(logical_id), runtime=runtime,
                        handler=str(prop("Handler", "")), environment=_environment(prop("Environment"), where),
                        timeout=_positive_int(prop("Timeout", _DEFAULT_TIMEOUT), join(where, "Timeout")),
                        memory=_positive_int(prop("MemorySize", _DEFAULT_MEMORY), join(where, "MemorySize")))
    if image or not is_python(runtime):
        return spec
    if not spec.handler:
        raise TemplateError(f"{join(where, 'Handler')}: a Python function needs a Handler ('module.function')")
    code_dir, problem = _code_dir(logical_id, resource, prop("Code"), base, scratch)
    if code_dir is None:
        raise TemplateError(problem)
    spec.code_dir = code_dir
    _read_layers(spec, properties.get("Layers"), join(where, "Layers"), intrinsics, base, scratch)
    return spec


def _read_layers(spec: FunctionSpec, layers: Any, where: str, intrinsics: Intrinsics, base: Path,
                 scratch: Callable[[str], Path]) -> None:
    if layers is None:
        return
    if not isinstance(layers, list):
        raise TemplateError(f"{where}: a list of layer version ARNs")
    defined = {intrinsics.names.arn(logical_id): logical_id for logical_id, resource in intrinsics.resources.items()
               if isinstance(resource, dict) and resource.get("Type") == "AWS::Lambda::LayerVersion"}
    python_dirs: list[Path] = []
    libraries: list[Path] = []
    external: list[str] = []
    for index, entry in enumerate(layers):
        here = join(where, str(index))
        named = entry.get("Ref") if isinstance(entry, dict) and set(entry) == {"Ref"} else None
        layer = named if named in defined.values() else None
        if layer is None:
            value = intrinsics.resolve(entry, here)
            if value is NO_VALUE:
                continue
            layer = defined.get(str(value))
            if layer is None:
                external.append(str(value))
                continue
        content, problem = _code_dir(layer, intrinsics.resources[layer],
                                     intrinsics.resolve((intrinsics.resources[layer].get("Properties") or {}).get(
                                         "Content"), f"Resources.{layer}.Properties.Content"),
                                     base, scratch, asset_property="Content")
        if content is None:
            raise TemplateError(f"{here}: the layer {layer}: {problem}")
        python_dir, site_packages = layer_paths(content, spec.runtime)
        if python_dir is not None:
            python_dirs.append(python_dir)
        libraries += site_packages
    spec.layers = tuple(reversed(python_dirs))  # (a later layer's files overwrite an earlier one's)
    spec.libraries = tuple(reversed(libraries))
    spec.external_layers = tuple(external)


def _code_dir(logical_id: str, resource: dict[str, Any], code: Any, base: Path,
              scratch: Callable[[str], Path], *, asset_property: str = "Code") -> tuple[Path | None, str]:
    """Where the code (a function's ``Code``, a layer's ``Content``) is, as a local directory; else why not."""
    where = f"Resources.{logical_id}.Properties.{asset_property}"
    metadata = resource.get("Metadata") or {}
    asset = metadata.get("aws:asset:path") if isinstance(metadata, dict) else None
    if isinstance(asset, str) and metadata.get("aws:asset:property", asset_property) == asset_property:
        return _local(base / asset, f"Resources.{logical_id}.Metadata.aws:asset:path", asset, scratch, logical_id)
    if isinstance(code, str):
        return _local(base / code, where, code, scratch, logical_id)
    if not isinstance(code, dict):
        return None, f"{where}: the function has no code (Code, CodeUri or a CDK asset)"
    if "ZipFile" in code:
        folder = scratch(f"{logical_id}-inline")
        (folder / "index.py").write_text(str(code["ZipFile"]), encoding="utf-8")
        return folder, ""
    placeholder = local_path(code)
    if placeholder is not None:
        return _local(placeholder, f"Resources.{logical_id}.Properties.CodeUri", str(placeholder), scratch, logical_id)
    key = code.get("S3Key")
    if isinstance(key, str):
        if (base / key).exists():
            return _local(base / key, join(where, "S3Key"), key, scratch, logical_id)
        uploaded = asset_source(key, base)
        if uploaded is not None:  # a CDK asset, found by the key the assembly publishes it under
            return _local(uploaded, join(where, "S3Key"), f"{key} (the CDK asset {uploaded.name})", scratch,
                          logical_id)
    return None, (f"{where}: the code is in S3 (s3://{code.get('S3Bucket')}/{key}), which aslrun does not read: "
                  "point CodeUri (or Code) at a local directory")


def _local(path: Path, where: str, shown: str, scratch: Callable[[str], Path],
           logical_id: str) -> tuple[Path | None, str]:
    if path.is_dir():
        return path.resolve(), ""
    if path.is_file() and zipfile.is_zipfile(path):
        folder = scratch(f"{logical_id}-zip")
        with zipfile.ZipFile(path) as archive:
            archive.extractall(folder)
        return folder, ""
    return None, f"{where}: no such directory: {shown} (looked for {path.resolve()})"


def _environment(environment: Any, where: str) -> dict[str, str]:
    if not environment:
        return {}
    here = join(join(where, "Environment"), "Variables")
    variables = environment.get("Variables") if isinstance(environment, dict) else None
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise TemplateError(f"{here}: must map names to values")
    out = {}
    for name, value in variables.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        if not isinstance(value, (str, int, float)):
            raise TemplateError(f"{join(here, name)}: an environment variable's value must be a string, not "
                                f"{type(value).__name__}")
        out[str(name)] = str(value)
    return out


def _positive_int(value: Any, where: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise TemplateError(f"{where}: must be a whole number, not {value!r}") from None
    if number < 1:
        raise TemplateError(f"{where}: must be at least 1, not {number}")
    return number

"""Lambda layers on the server: published, read, listed and deleted through Lambda's API
(``aws_lambda_layer_version``, ``aws lambda publish-layer-version``), and given to the functions that
name them.

A layer version's archive is kept in the code store (:mod:`.code_store`, by digest, beside the
functions'); its row (``LayerVersionContentOutput`` and the rest as the API answers them) in the
server's database, committed before the answer. Version numbers grow from 1 per layer name and are
never given twice, a deleted version's included, as on Lambda. A function whose ``Layers`` name a
version published here runs with it (:meth:`LayerRegistry.content`): the layer's ``python``
directory is imported as the function's own code, its ``python/lib/python3.x/site-packages`` as
dependencies (:func:`~aslrun.templates.lambda_runtime.layer_paths`).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from ..store import Store
from .api import Answer, paged
from .code_store import CodeStore
from .errors import LambdaError

__all__ = ["LayerApi", "LayerRegistry"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS lambda_layers (
    region TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL, config TEXT NOT NULL, digest TEXT NOT NULL,
    PRIMARY KEY (region, name, version)
);
CREATE TABLE IF NOT EXISTS lambda_layer_names (
    region TEXT NOT NULL, name TEXT NOT NULL, next_version INTEGER NOT NULL, PRIMARY KEY (region, name)
)
"""
_NAME = re.compile(r"^[a-zA-Z0-9-_]{1,140}$")
_VERSION_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+):(\d+)$")


class LayerRegistry:
    def __init__(self, store: Store, codes: CodeStore) -> None:
        self.store = store
        self.codes = codes
        with store.write() as db:
            for statement in filter(str.strip, _SCHEMA.split(";")):
                db.execute(statement)

    def version(self, region: str, name: str, version: int) -> tuple[dict[str, Any], str] | None:
        row = self.store.one("SELECT config, digest FROM lambda_layers WHERE region = ? AND name = ? AND version = ?",
                             (region, name, version))
        return (json.loads(row["config"]), row["digest"]) if row is not None else None

    def versions(self, region: str, name: str | None = None) -> list[dict[str, Any]]:
        """Every version (of one layer, or of all), newest first within a layer, layers by name."""
        rows = self.store.all("SELECT config FROM lambda_layers WHERE region = ?" +
                              (" AND name = ?" if name is not None else "") + " ORDER BY name, version DESC",
                              (region, name) if name is not None else (region,))
        return [json.loads(row["config"]) for row in rows]

    def publish(self, region: str, name: str, make: Any, digest: str) -> dict[str, Any]:
        """The next version of the layer, ``make(number)`` its answer."""
        with self.store.write() as db:
            found = db.execute("SELECT next_version FROM lambda_layer_names WHERE region = ? AND name = ?",
                               (region, name)).fetchone()
            number = found["next_version"] if found is not None else 1
            config = make(number)
            db.execute("INSERT INTO lambda_layers (region, name, version, config, digest) VALUES (?, ?, ?, ?, ?)",
                       (region, name, number, json.dumps(config), digest))
            db.execute("INSERT INTO lambda_layer_names (region, name, next_version) VALUES (?, ?, ?) ON CONFLICT "
                       "(region, name) DO UPDATE SET next_version = excluded.next_version", (region, name, number + 1))
        return config  # type: ignore[no-any-return]

    def delete(self, region: str, name: str, version: int) -> None:
        with self.store.write() as db:
            db.execute("DELETE FROM lambda_layers WHERE region = ? AND name = ? AND version = ?", (region, name, version))

    def digests(self) -> set[str]:
        return {row["digest"] for row in self.store.all("SELECT digest FROM lambda_layers")}

    def by_arn(self, arn: str) -> tuple[dict[str, Any], str] | None:
        """The version a layer version ARN names, when it was published here."""
        found = _VERSION_ARN.match(arn)
        return self.version(found.group(1), found.group(3), int(found.group(4))) if found else None

    def content(self, arn: str) -> Path | None:
        """The unpacked archive of the layer version an ARN names (None: not published here)."""
        found = self.by_arn(arn)
        return self.codes.unpacked(found[1]) if found is not None else None

    def code_size(self, arn: str) -> int:
        found = self.by_arn(arn)
        return int(found[0]["Content"]["CodeSize"]) if found is not None else 0


class LayerApi:
    """PublishLayerVersion, GetLayerVersion, GetLayerVersionByArn, ListLayerVersions, ListLayers,
    DeleteLayerVersion."""

    def __init__(self, layers: LayerRegistry, *, account: str, code: Any) -> None:
        self.layers = layers
        self.account = account
        #: the functions' API: ``keeping_code()`` (Content -> its archive kept, ZipFile bytes or an object of
        #: the local S3), ``forget_unused_code()``
        self.code = code

    def publish_layer_version(self, members: dict[str, Any], region: str) -> Any:
        name = _layer_name(members.get("LayerName"))
        layer_arn = f"arn:aws:lambda:{region}:{self.account}:layer:{name}"

        def make(number: int) -> dict[str, Any]:
            config: dict[str, Any] = {
                "Content": {"Location": Path(self.layers.codes.folder, "code", f"{code.digest}.zip").as_uri(),
                            "CodeSha256": code.sha256_base64, "CodeSize": code.size},
                "LayerArn": layer_arn, "LayerVersionArn": f"{layer_arn}:{number}",
                "Description": str(members.get("Description") or ""),
                "CreatedDate": time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime()), "Version": number,
            }
            for key in ("CompatibleRuntimes", "CompatibleArchitectures", "LicenseInfo"):
                if members.get(key):
                    config[key] = members[key]
            return config

        with self.code.keeping_code() as keep:  # (no archive forgotten between it kept and its row)
            code = keep(members.get("Content") or {})
            return Answer(self.layers.publish(region, name, make, code.digest), 201)

    def get_layer_version(self, members: dict[str, Any], region: str) -> Any:
        name, version = _layer_name(members.get("LayerName")), _number(members.get("VersionNumber"))
        return Answer(self._found(region, name, version))

    def get_layer_version_by_arn(self, members: dict[str, Any], region: str) -> Any:
        arn = str(members.get("Arn") or "")
        found = _VERSION_ARN.match(arn)
        if found is None:
            raise LambdaError("ValidationException", f"1 validation error detected: Value '{arn}' at 'arn' failed to "
                                                     "satisfy constraint: Member must satisfy regular expression pattern: "
                                                     "arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-"
                                                     "[a-z]+-\\d{1}:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+")
        return Answer(self._found(found.group(1), found.group(3), int(found.group(4))))

    def list_layer_versions(self, members: dict[str, Any], region: str) -> Any:
        name = _layer_name(members.get("LayerName"))
        versions = [_summary(config) for config in self.layers.versions(region, name) if _compatible(config, members)]
        return Answer(paged("LayerVersions", versions, members, most=50))

    def list_layers(self, members: dict[str, Any], region: str) -> Any:
        latest: dict[str, dict[str, Any]] = {}
        for config in self.layers.versions(region):
            name = config["LayerArn"].rsplit(":", 1)[-1]
            if name not in latest and _compatible(config, members):
                latest[name] = config
        layers = [{"LayerName": name, "LayerArn": config["LayerArn"], "LatestMatchingVersion": _summary(config)}
                  for name, config in sorted(latest.items())]
        return Answer(paged("Layers", layers, members, most=50))

    def delete_layer_version(self, members: dict[str, Any], region: str) -> Any:
        name, version = _layer_name(members.get("LayerName")), _number(members.get("VersionNumber"))
        self.layers.delete(region, name, version)  # (one that is not there: done already, as Lambda answers)
        self.code.forget_unused_code()
        return Answer(None, 204)

    def _found(self, region: str, name: str, version: int) -> dict[str, Any]:
        found = self.layers.version(region, name, version)
        if found is None:
            raise LambdaError("ResourceNotFoundException", "The resource you requested does not exist.")
        return found[0]


def _summary(config: dict[str, Any]) -> dict[str, Any]:
    """A version as ListLayerVersions and ListLayers show it (no Content, no LayerArn)."""
    return {key: value for key, value in config.items() if key not in ("Content", "LayerArn")}


def _compatible(config: dict[str, Any], members: dict[str, Any]) -> bool:
    runtime, architecture = members.get("CompatibleRuntime"), members.get("CompatibleArchitecture")
    return ((not runtime or runtime in config.get("CompatibleRuntimes", []))
            and (not architecture or architecture in config.get("CompatibleArchitectures", [])))


def _layer_name(name: Any) -> str:
    text = str(name or "")
    found = re.match(r"^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:layer:([a-zA-Z0-9-_]+)$", text)
    if found:
        return found.group(1)
    if not _NAME.match(text):
        raise LambdaError("ValidationException", f"1 validation error detected: Value '{text}' at 'layerName' failed "
                                                 "to satisfy constraint: Member must satisfy regular expression "
                                                 "pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:"
                                                 "[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+")
    return text


def _number(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise LambdaError("InvalidParameterValueException", f"VersionNumber must be a whole number, not {value!r}") \
            from None

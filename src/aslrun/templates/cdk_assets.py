"""Where a CDK cloud assembly keeps the files its templates name in S3.

``cdk deploy`` uploads each file asset to the bootstrap bucket before the stack is created, and the
template names only the upload (``Code: {S3Bucket: cdk-...-assets-..., S3Key: <hash>.zip}``). What
was uploaded is written in the assembly's asset manifests, ``<stack>.assets.json`` beside the
template: each file asset's ``source.path`` (``asset.<hash>``, a directory or an archive, relative
to the manifest) and the ``objectKey`` of each destination it is published to. ``cdk synth`` also
names the path in the resource's ``Metadata`` (``aws:asset:path``), but an app synthesized by
running it directly (``python app.py``) has no such metadata: the manifest is what both have.
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["asset_source"]


def asset_source(object_key: str, folder: Path) -> Path | None:
    """The local source of the file asset published under ``object_key``, as the asset manifests
    in ``folder`` (a cloud assembly, ``cdk.out``) say; None when no manifest names that key."""
    for manifest in sorted(folder.glob("*.assets.json")):
        try:
            document = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # not a manifest we can read: the caller reports the code as not found
        files = document.get("files") if isinstance(document, dict) else None
        for asset in (files or {}).values() if isinstance(files, dict) else ():
            if not isinstance(asset, dict):
                continue
            source = asset.get("source") or {}
            destinations = asset.get("destinations") or {}
            path = source.get("path") if isinstance(source, dict) else None
            if isinstance(path, str) and isinstance(destinations, dict) and any(
                    isinstance(d, dict) and d.get("objectKey") == object_key for d in destinations.values()):
                return manifest.parent / path
    return None

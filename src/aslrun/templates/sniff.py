"""``looks_like_template``: is a file a template or a state machine definition? Told by reading the
file, not building it, and without importing the rest of the package (its YAML reader and what
comes with it: about 20 ms of each command that is handed a definition)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

__all__ = ["looks_like_template"]


def looks_like_template(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a CloudFormation / SAM / CDK template (a mapping with ``Resources``) rather
    than a state machine definition (``StartAt`` / ``States``). Reads the file quickly, without
    building it; any file that cannot be read or parsed is not a template. JSON is read without
    importing YAML."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return False
    try:
        if text.lstrip().startswith("{"):
            document = json.loads(text)
        else:
            import yaml  # type: ignore[import-untyped]

            try:
                document = yaml.load(text, Loader=_tag_blind_loader())  # a SafeLoader that ignores tags
            except yaml.YAMLError:  # not YAML: not a template
                return False
    except (ValueError, RecursionError):  # not JSON: not a template
        return False
    if not isinstance(document, dict) or "States" in document or "StartAt" in document:
        return False
    return isinstance(document.get("Resources"), dict)


def _tag_blind_loader() -> Any:
    import yaml

    class Loader(yaml.SafeLoader):
        """YAML's safe loader reading ``!Ref`` and the other CloudFormation tags as plain values."""

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    return Loader

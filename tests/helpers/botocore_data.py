"""botocore's data files, read once per process instead of once per session.

botocore reads its data files (API models, endpoint rules: JSON) through a session's loader, which
keeps what it read for that session only. Every LocalAws makes a new boto3 session, so each one
started re-read and re-parsed the same files: ~0.1 s every time, in every test that starts a local
AWS (and several times in some). With ``botocore.session.create_loader`` replaced by
:func:`sharing_loader` (tests/conftest.py does it for the whole test session; the crash-safety zygote
does it before it forks), they are read once per process.
"""

from __future__ import annotations

from typing import Any

__all__ = ["sharing_loader"]

_LOADER_CACHES: dict[str | None, dict[Any, Any]] = {}


def sharing_loader(search_path_string: str | None = None) -> Any:
    """botocore's ``create_loader``, but its loaders share what they read (one cache per search path).

    The data are botocore's own, read-only and the same for every session: one session's loader
    already hands the same parsed documents to all its clients, and this only makes the sessions of
    one process share them too. Nothing the tests check passes through them (no state of the local
    AWS does)."""
    from botocore.loaders import create_loader

    loader = create_loader(search_path_string)
    loader._cache = _LOADER_CACHES.setdefault(search_path_string, {})  # (the dict its @instance_cache uses)
    return loader

"""TemplateError, and the two helpers every message about a template uses: where, and what was meant.

A place in a template is written as CloudFormation's own messages write it, keys joined by dots
and list items by index: ``Resources.Billing.Properties.DefinitionSubstitutions.Foo``,
``Resources.Billing.Properties.Environment.Variables.TABLE``, ``Conditions.IsProd.Fn::Equals[0]``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from ..errors import AslrunError

__all__ = ["TemplateError", "did_you_mean", "join"]


class TemplateError(AslrunError):
    """A template cannot be run as it stands: the message names the resource (logical id) and what is wrong."""


def join(path: str, key: str | int) -> str:
    """The place ``key`` below ``path``: ``a.b`` for a key, ``a[0]`` for a list index."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'X'?)`` when a candidate is close to ``name``; else an empty string."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""

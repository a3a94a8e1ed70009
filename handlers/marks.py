"""What a handler tells a local runner about itself; nothing changes where it is deployed.

``@reads_event_only`` marks a handler that never changes its event: aslrun then calls it with the
execution's own value instead of a private copy (about a fifth of a bulk reading's CPU went on those
copies). The mark is a plain attribute, so the handlers need no aslrun on Lambda; aslrun's test
sessions check the promise on every call (``ASLRUN_CHECK_EVENTS``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["reads_event_only"]

H = TypeVar("H", bound=Callable[..., Any])


def reads_event_only(handler: H) -> H:
    setattr(handler, "aslrun_reads_event_only", True)  # (aslrun.integrations.shared_events.MARK)
    return handler

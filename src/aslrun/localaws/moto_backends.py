"""Which of moto's services hold anything in this process, without asking them.

moto makes a service's state (its backend, per account and region) on the service's first request,
and drops it all when its mocks are reset (a local AWS started with ``reset``): until then the
service's ``BackendDict`` is empty. A snapshot of a local AWS asks every service it keeps for what
it holds; asking one nobody has used makes its state first (and its client, with its model): for
EventBridge and EventBridge Scheduler together about 0.17 s, at every ``aslrun aws`` run's save,
to learn that there is nothing. :func:`in_use` tells such a service apart so that it is not asked.
"""

from __future__ import annotations

import sys

__all__ = ["in_use"]


def in_use(service: str) -> bool:
    """False only when moto's ``service`` (its package name: ``events``, ``dynamodb``, ``iam``...)
    certainly holds nothing in this process: its models never imported, or its backends all
    dropped since it was last used. True otherwise (a moto whose modules are laid out otherwise
    than this expects is asked as before)."""
    module = sys.modules.get(f"moto.{service}.models")
    if module is None:
        return False
    backends = getattr(module, f"{service}_backends", None)
    if not isinstance(backends, dict):
        return True
    return dict.__len__(backends) > 0

"""``LAMBDA_ENDPOINT`` for ``aslrun serve``: :class:`~aslrun.integrations.remote_lambda.RemoteLambda`.

The class lives in :mod:`aslrun.integrations.remote_lambda` (it is a handler like any other, used by
the server and by :mod:`aslrun.templates`); this name is kept so existing imports go on working.
"""

from __future__ import annotations

from ..integrations.remote_lambda import RemoteLambda

__all__ = ["RemoteLambda"]

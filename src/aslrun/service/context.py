"""Who is asking: the region, account and partition a request is answered in, and its id.

Step Functions is regional: an SDK client for ``eu-west-1`` sees only that region's state
machines. The region comes from the request's SigV4 credential scope (every SDK signs requests,
even to a local endpoint), else the server's default region.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field

__all__ = ["Call", "region_of"]

_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([a-z0-9-]+)/")


@dataclass
class Call:
    region: str
    account: str
    partition: str = "aws"
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    now: float = field(default_factory=lambda: round(time.time(), 3))


def region_of(authorization: str | None, default: str) -> str:
    """The region of a SigV4 ``Authorization`` header's credential scope (``default`` if none)."""
    if authorization:
        match = _SCOPE.search(authorization)
        if match:
            return match.group(1)
    return default

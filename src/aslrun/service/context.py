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

__all__ = ["Call", "credential_scope", "region_of"]

# Credential=KEY/DATE/REGION/SERVICE/aws4_request (the service part, where present, is the signing name)
_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([a-z0-9-]+)/(?:([a-z0-9-]+)/aws4_request)?")


@dataclass
class Call:
    region: str
    account: str
    partition: str = "aws"
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    now: float = field(default_factory=lambda: round(time.time(), 3))


def credential_scope(authorization: str | None) -> tuple[str, str | None] | None:
    """``(region, service)`` of a SigV4 ``Authorization`` header's credential scope (the service None
    when the scope does not name one); None when the header is not SigV4."""
    match = _SCOPE.search(authorization) if authorization else None
    return (match.group(1), match.group(2)) if match else None


def region_of(authorization: str | None, default: str) -> str:
    """The region of a SigV4 ``Authorization`` header's credential scope (``default`` if none)."""
    scope = credential_scope(authorization)
    return scope[0] if scope else default

"""Who may use the console: pages only for a Host this server is (no DNS rebinding), actions only
from the console's own pages (same origin, and the page's token).

* Every console request must name the server by an IP address or ``localhost`` in its ``Host``
  header. A web page elsewhere that rebinds its own domain name to 127.0.0.1 sends its domain there,
  and is refused: it can neither read the console nor act through it.
* An action (``POST``) must carry the token the server put in the page (``X-Console-Token``), as
  JSON, and, when the browser says where it comes from (``Origin``, ``Sec-Fetch-Site``), come from
  this very origin. Another site cannot read the token and cannot set the header without a CORS
  preflight, which the console never grants.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from urllib.parse import urlsplit

from starlette.requests import Request

__all__ = ["Guard", "TOKEN_HEADER"]

TOKEN_HEADER = "x-console-token"


class Guard:
    def __init__(self) -> None:
        self.token = secrets.token_urlsafe(32)  # new at each start: a page of an earlier server is refused

    def host_refusal(self, request: Request) -> str | None:
        """Why a request is not the console's to answer (None: it is)."""
        host = request.headers.get("host", "")
        name = urlsplit(f"//{host}").hostname or ""
        if name == "localhost" or _is_ip(name):
            return None
        return f"the console answers requests for this machine's address only, not Host {host!r}"

    def action_refusal(self, request: Request) -> str | None:
        """Why an action is refused (None: it may go ahead)."""
        refusal = self.host_refusal(request)
        if refusal is not None:
            return refusal
        given = request.headers.get(TOKEN_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            return "the console's token is missing or out of date: reload the page"
        if not request.headers.get("content-type", "").startswith("application/json"):
            return "an action is sent as application/json"
        site = request.headers.get("sec-fetch-site")
        if site is not None and site not in ("same-origin", "none"):
            return f"an action must come from the console's own page (Sec-Fetch-Site: {site})"
        origin = request.headers.get("origin")
        if origin is not None and urlsplit(origin).netloc != request.headers.get("host", ""):
            return f"an action must come from the console's own page (Origin: {origin})"
        return None


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True

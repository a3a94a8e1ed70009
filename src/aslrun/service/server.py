"""Running the service: bind the socket, serve with uvicorn, stop cleanly.

The socket is bound here, before uvicorn starts, so a port in use is a clear error and
``--port 0`` takes a free port (the ready line names it: tests and scripts read it). The ready line
goes to stdout once the server answers; SIGINT/SIGTERM stop it (requests in flight get a few
seconds), and executions still running are then recorded as interrupted, never left RUNNING.
"""

from __future__ import annotations

import socket
import sys
from typing import Any

from .provider import ServiceConfig, StepFunctionsService

__all__ = ["BindError", "serve"]

class BindError(Exception):
    """The address cannot be bound (in use, not local, no permission)."""


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP given explicitly: asyncio turns Nagle's algorithm off only on sockets that say they
    # are TCP, and with it on every small answer waits ~40 ms for the client's delayed ACK
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno in (98, 48):  # EADDRINUSE (Linux, macOS)
            raise BindError(f"port {port} on {host} is already in use (another aslrun serve, or Step Functions "
                            "Local?): stop it or pass --port") from None
        raise BindError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def serve(config: ServiceConfig, *, host: str = "127.0.0.1", port: int = 8083, announce: Any = None) -> None:
    """Serve until SIGINT/SIGTERM. ``announce(url, service)`` is called once the server answers."""
    import uvicorn

    from .app import build_app

    sock = bind(host, port)
    actual_port = sock.getsockname()[1]
    service = StepFunctionsService(config)
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{actual_port}"

    class Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            if announce is not None and self.started:
                announce(url, service)

        def handle_exit(self, sig: int, frame: Any) -> None:
            super().handle_exit(sig, frame)
            self._captured_signals.clear()  # a signal stops us cleanly here: uvicorn need not raise it again

    server = Server(uvicorn.Config(build_app(service), log_level="warning", access_log=False, lifespan="off",
                                   timeout_graceful_shutdown=5, ws="none"))
    try:
        server.run(sockets=[sock])
    finally:
        service.close()
        sock.close()
    if not server.started:
        sys.exit(1)

"""Running the service: bind the socket, serve with uvicorn, stop cleanly.

The socket is bound here, before uvicorn starts, so a port in use is a clear error and
``--port 0`` takes a free port (the ready line names it: tests and scripts read it). The ready line
goes to stdout once the server answers; SIGINT/SIGTERM stop it (requests in flight get a few
seconds), and executions still running are then recorded as interrupted, never left RUNNING.
"""

from __future__ import annotations

import math
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
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


def _prompt_server_class() -> type:
    """uvicorn's server, stopping as soon as it is told to (made on first use: uvicorn is imported
    only when a server runs).

    uvicorn looks at its exit flag every 0.1 s, and its shutdown then waits a fixed 0.1 s for the
    connections it asked to close before it waits for the rest: each stop took about 0.2 s
    (a test suite that starts and stops servers pays it every time; Ctrl-C felt slow). Here the
    signal wakes the loop at once, and the shutdown waits only while a connection or a request's
    task is still open, looking every 5 ms, up to ``timeout_graceful_shutdown``; requests in
    flight still finish, as before."""
    import asyncio

    import uvicorn

    class PromptServer(uvicorn.Server):  # type: ignore[misc]
        _exit_requested: asyncio.Event | None = None
        _loop: asyncio.AbstractEventLoop | None = None

        def handle_exit(self, sig: int, frame: Any) -> None:
            super().handle_exit(sig, frame)
            self._captured_signals.clear()  # a signal stops us cleanly here: uvicorn need not raise it again
            if self._loop is not None and self._exit_requested is not None:
                self._loop.call_soon_threadsafe(self._exit_requested.set)  # (wakes the loop's select)

        async def main_loop(self) -> None:
            self._loop = asyncio.get_running_loop()
            self._exit_requested = asyncio.Event()
            ticks = 0
            should_exit = await self.on_tick(ticks)
            while not should_exit:
                ticks = (ticks + 1) % 864000
                try:  # uvicorn's tick (0.1 s: the Date header, --limit-max-requests), or the signal
                    await asyncio.wait_for(self._exit_requested.wait(), 0.1)
                except TimeoutError:
                    pass
                should_exit = await self.on_tick(ticks)

        async def shutdown(self, sockets: Any = None) -> None:
            for server in self.servers:
                server.close()  # no new connections
            for sock in sockets or []:
                sock.close()
            state = self.server_state
            for connection in list(state.connections):
                connection.shutdown()  # idle ones close now, busy ones after their answer
            loop = asyncio.get_running_loop()
            grace = self.config.timeout_graceful_shutdown  # (5 s, see serve(); None would be no limit)
            deadline = loop.time() + (grace if grace is not None else math.inf)
            while (state.connections or state.tasks) and not self.force_exit and loop.time() < deadline:
                await asyncio.sleep(0.005)
            for task in list(state.tasks) if state.tasks and not self.force_exit else ():
                task.cancel(msg="Task cancelled, timeout graceful shutdown exceeded")
            for server in self.servers:
                await server.wait_closed()
            if not self.force_exit:
                await self.lifespan.shutdown()

    return PromptServer


def serve(config: ServiceConfig, *, host: str = "127.0.0.1", port: int = 8083, announce: Any = None) -> None:
    """Serve until SIGINT/SIGTERM. ``announce(url, service)`` is called once the server answers."""
    import uvicorn

    from .app import build_app

    prompt_server = _prompt_server_class()

    sock = bind(host, port)
    actual_port = sock.getsockname()[1]
    service = StepFunctionsService(config)
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{actual_port}"

    class Server(prompt_server):  # type: ignore[misc, valid-type]
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            if announce is not None and self.started:
                announce(url, service)

    server = Server(uvicorn.Config(build_app(service), log_level="warning", access_log=False, lifespan="off",
                                   timeout_graceful_shutdown=5, ws="none"))
    try:
        server.run(sockets=[sock])
    finally:
        with _stop_signals_ignored():  # a second Ctrl-C does not cut short the recording of the stop
            service.close()
            sock.close()
    if not server.started:
        sys.exit(1)


@contextmanager
def _stop_signals_ignored() -> Iterator[None]:
    """SIGINT and SIGTERM ignored in the block (in the main thread; elsewhere nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    kept = {number: signal.signal(number, signal.SIG_IGN) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in kept.items():
            signal.signal(number, handler)

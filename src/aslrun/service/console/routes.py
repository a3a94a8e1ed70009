"""The console's routes, beside the API's ``POST /`` (see :mod:`aslrun.service.app`).

    GET  /                                  the state machines (a browser's request: ``Accept: text/html``)
    GET  /console/machine?arn=              a state machine: graph, start form, versions, aliases, definition
    GET  /console/executions?status=&q=...  executions, filtered and searched, a page at a time
    GET  /console/execution?arn=            an execution, live while it runs
    GET  /console/api/...                   the same as JSON (the execution page reads these)
    POST /console/api/actions/<action>      start, stop, redrive, callback (token and same origin checked)
    GET  /console/assets/<file>             the script and styles, from the package (no CDN)

The API is never shadowed: it is ``POST /`` alone, and every console path but ``GET /`` starts with
``/console/``. Reading the store is blocking work, done on worker threads.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from ...report.svg import STYLE as DRAWING_STYLE
from .actions import ActionError, run_action
from .guard import Guard
from .inspection import Inspections
from .pages import execution_page, executions_page, machine_page, machines_page, not_found_page
from .views import ConsoleViews, NotFound

__all__ = ["Console"]

_ASSETS = {"console.js": "text/javascript; charset=utf-8", "console.css": "text/css; charset=utf-8"}
_WORKERS = 8
_MAX_ACTION_BYTES = 1024 * 1024  # an input of 256 KiB, JSON-escaped, fits


class _Json(JSONResponse):
    def render(self, content: Any) -> bytes:
        try:
            return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
        except (UnicodeError, ValueError):  # a lone surrogate: escaped, never a failure
            return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


class Console:
    """The console of one service: its routes, and the recorder of its executions' data flow."""

    def __init__(self, service: Any) -> None:
        self.service = service
        self.guard = Guard()
        self.inspections = Inspections()
        service.runner.watchers.append(self.inspections.watch)
        self.views = ConsoleViews(service, self.inspections)
        self._limiter = anyio.CapacityLimiter(_WORKERS)

    @staticmethod
    def wanted(request: Request) -> bool:
        """Whether a ``GET /`` is a browser's (the console) rather than a client's (the API's text)."""
        return "text/html" in request.headers.get("accept", "") and "x-amz-target" not in request.headers

    @property
    def routes(self) -> list[Route]:
        api = "/console/api"
        return [
            Route("/console/", self._page(self._machines)), Route("/console/machine", self._page(self._machine)),
            Route("/console/executions", self._page(self._executions)),
            Route("/console/execution", self._page(self._execution)),
            Route("/console/assets/{name}", self.asset),
            Route(f"{api}/machines", self._json(lambda q: self.views.machines())),
            Route(f"{api}/machine", self._json(lambda q: self.views.machine(q.get("arn", "")))),
            Route(f"{api}/executions", self._json(lambda q: self.views.executions(
                status=q.get("status"), search=q.get("q"), machine=q.get("machine"),
                children=bool(q.get("children")), page=q.get("page")))),
            Route(f"{api}/execution", self._json(lambda q: self.views.execution(
                q.get("arn", ""), since=_number(q.get("since"))))),
            Route(f"{api}/execution/runs", self._json(lambda q: self.views.runs(
                q.get("arn", ""), state=q.get("state"), within=q.get("within"), iteration=q.get("iteration"),
                page=q.get("page")))),
            Route(f"{api}/execution/run", self._json(lambda q: self.views.run(q.get("arn", ""), q.get("id")))),
            Route(f"{api}/execution/iterations", self._json(lambda q: self.views.iterations(
                q.get("arn", ""), q.get("id"), status=q.get("status"), page=q.get("page")))),
            Route(f"{api}/execution/events", self._json(lambda q: self.views.events(q.get("arn", ""),
                                                                                      page=q.get("page")))),
            Route(f"{api}/map-run/executions", self._json(lambda q: self.views.map_run_children(
                q.get("arn", ""), status=q.get("status"), page=q.get("page")))),
            Route(f"{api}/actions/{{action}}", self.action, methods=["POST"]),
        ]

    # -- pages ----------------------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        return await self._page(self._machines)(request)

    def _page(self, render: Callable[[dict[str, str]], str]) -> Callable[[Request], Awaitable[Response]]:
        async def page(request: Request) -> Response:
            refusal = self.guard.host_refusal(request)
            if refusal is not None:
                return HTMLResponse(refusal, status_code=403)
            query = dict(request.query_params)
            try:
                html = await anyio.to_thread.run_sync(render, query, limiter=self._limiter)
            except NotFound as missing:
                return HTMLResponse(not_found_page(str(missing), self.guard.token), status_code=404)
            return HTMLResponse(html, headers=_NO_STORE)
        return page

    def _machines(self, query: dict[str, str]) -> str:
        return machines_page(self.views.machines(), self.guard.token)

    def _machine(self, query: dict[str, str]) -> str:
        arn = query.get("arn", "")
        return machine_page(self.views.machine(arn), self.views.machine_drawing(arn), self.guard.token)

    def _executions(self, query: dict[str, str]) -> str:
        view = self.views.executions(status=query.get("status"), search=query.get("q"),
                                     machine=query.get("machine"), children=bool(query.get("children")),
                                     page=query.get("page"))
        return executions_page(view, query, self.views.machines()["machines"], self.guard.token)

    def _execution(self, query: dict[str, str]) -> str:
        arn = query.get("arn", "")
        row = self.service.store.one("SELECT name FROM executions WHERE arn = ?", (arn,))
        if row is None:
            raise NotFound(f"no execution {arn}")
        return execution_page(arn, row["name"], self.guard.token)

    async def asset(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name == "drawing.css":
            return Response(DRAWING_STYLE, media_type="text/css; charset=utf-8", headers=_NO_CACHE)
        kind = _ASSETS.get(name)
        if kind is None:
            return Response("no such asset", status_code=404, media_type="text/plain")
        content = resources.files(__package__).joinpath("static", name).read_bytes()
        return Response(content, media_type=kind, headers=_NO_CACHE)

    # -- JSON -----------------------------------------------------------------------------------------

    def _json(self, read: Callable[[dict[str, str]], Any]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            refusal = self.guard.host_refusal(request)
            if refusal is not None:
                return _Json({"error": "Forbidden", "message": refusal}, status_code=403)
            try:
                answer = await anyio.to_thread.run_sync(read, dict(request.query_params), limiter=self._limiter)
            except NotFound as missing:
                return _Json({"error": "NotFound", "message": str(missing)}, status_code=404)
            return _Json(answer, headers=_NO_STORE)
        return endpoint

    async def action(self, request: Request) -> Response:
        refusal = self.guard.action_refusal(request)
        if refusal is not None:
            return _Json({"error": "Forbidden", "message": refusal}, status_code=403)
        body = await request.body()
        if len(body) > _MAX_ACTION_BYTES:
            return _Json({"error": "ValidationException", "message": "the request is too large"}, status_code=413)
        try:
            document = json.loads(body or b"{}")
            answer = await anyio.to_thread.run_sync(run_action, self.service, request.path_params["action"],
                                                    document, limiter=self._limiter)
        except json.JSONDecodeError as exc:
            return _Json({"error": "ValidationException", "message": f"the action's body is not JSON: {exc.msg}"},
                         status_code=400)
        except ActionError as refused:
            return _Json({"error": refused.code, "message": refused.message}, status_code=400)
        return _Json(answer)


_NO_STORE = {"Cache-Control": "no-store"}
_NO_CACHE = {"Cache-Control": "no-cache"}


def _number(text: str | None) -> int:
    try:
        return int(text) if text is not None else -1
    except ValueError:
        return -1

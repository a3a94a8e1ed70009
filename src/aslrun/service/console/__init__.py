"""The web console of ``aslrun serve``: state machines, executions as they run, and a few actions,
at the server's root URL (see docs/console.md).

    routes.py      the routes beside the API's POST /, pages and JSON on worker threads
    views.py       what each page shows, as JSON-ready dicts, paged on the server
    reading.py     an execution's history read from the store into visits (the report's)
    inspection.py  the data-flow stages of each execution, recorded as it runs (the debugger's)
    pages.py       the HTML pages (the graph is the report's drawing)
    actions.py     start, stop, redrive, answer a callback: the API's own actions
    guard.py       loopback Host names, a per-server token and same-origin checks for actions
    static/        console.js and console.css (plain, no framework, no CDN)

It reads the server's store and catalog through the service object the API answers from, so the
console and the API never disagree, and it changes nothing unless an action is sent.
"""

from .routes import Console

__all__ = ["Console"]

"""``--handler-threads N`` / ``--handler-processes N``: the opt-in concurrent modes, as one set of
options for every command that runs executions (``execute``, ``serve``, ``aws execute``), so their
names, ranges and refusal read the same everywhere (see :mod:`aslrun.engine.handler_threads`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

__all__ = ["handler_mode_options", "one_handler_mode"]

_THREADS_HELP = ("Run up to N Lambda handler calls at once on threads: a Map's iterations (up to its MaxConcurrency) "
                 "and a Parallel's branches call theirs at once, as on AWS. For handlers that wait on I/O; the "
                 "history's order then varies run to run (default: one handler at a time, the same history).")
_PROCESSES_HELP = ("As --handler-threads, each call made in one of N worker processes: for handlers that compute. "
                   "A handler a worker cannot import by name runs in this process (with a warning); a handler's "
                   "AWS calls go to the run's local AWS in this process, as from a thread. With N of 2 or more, "
                   "an inline Map whose iterations only compute runs each of them whole in one of N forked "
                   "workers (the history as if they ran one after another).")


def handler_mode_options(*, note: str = "") -> Callable[[Any], Any]:
    """``--handler-threads`` and ``--handler-processes``, each a whole number at least 1, handed to
    the command as ``handler_threads`` / ``handler_processes``; ``note`` ends both helps (what the
    command does besides)."""
    suffix = f" {note}" if note else ""
    options = [click.option("--handler-threads", "handler_threads", type=click.IntRange(min=1), default=None,
                            metavar="N", help=_THREADS_HELP + suffix),
               click.option("--handler-processes", "handler_processes", type=click.IntRange(min=1),
                            default=None, metavar="N", help=_PROCESSES_HELP + suffix)]

    def decorate(function: Any) -> Any:
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


def one_handler_mode(handler_threads: int | None, handler_processes: int | None) -> None:
    """Refuse both modes at once (a usage error, exit 2)."""
    if handler_threads is not None and handler_processes is not None:
        raise click.UsageError("give --handler-threads or --handler-processes, not both")

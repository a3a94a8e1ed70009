"""A worker process of ``handler_processes`` (:mod:`aslrun.integrations.handler_processes`).

Started as ``python -c "from aslrun.integrations.handler_worker import serve; serve()"``: it imports
nothing of its parent (not its ``__main__``: a user's script runs once, in the parent), takes its
parent's ``sys.path`` and directory from the first message, then answers calls one at a time:
``(handler, event, context fields, the parent's AWS settings while it runs a local AWS)`` in, ``(True, (result,
size))`` or ``(False, exception)`` out (:mod:`.worker_messages`), each on its own pipe. While a call
runs, the handler's AWS calls go to the parent's local AWS over the same pipes
(:mod:`.worker_aws_calls`). What a handler prints goes to standard error (the pipe is kept apart
from standard output). The worker ends when its parent closes the pipe, and leaves Ctrl-C to its
parent (which then closes it).
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from ..freed_memory import threads_share_freed_memory
from .worker_aws_calls import (
    PIPE_LOCK,
    LocalAwsOutOfReach,
    call_ended,
    install_in_worker,
    set_caller_has_local_aws,
)
from .worker_messages import read_message, sendable, write_message

__all__ = ["LocalAwsOutOfReach", "read_message", "serve", "write_message"]


def serve() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it ends us by closing the pipe
    threads_share_freed_memory()  # (an S3 transfer's ten threads do not each keep the parts they read)
    answers = os.fdopen(os.dup(1), "wb")  # the pipe to the parent...
    os.dup2(2, 1)  # ...and a handler's print() goes to standard error
    requests = sys.stdin.buffer
    try:
        path, directory = read_message(requests)
    except EOFError:
        return
    sys.path[:] = path
    os.chdir(directory)
    install_in_worker(answers, requests)
    from .handler_call import LambdaContext, call_with_own_event

    while True:
        try:
            handler, event, fields, local_aws_environment = read_message(requests)
        except EOFError:
            return
        except Exception as exc:  # the handler could not be imported here: the call fails with it
            write_message(answers, (False, sendable(exc)))
            continue
        if local_aws_environment is not None:  # the parent's fake credentials and region, for its handler's clients
            for name, value in local_aws_environment.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        set_caller_has_local_aws(local_aws_environment is not None)
        answer: tuple[bool, Any]
        try:
            answer = (True, call_with_own_event(handler, event, LambdaContext.from_fields(fields)))  # unpickled: ours
        except Exception as exc:
            answer = (False, sendable(exc))
        call_ended()
        try:
            with PIPE_LOCK:
                write_message(answers, answer)
        except OSError:  # the parent is gone (it exited, or gave up on this call at its time limit)
            return

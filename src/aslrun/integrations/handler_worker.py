"""A worker process of ``handler_processes`` (:mod:`aslrun.integrations.handler_processes`).

Started as ``python -c "from aslrun.integrations.handler_worker import serve; serve()"``: it imports
nothing of its parent (not its ``__main__``: a user's script runs once, in the parent), takes its
parent's ``sys.path`` and directory from the first message, then answers calls one at a time:
``(handler, event, context fields, whether the parent runs a local AWS)`` in, ``(True, (result, size))`` or ``(False, exception)`` out,
each a length-prefixed pickle on its own pipe. What a handler prints goes to standard error (the
pipe is kept apart from standard output). The worker ends when its parent closes the pipe, and
leaves Ctrl-C to its parent (which then closes it).
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
from typing import Any, BinaryIO

__all__ = ["read_message", "serve", "write_message"]

_LENGTH = struct.Struct("!Q")


def write_message(stream: BinaryIO, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)) + data)
    stream.flush()


def read_message(stream: BinaryIO) -> Any:
    """The next message, or raise EOFError when the other side closed the pipe."""
    head = _read_exactly(stream, _LENGTH.size)
    return pickle.loads(_read_exactly(stream, _LENGTH.unpack(head)[0]))


def _read_exactly(stream: BinaryIO, count: int) -> bytes:
    chunks, left = [], count
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def serve() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it ends us by closing the pipe
    answers = os.fdopen(os.dup(1), "wb")  # the pipe to the parent...
    os.dup2(2, 1)  # ...and a handler's print() goes to standard error
    requests = sys.stdin.buffer
    try:
        path, directory = read_message(requests)
    except EOFError:
        return
    sys.path[:] = path
    os.chdir(directory)
    _guard_aws()
    from .handler_call import LambdaContext, call_with_own_event

    while True:
        try:
            handler, event, fields, _AwsGuard.parent_has_local_aws = read_message(requests)
        except EOFError:
            return
        except Exception as exc:  # the handler could not be imported here: the call fails with it
            write_message(answers, (False, _sendable(exc)))
            continue
        try:
            answer = (True, call_with_own_event(handler, event, LambdaContext.from_fields(fields)))  # unpickled: ours
        except Exception as exc:
            answer = (False, _sendable(exc))
        try:
            write_message(answers, answer)
        except OSError:  # the parent is gone (it exited, or gave up on this call at its time limit)
            return


class LocalAwsOutOfReach(RuntimeError):
    """A handler in a worker process called AWS while the run's local AWS lives in the parent."""


class _AwsGuard:
    #: set with each call: the parent runs a local AWS, which answers its handlers' AWS calls
    parent_has_local_aws = False


def _guard_aws() -> None:
    """Every botocore client made in this worker checks each request before it is sent: while the
    parent runs a local AWS (moto, in its memory), a request from here could only go to real AWS, so
    it is refused, naming the call, instead (aslrun's runs never reach the network)."""
    try:
        import botocore.handlers  # type: ignore[import-untyped]
    except ImportError:  # no botocore: nothing here can call AWS
        return
    botocore.handlers.BUILTIN_HANDLERS.append(("before-send", _refuse_while_parent_has_local_aws))


def _refuse_while_parent_has_local_aws(request: Any = None, **kwargs: Any) -> None:
    if _AwsGuard.parent_has_local_aws:
        raise LocalAwsOutOfReach(
            f"handler_processes: the handler called AWS ({getattr(request, 'method', '')} "
            f"{getattr(request, 'url', '?')}) from a worker process, but the run's local AWS lives in the "
            "parent process; the call is refused rather than sent to AWS. Run handlers that call AWS "
            "with handler_threads, or one at a time")


def _sendable(exc: Exception) -> Exception:
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc

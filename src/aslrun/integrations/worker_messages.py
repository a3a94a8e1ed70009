"""The messages between a caller and its handler worker processes: each a length-prefixed pickle,
written whole and read whole, on the worker's pipes (see :mod:`aslrun.integrations.handler_worker`)."""

from __future__ import annotations

import pickle
import struct
from typing import Any, BinaryIO

__all__ = ["read_message", "sendable", "write_message"]

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


def sendable(exc: BaseException) -> BaseException:
    """``exc`` itself when it survives pickling, else a RuntimeError naming its type and message."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc

"""Memory one thread frees made reusable by the others (glibc's ``malloc``).

glibc gives each thread that allocates while another holds the heap's lock a heap (an arena) of its
own, up to eight per core, and a heap keeps what was freed in it for its own next allocations. A
block of 128 KiB or more is a mapping of its own, returned when freed, but glibc raises that
threshold to the size of each such block freed (up to 32 MiB), so after the first 8 MiB buffer
later ones come from the heaps too. A process whose threads pass large buffers around then holds
each thread's share: an S3 upload of a 200 MB file through the local AWS (boto3's transfer: ten
threads reading 8 MiB parts) took a handler's worker process from 35 to 220 MiB, and the process
answering it (moto: one thread per worker answering its calls) from 85 to 545 MiB; a
million-account BUA run's export did so with its CSVs. With two heaps for all the threads, what
one thread frees the next one takes: 90 and 329 MiB.

Fixing the mapping threshold instead (each block of 1 MiB and more mapped and returned when freed)
held a little less (74 and 287 MiB) but made every large buffer's pages fresh: the BUA profile
extraction's numpy work on a chunk of 20,000 rows took 17-19 ms of CPU against 11-15 ms. Two heaps
cost nothing measurable there (12.5 ms): Python threads take turns at the interpreter anyway.

:func:`threads_share_freed_memory` sets it, once per process, where aslrun owns the process or the
large buffers: its handler worker processes, and a process that starts a local AWS. Elsewhere (not
glibc: musl, macOS, Windows) it does nothing.
"""

from __future__ import annotations

import ctypes
import platform
import sys

__all__ = ["HEAPS", "threads_share_freed_memory"]

#: how many heaps the threads of a process share (glibc's ``M_ARENA_MAX``)
HEAPS = 2

_M_ARENA_MAX = -8  # (glibc's malloc.h)
_DONE: list[bool] = []


def threads_share_freed_memory() -> bool:
    """Limit this process's threads to :data:`HEAPS` heaps (once); whether it is set."""
    if not _DONE:
        _DONE.append(_limit_heaps())
    return _DONE[0]


def _limit_heaps() -> bool:
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # (the C library the interpreter runs on)
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return mallopt(_M_ARENA_MAX, HEAPS) == 1

"""Large blocks of memory given back to the system when they are freed (glibc's ``malloc``).

glibc hands out a block of 128 KiB or more as a mapping of its own, unmapped when freed, but it
raises that threshold to the size of each such block freed (up to 32 MiB): after the first 8 MiB
buffer, later ones come from a thread's heap, and a heap keeps what was freed for the next
allocation of that thread. A process whose threads pass large buffers around then holds them all:
an S3 upload of a 200 MB file through the local AWS (boto3's transfer: ten threads, 8 MiB parts)
left a handler's worker process at 219 MiB for a 35 MiB start and the process answering it (moto,
which joins the parts into one value) at 545 MiB for 84 MiB; a million-account BUA run's
export did so with its CSVs. With the threshold fixed (glibc then stops moving it), each large
block is its own mapping again, returned when freed: 73 MiB and 282 MiB. A block costs a mapping
and its first touch of each page (about a quarter of a millisecond for 8 MiB), nothing next to
the work that fills it.

:func:`give_large_blocks_back` sets it, once per process, where aslrun owns the process or the
large buffers: its handler worker processes, and a process that starts a local AWS. Elsewhere (not
glibc: musl, macOS, Windows) it does nothing.
"""

from __future__ import annotations

import ctypes
import platform
import sys

__all__ = ["LARGE_BLOCK", "give_large_blocks_back"]

#: blocks of this size and more get a mapping of their own (glibc's ``M_MMAP_THRESHOLD``)
LARGE_BLOCK = 1 << 20

_M_MMAP_THRESHOLD = -3  # (glibc's malloc.h)
_DONE: list[bool] = []


def give_large_blocks_back() -> bool:
    """Fix glibc's mapping threshold at :data:`LARGE_BLOCK` in this process (once); whether it is set."""
    if _DONE:
        return _DONE[0]
    _DONE.append(_set_threshold())
    return _DONE[0]


def _set_threshold() -> bool:
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # (the C library the interpreter runs on)
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return mallopt(_M_MMAP_THRESHOLD, LARGE_BLOCK) == 1

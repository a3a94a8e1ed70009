"""freed_memory: with the threads sharing two heaps, the large buffers one thread frees are taken
by the next; left to glibc (a heap per thread), each thread keeps its own."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from aslrun.freed_memory import threads_share_freed_memory

glibc = pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                           reason="glibc's malloc only (musl, macOS and Windows keep their own ways)")

HELD_AFTER_FREEING = """
import sys, threading, time
from aslrun.freed_memory import threads_share_freed_memory
if sys.argv[1] == "shared":
    assert threads_share_freed_memory()

def resident():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 // 2**20

pipe = threading.Lock()

def send_parts():  # as an S3 transfer's ten threads do through a worker's pipe: read a part, wait, send it
    for _ in range(4):
        part = bytearray(8 * 2**20)
        part[::4096] = b"x" * len(part[::4096])  # (touched: resident)
        with pipe:
            time.sleep(0.002)
        del part

send_parts()  # (glibc now takes blocks of 8 MiB from the heaps, not from mappings of their own)
before = resident()
threads = [threading.Thread(target=send_parts) for _ in range(10)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(resident() - before)
"""


def _held_after_freeing(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", HELD_AFTER_FREEING, mode], capture_output=True, text=True, check=True)
    return int(done.stdout)


@glibc
def test_large_buffers_freed_by_threads_are_kept_by_two_heaps_at_most():
    assert _held_after_freeing("a heap per thread") >= 64  # (81 MiB here: ten threads' heaps keep their parts)
    assert _held_after_freeing("shared") <= 48  # (33-41 MiB here)


@glibc
def test_it_is_set_once_per_process():
    assert threads_share_freed_memory() is True and threads_share_freed_memory() is True

"""freed_memory: with glibc's mapping threshold fixed, a large buffer freed goes back to the system
at once; left to glibc (which raises the threshold to each large block freed), the next ones stay."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from aslrun.freed_memory import give_large_blocks_back

glibc = pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                           reason="glibc's malloc only (musl, macOS and Windows keep their own ways)")

HELD_AFTER_FREEING = """
import sys, threading
from aslrun.freed_memory import give_large_blocks_back
if sys.argv[1] == "fixed":
    assert give_large_blocks_back()

def resident():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 // 2**20

def pass_parts_around():  # as an S3 transfer's threads do: 8 MiB parts, made and dropped
    for _ in range(4):
        part = bytearray(8 * 2**20)
        part[::4096] = b"x" * len(part[::4096])  # (touched: resident)
        del part

before = resident()
threads = [threading.Thread(target=pass_parts_around) for _ in range(4)]
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
def test_large_buffers_freed_by_threads_go_back_to_the_system():
    assert _held_after_freeing("glibc's own") >= 16  # (the threads' heaps keep their parts: 8 MiB and more each)
    assert _held_after_freeing("fixed") < 4


@glibc
def test_it_is_set_once_per_process():
    assert give_large_blocks_back() is True and give_large_blocks_back() is True

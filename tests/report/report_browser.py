"""Helpers to look at pages in a real headless browser (Debian's chromium), and to read the PNG it
writes.

A test that needs the browser calls :func:`need_chromium` (or :func:`browser_missing` with its own
reason). Without chromium it skips on a developer's machine, but FAILS when the environment sets
``ASLRUN_REQUIRE_BROWSER=1``, as ``.ci/run`` does: CI cannot pass silently with its browser tests
skipped because ``.ci/install-browser`` could not install chromium."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from typing import NoReturn

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or (
    "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--hide-scrollbars",
         "--host-resolver-rules=MAP * ~NOTFOUND"]  # no network: the page must need none


REQUIRE_BROWSER = "ASLRUN_REQUIRE_BROWSER"


def browser_required() -> bool:
    """Whether a missing browser is a failure here (CI) rather than a reason to skip."""
    return os.environ.get(REQUIRE_BROWSER, "") not in ("", "0")


def browser_missing(reason: str) -> NoReturn:
    """Skip the test for ``reason``, or fail it when the browser is required (``ASLRUN_REQUIRE_BROWSER=1``)."""
    if browser_required():
        pytest.fail(f"{reason}; {REQUIRE_BROWSER}=1 requires the browser tests to run", pytrace=False)
    pytest.skip(reason)


def need_chromium() -> str:
    """The chromium executable; a skip (or, in CI, a failure) when it is not installed."""
    if CHROMIUM is None:
        browser_missing("chromium is not installed (run .ci/install-browser: apt-get install -y chromium)")
    return CHROMIUM


def dump_dom(url: str, profile: Path) -> str:
    """The DOM after the page's scripts ran."""
    done = subprocess.run([need_chromium(), *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                          capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def screenshot(url: str, out: Path, profile: Path, width: int, height: int) -> Path:
    done = subprocess.run([need_chromium(), *FLAGS, f"--user-data-dir={profile}", f"--screenshot={out}",
                           f"--window-size={width},{height}", url], capture_output=True, text=True, timeout=90)
    assert done.returncode == 0 and out.exists(), done.stderr[-2000:]
    return out


def _png_chunks(path: Path) -> tuple[bytes, bytes]:
    """(IHDR body, the IDAT bodies joined) of a PNG file."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks, header = 8, [], b""
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        offset += 12 + length
    return header, b"".join(chunks)


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) of a PNG, from its header alone."""
    header, _ = _png_chunks(path)
    width, height = struct.unpack(">II", header[:8])
    return width, height


def read_png(path: Path) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB bytes) of an 8-bit, non-interlaced PNG.

    The filters that depend only on the row above or on the byte to the left (None, Sub, Up) are
    undone a whole row at a time with numpy; Average and Paeth byte by byte."""
    import numpy as np

    header, compressed = _png_chunks(path)
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
    channels = 4 if colour == 6 else 3
    raw = zlib.decompress(compressed)
    stride = width * channels
    rows: list[bytes] = []
    previous = np.zeros(stride, dtype=np.uint8)
    position = 0
    for _ in range(height):
        kind = raw[position]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=position + 1).copy()
        position += 1 + stride
        if kind == 1:  # Sub: each byte plus the one a pixel to its left, already undone
            line = (np.cumsum(line.reshape(width, channels), axis=0, dtype=np.uint64) % 256) \
                .astype(np.uint8).reshape(stride)
        elif kind == 2:  # Up
            line = line + previous  # (uint8 wraps modulo 256, as the filter does)
        elif kind in (3, 4):
            out, above = bytearray(line.tobytes()), previous.tobytes()
            for i in range(stride):
                left = out[i - channels] if i >= channels else 0
                up = above[i]
                if kind == 3:
                    out[i] = (out[i] + (left + up) // 2) & 0xFF
                else:
                    corner = above[i - channels] if i >= channels else 0
                    estimate = left + up - corner
                    pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
                    nearest = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                    out[i] = (out[i] + nearest) & 0xFF
            line = np.frombuffer(bytes(out), dtype=np.uint8)
        rows.append(line.reshape(width, channels)[:, :3].tobytes())
        previous = line
    return width, height, rows


def pixel(rows: list[bytes], x: int, y: int) -> tuple[int, int, int]:
    row = rows[y]
    return row[3 * x], row[3 * x + 1], row[3 * x + 2]

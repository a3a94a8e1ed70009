"""The functions' code: each .zip archive kept once, by its digest, in the state directory.

``DIR/lambda/code/<sha256>.zip`` is written (to a temporary name, flushed, fsynced, renamed, the
folder fsynced) *before* the database row that names it is committed, so a function the API
acknowledged always finds its archive after a crash; an archive no row names (a crash between the
two) is only space, removed by :meth:`CodeStore.forget_unused`. The archive is unpacked, once per
digest, into ``DIR/lambda/unpacked/<sha256>/`` (into a temporary folder first, renamed into place
when complete), where the Python runtime imports the handler from.

An archive is checked as Lambda checks it when it is uploaded: it must be a .zip that unzips.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import tempfile
import threading
import zipfile
from pathlib import Path

from ...localaws.object_files import replace_durably
from .errors import LambdaError

__all__ = ["CodeStore", "StoredCode"]

#: Lambda's limit on an uploaded .zip (50 MB) and on the unzipped code (250 MB)
MAX_ZIP_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024
_UNZIP_REFUSED = "Could not unzip uploaded file. Please check your file, then try to upload again."


class StoredCode:
    """What a function configuration says of its code: the digest (hex, the archive's name), Lambda's
    ``CodeSha256`` (base64 of the same digest) and ``CodeSize``."""

    __slots__ = ("digest", "sha256_base64", "size")

    def __init__(self, digest: str, size: int) -> None:
        self.digest = digest
        self.sha256_base64 = base64.b64encode(bytes.fromhex(digest)).decode("ascii")
        self.size = size


class CodeStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._archives = folder / "code"
        self._unpacked = folder / "unpacked"
        self._lock = threading.Lock()

    def keep(self, archive: bytes) -> StoredCode:
        """Check the archive and keep it (durably) under its digest."""
        if len(archive) > MAX_ZIP_BYTES:
            raise LambdaError("RequestTooLargeException",
                              f"Request must be smaller than {MAX_ZIP_BYTES} bytes for the CreateFunction operation")
        _check_archive(archive)
        digest = hashlib.sha256(archive).hexdigest()
        target = self._archives / f"{digest}.zip"
        with self._lock:
            if not target.exists():
                self._archives.mkdir(parents=True, exist_ok=True)
                replace_durably(target, archive)
        return StoredCode(digest, len(archive))

    def archive(self, digest: str) -> bytes:
        return (self._archives / f"{digest}.zip").read_bytes()

    def unpacked(self, digest: str) -> Path:
        """The folder holding the archive's files (unpacked on first use)."""
        folder = self._unpacked / digest
        with self._lock:
            if not folder.is_dir():
                self._unpacked.mkdir(parents=True, exist_ok=True)
                staging = Path(tempfile.mkdtemp(prefix=f".{digest[:12]}-", dir=self._unpacked))
                try:
                    with zipfile.ZipFile(self._archives / f"{digest}.zip") as archive:
                        archive.extractall(staging)
                    os.replace(staging, folder)
                finally:
                    if staging.exists():
                        shutil.rmtree(staging, ignore_errors=True)
        return folder

    def forget_unused(self, used: set[str]) -> None:
        """Remove the archives (and unpacked folders) no function or version names any more."""
        with self._lock:
            for archive in self._archives.glob("*.zip") if self._archives.is_dir() else ():
                if archive.stem not in used:
                    archive.unlink(missing_ok=True)
                    shutil.rmtree(self._unpacked / archive.stem, ignore_errors=True)
            for staging in self._unpacked.glob(".*") if self._unpacked.is_dir() else ():
                shutil.rmtree(staging, ignore_errors=True)  # an unpacking a crash cut short


def _check_archive(archive: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as opened:
            members = opened.infolist()
            unzipped = sum(member.file_size for member in members)
            unsafe = [m.filename for m in members if m.filename.startswith("/") or ".." in Path(m.filename).parts]
            if opened.testzip() is not None:
                raise zipfile.BadZipFile("a member's CRC does not match")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError):
        raise LambdaError("InvalidParameterValueException", _UNZIP_REFUSED) from None
    if unsafe:
        raise LambdaError("InvalidParameterValueException",
                          f"{_UNZIP_REFUSED} (it names files outside its folder: {', '.join(unsafe[:3])})")
    if unzipped > MAX_UNZIPPED_BYTES:
        raise LambdaError("InvalidParameterValueException",
                          f"Unzipped size must be smaller than {MAX_UNZIPPED_BYTES} bytes")

"""Compiled code kept for the functions' modules: a template whose functions share a code directory
compiles each of its files once, not once per function.

Each function's modules are imported in isolation (:func:`~aslrun.templates.lambda_runtime.import_isolated`),
as each Lambda function has an interpreter of its own: a template whose forty functions share one
code directory imports the same files forty times. Running a module's code again per function is
what Lambda does (each function has module state of its own); compiling its source again is not
needed. Python normally reads the compiled code from ``__pycache__``, but where it may not write
there (``PYTHONDONTWRITEBYTECODE``, a read-only checkout) every import compiled every file afresh:
most of the time a large template took to load.

While a function's modules are imported (its code directory first on ``sys.path``),
:func:`compiled_once` puts a finder first on ``sys.meta_path`` that finds the modules of the code
directory as the standard path finder would (built-in and frozen modules still come first;
namespace packages and every other directory are left to the standard finders), with one
difference: its loader keeps the code compiled from each file's source, by the file's path and a
digest of its exact bytes, and the next import of the same bytes runs that code object again (code
objects are immutable; Python shares them the same way when it reads ``__pycache__``). A file that
changed is compiled afresh. Compiled code found in ``__pycache__`` is used first, as always.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import os
import sys
import threading
import types
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = ["compiled_once"]

_COMPILED: dict[tuple[str, bytes], types.CodeType] = {}  # (path, digest of the source) -> its code
_COMPILED_LOCK = threading.Lock()


class _KeptCodeLoader(importlib.machinery.SourceFileLoader):
    """The standard loader of a source file, its compiled code kept for the next import of the same bytes."""

    def source_to_code(self, data: Any, path: Any, *, _optimize: int = -1) -> types.CodeType:  # type: ignore[override]
        key = (str(path), hashlib.blake2b(bytes(data), digest_size=16).digest())
        with _COMPILED_LOCK:
            code = _COMPILED.get(key)
        if code is None:
            code = super().source_to_code(data, path, _optimize=_optimize)  # type: ignore[call-arg]
            with _COMPILED_LOCK:
                _COMPILED[key] = code
        return code


_LOADERS = (
    (importlib.machinery.ExtensionFileLoader, importlib.machinery.EXTENSION_SUFFIXES),
    (_KeptCodeLoader, importlib.machinery.SOURCE_SUFFIXES),
    (importlib.machinery.SourcelessFileLoader, importlib.machinery.BYTECODE_SUFFIXES),
)  # the standard loaders, in the standard order, the source one keeping its code


class _CodeDirectoryFinder(importlib.abc.MetaPathFinder):
    def __init__(self, code_dir: str) -> None:
        self.root = os.path.realpath(code_dir)
        self._finders: dict[str, importlib.machinery.FileFinder] = {}

    def find_spec(self, name: str, path: Sequence[str] | None = None,
                  target: types.ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if (importlib.machinery.BuiltinImporter.find_spec(name) is not None
                or importlib.machinery.FrozenImporter.find_spec(name) is not None):
            return None  # built-in and frozen modules come first, as always
        for entry in sys.path if path is None else path:
            if not isinstance(entry, str):
                continue
            place = os.path.realpath(entry or os.getcwd())
            if not (place == self.root or place.startswith(self.root + os.sep)) or not os.path.isdir(place):
                continue  # another entry: the standard finders search it, in their turn
            spec = self._finder(place).find_spec(name, target)
            if spec is not None:
                # a namespace package may have portions in several entries: the standard finder assembles it
                return spec if spec.loader is not None else None
        return None

    def _finder(self, place: str) -> importlib.machinery.FileFinder:
        finder = self._finders.get(place)
        if finder is None:
            finder = self._finders[place] = importlib.machinery.FileFinder(place, *_LOADERS)
        return finder

    def invalidate_caches(self) -> None:
        self._finders.clear()


@contextmanager
def compiled_once(code_dir: os.PathLike[str] | str) -> Iterator[None]:
    """While inside, modules imported from ``code_dir`` reuse the code compiled for the same source."""
    finder = _CodeDirectoryFinder(os.fspath(code_dir))
    # first, whatever other finders a test runner or a package added (the code directory is first on
    # sys.path meanwhile: its modules are found before any other, as in Lambda), built-ins excepted
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        if finder in sys.meta_path:
            sys.meta_path.remove(finder)

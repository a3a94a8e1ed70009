"""Functions sharing a code directory compile each file once (code_cache.py), and still get modules
of their own; a file that changed is compiled afresh; the import machinery is left as it was."""

from __future__ import annotations

import importlib.machinery
import sys

import pytest

from aslrun.templates.code_cache import compiled_once
from aslrun.templates.lambda_runtime import import_isolated


@pytest.fixture
def code_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # as PYTHONDONTWRITEBYTECODE: no __pycache__ to read
    (tmp_path / "app.py").write_text("from helpers import double\nSEEN = []\n\ndef handler(event, context):\n"
                                     "    SEEN.append(event)\n    return double(event)\n")
    (tmp_path / "helpers.py").write_text("def double(x):\n    return 2 * x\n")
    yield tmp_path
    for key in [key for key in sys.modules if key.startswith("aslrun_test_fn_")]:
        del sys.modules[key]


def test_two_functions_of_one_code_directory_share_compiled_code_not_modules(code_dir):
    first = import_isolated(code_dir, "app", "aslrun_test_fn_a")
    second = import_isolated(code_dir, "app", "aslrun_test_fn_b")
    assert first is not second and first.SEEN is not second.SEEN  # module state of its own, as on Lambda
    assert first.handler.__code__ is second.handler.__code__  # compiled once
    helpers_a, helpers_b = sys.modules["aslrun_test_fn_a.helpers"], sys.modules["aslrun_test_fn_b.helpers"]
    assert helpers_a is not helpers_b and helpers_a.double.__code__ is helpers_b.double.__code__
    assert second.handler(21, None) == 42 and second.SEEN == [21] and first.SEEN == []
    assert not (code_dir / "__pycache__").exists()


def test_a_file_changed_between_imports_is_compiled_afresh(code_dir):
    first = import_isolated(code_dir, "app", "aslrun_test_fn_a")
    (code_dir / "helpers.py").write_text("def double(x):\n    return x + x + 0\n")
    second = import_isolated(code_dir, "app", "aslrun_test_fn_b")
    old, new = sys.modules["aslrun_test_fn_a.helpers"], sys.modules["aslrun_test_fn_b.helpers"]
    assert old.double.__code__ is not new.double.__code__
    assert new.double.__code__.co_consts != old.double.__code__.co_consts
    assert first.handler.__code__ is second.handler.__code__  # app.py did not change


def test_packages_and_namespace_packages_of_the_code_directory_import_as_usual(code_dir):
    (code_dir / "pkg").mkdir()
    (code_dir / "pkg" / "__init__.py").write_text("NAME = 'pkg'\n")
    (code_dir / "pkg" / "mod.py").write_text("from . import NAME\n\ndef handler(event, context):\n    return NAME\n")
    (code_dir / "loose").mkdir()  # no __init__.py: a namespace package
    (code_dir / "loose" / "part.py").write_text("def handler(event, context):\n    return 'part'\n")
    assert import_isolated(code_dir, "pkg.mod", "aslrun_test_fn_a").handler(None, None) == "pkg"
    assert import_isolated(code_dir, "loose.part", "aslrun_test_fn_a").handler(None, None) == "part"
    assert type(sys.modules["aslrun_test_fn_a.pkg.mod"].__loader__).__name__ == "_KeptCodeLoader"


def test_the_finder_comes_first_and_leaves(code_dir):
    before = list(sys.meta_path)
    with compiled_once(code_dir):
        during = list(sys.meta_path)
    assert sys.meta_path == before
    assert during[1:] == before and type(during[0]).__name__ == "_CodeDirectoryFinder"


def test_another_finder_ahead_of_the_standard_one_does_not_hide_the_code_directory(code_dir, monkeypatch):
    """A test runner or a package may put finders of its own ahead (pytest's assertion rewriter does):
    the function's modules still come from the code directory, compiled once."""

    class Ahead:
        @staticmethod
        def find_spec(name, path=None, target=None):
            return importlib.machinery.PathFinder.find_spec(name, path, target)

    monkeypatch.setattr(sys, "meta_path", [Ahead, *sys.meta_path])
    first = import_isolated(code_dir, "app", "aslrun_test_fn_a")
    second = import_isolated(code_dir, "app", "aslrun_test_fn_b")
    assert first.handler.__code__ is second.handler.__code__


def test_a_code_directory_module_named_like_a_built_in_one_does_not_replace_it(code_dir):
    """Built-in modules come first, as they do without the finder (xxsubtype: a built-in module of
    CPython that nothing imports, so this import is the first)."""
    if "xxsubtype" not in sys.builtin_module_names or "xxsubtype" in sys.modules:
        pytest.skip("this interpreter has no unimported built-in xxsubtype module to shadow")
    (code_dir / "app.py").write_text("import xxsubtype\n\ndef handler(event, context):\n"
                                     "    return hasattr(xxsubtype, 'spamlist')\n")
    (code_dir / "xxsubtype.py").write_text("SHADOW = True\n")
    try:
        assert import_isolated(code_dir, "app", "aslrun_test_fn_a").handler(None, None) is True
    finally:
        sys.modules.pop("xxsubtype", None)


def test_a_module_outside_the_code_directory_keeps_its_own_loader(code_dir, tmp_path_factory, monkeypatch):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "aslrun_test_outside.py").write_text("VALUE = 7\n")
    monkeypatch.syspath_prepend(str(elsewhere))
    (code_dir / "app.py").write_text("import aslrun_test_outside\n\ndef handler(event, context):\n"
                                     "    return aslrun_test_outside.VALUE\n")
    try:
        assert import_isolated(code_dir, "app", "aslrun_test_fn_a").handler(None, None) == 7
        outside = sys.modules["aslrun_test_outside"]  # not the function's: it stays under its own name
        assert type(outside.__loader__) is importlib.machinery.SourceFileLoader
    finally:
        sys.modules.pop("aslrun_test_outside", None)

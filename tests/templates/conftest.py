"""Fixtures of the template tests: the fixture templates, a local AWS, and templates written on the fly."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("samtranslator", reason="the 'templates' extra is not installed: pip install 'aslrun[templates]'")



@pytest.fixture
def aws() -> Iterator[object]:
    pytest.importorskip("moto", reason="the 'aws' extra is not installed: pip install 'aslrun[aws]'")
    from aslrun.localaws import LocalAws

    with LocalAws(reset=True) as local:
        yield local


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """``write("template.yaml", text, {"src/app.py": code})``: a template (dedented) and other files in tmp_path."""

    def _write(name: str, text: str, files: dict[str, str] | None = None) -> Path:
        for relative, content in (files or {}).items():
            target = tmp_path / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(content), encoding="utf-8")
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return _write

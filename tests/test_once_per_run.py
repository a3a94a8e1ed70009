"""tests/helpers/once_per_run.py: a value made once for the whole test run, whoever asks for it."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.helpers.once_per_run import once_per_run


@pytest.fixture
def run_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A stand-in for tmp_path_factory whose base folder is tmp_path, as outside xdist."""
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    return SimpleNamespace(getbasetemp=lambda: tmp_path)


def test_a_second_asker_meanwhile_waits_and_gets_the_first_ones_value(run_folder):
    made: list[int] = []

    def make() -> dict[str, Any]:
        made.append(1)
        time.sleep(0.3)  # (the other asker comes while this one makes it)
        return {"rows": [1, 2.5, "x"], "path": "/somewhere"}

    answers: list[Any] = []
    askers = [threading.Thread(target=lambda: answers.append(once_per_run("v", run_folder, make)))
              for _ in range(2)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join()
    assert made == [1]
    assert answers == [{"rows": [1, 2.5, "x"], "path": "/somewhere"}] * 2
    assert once_per_run("v", run_folder, lambda: pytest.fail("made again")) == answers[0]


def test_a_value_that_could_not_be_made_is_tried_again(run_folder):
    def fail() -> None:
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        once_per_run("v", run_folder, fail)
    assert once_per_run("v", run_folder, lambda: 7) == 7
    assert not list(run_folder.getbasetemp().glob("*.partial"))


def test_under_xdist_the_workers_share_the_controllers_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    worker = SimpleNamespace(getbasetemp=lambda: tmp_path / "popen-gw1")
    other = SimpleNamespace(getbasetemp=lambda: tmp_path / "popen-gw2")
    assert once_per_run("v", worker, lambda: "first") == "first"
    assert once_per_run("v", other, lambda: "second") == "first"
    assert (tmp_path / "once-v.pickle").is_file()

"""Writing the runs explore kept as a scenario file (:mod:`aslrun.testing.scenario`) pytest runs.

One file per machine, ``<machine>.explore.scenario.yaml`` in the output folder: the shared keys
(the machine, relative to the file; substitutions; handlers) at the top, one scenario per kept
run with its input, its mocks (AWS's mocked-response form) and what it must do again: status,
the top-level path, the error and cause of a failure or the output of a success. Each scenario
is replayed from the file before explore reports it, so a file it writes passes under pytest
(a scenario whose handlers answer differently on a second run is left out and said so).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from ..errors import InputError, UnboundResourceWarning

__all__ = ["LONGEST_PATH", "ScenarioSetup", "scenario_entries", "write_scenarios"]

#: a run through more top-level states than this expects the states it visited, not its whole path
LONGEST_PATH = 30


class ScenarioSetup:
    """The keys every scenario of the file shares."""

    def __init__(self, machine_path: str | os.PathLike[str], *, substitutions: Mapping[str, str] | None = None,
                 handlers_files: Sequence[str] = (), handlers: Mapping[str, str] | None = None) -> None:
        self.machine_path = Path(machine_path)
        self.substitutions = dict(substitutions or {})
        if len(handlers_files) > 1:
            raise InputError("--handlers: a scenario file takes one handlers file; give one, or its functions as "
                             "--handler NAME=module.function")
        self.handlers_file = handlers_files[0] if handlers_files else None
        self.handlers = dict(handlers or {})

    def shared(self, folder: Path) -> dict[str, Any]:
        out: dict[str, Any] = {"machine": _relative(self.machine_path, folder)}
        if self.substitutions:
            out["substitutions"] = dict(self.substitutions)
        if self.handlers_file:
            out["handlers_file"] = _relative(Path(self.handlers_file), folder)
        if self.handlers:
            out["handlers"] = dict(self.handlers)
        return out


def _relative(path: Path, folder: Path) -> str:
    return Path(os.path.relpath(path.resolve(), folder.resolve())).as_posix()


def scenario_entries(runs: Sequence[Any], describe: Any) -> list[dict[str, Any]]:
    """One scenario per kept run (``describe(key)`` words what the run reached first)."""
    entries = []
    for number, run in enumerate(runs, 1):
        check = run.check
        expect: dict[str, Any] = {"status": check.status}
        path = list(check.path)
        if len(path) <= LONGEST_PATH:
            expect["path"] = path
        else:  # a long loop: the states it went through, once each
            expect["visited"] = list(dict.fromkeys(path))
        if check.status == "FAILED":
            expect["error"] = check.error
            if check.cause is not None:
                expect["cause"] = check.cause
        elif check.status == "SUCCEEDED":
            expect["output"] = check.output
        reached = [describe(key) for key in run.new]
        entry: dict[str, Any] = {"name": f"explore {number}: {reached[-1]}"[:120], "description":
                                 "reaches " + "; ".join(reached), "input": run.input}
        if run.mocks:
            entry["mocks"] = run.mocks
        entry["expect"] = expect
        entries.append(entry)
    return entries


def write_scenarios(folder: str | os.PathLike[str], machine_name: str, setup: ScenarioSetup,
                    entries: Sequence[dict[str, Any]]) -> tuple[Path, list[str]]:
    """Write the file, replay every scenario from it, and keep only those that pass again.

    Returns the file's path (nothing is written when no scenario is left) and the names of the
    scenarios left out."""
    from ..testing.scenario import load_scenarios

    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out: cannot create {out}: {exc.strerror}") from None
    path = out / f"{machine_name}.explore.scenario.yaml"
    document = {**setup.shared(out), "scenarios": list(entries)}
    _dump(path, document)
    left_out: list[str] = []
    with warnings.catch_warnings():  # unmocked Tasks a scenario never reaches: said once by explore, not per replay
        warnings.simplefilter("ignore", UnboundResourceWarning)
        for scenario in load_scenarios(path):
            try:
                scenario.verify(scenario.run())
            except AssertionError:
                left_out.append(scenario.name)
    if left_out:
        kept = [entry for entry in entries if entry["name"] not in left_out]
        if kept:
            _dump(path, {**setup.shared(out), "scenarios": kept})
        else:
            path.unlink()
    return path, left_out


def _dump(path: Path, document: dict[str, Any]) -> None:
    header = ("# Written by aslrun explore: each scenario reached a state or transition the ones above it had not.\n"
              "# Run them with pytest; edit freely (explore writes the whole file again when run again).\n")
    text = yaml.dump(document, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=110)
    try:
        path.write_text(header + text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"--out: cannot write {path}: {exc.strerror}") from None


class _PlainDumper(yaml.SafeDumper):
    """YAML as people write it: a value used twice is written twice, not as an ``&id001`` anchor."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

"""Coverage data: how often each state was entered and each transition taken, per machine, and the
file that carries it between processes.

A data file is JSON (``.aslrun-coverage`` by default)::

    {"format": "aslrun-coverage", "version": 1,
     "machines": [{"name": "billing", "digest": "3f9c...", "source": "machines/billing.asl.json",
                   "executions": 12, "definition": {...},
                   "states": {"Validate": 12, ...},
                   "transitions": [["Validate", "Next", 11], ["IsValid", "Choices[0]", 9], ...]}]}

Only what was reached is counted; the definition says what could have been. Files merge by adding
the counts of the same machine (same name and shape digest, see :mod:`aslrun.coverage.model`), so
pytest-xdist workers each write one and the controller combines them, as coverage.py's data files do.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .model import MachineModel, Transition, machine_model

__all__ = ["CoverageData", "CoverageDataError", "DEFAULT_DATA_FILE", "Figures", "MachineCoverage"]

DEFAULT_DATA_FILE = ".aslrun-coverage"
_FORMAT = "aslrun-coverage"
_VERSION = 1


class CoverageDataError(Exception):
    """A data file that cannot be read (named, with what is wrong)."""


@dataclass(frozen=True)
class Figures:
    """Reached and total states and transitions."""

    states: int
    states_total: int
    transitions: int
    transitions_total: int

    @property
    def reached(self) -> int:
        return self.states + self.transitions

    @property
    def total(self) -> int:
        return self.states_total + self.transitions_total

    @property
    def percent(self) -> float:
        """States and transitions reached, together, as a percentage (100 for an empty machine)."""
        return 100.0 * self.reached / self.total if self.total else 100.0

    def __add__(self, other: Figures) -> Figures:
        return Figures(self.states + other.states, self.states_total + other.states_total,
                       self.transitions + other.transitions, self.transitions_total + other.transitions_total)


class MachineCoverage:
    """One machine's model and counts: ``entered[state key]``, ``taken[(state key, field)]``."""

    def __init__(self, model: MachineModel, *, source: str | None = None) -> None:
        self.model = model
        self.source = source
        self.executions = 0
        self.entered: dict[str, int] = {}
        self.taken: dict[tuple[str, str], int] = {}

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def key(self) -> tuple[str, str]:
        return (self.model.name, self.model.digest)

    def __repr__(self) -> str:
        f = self.figures()
        return (f"<MachineCoverage {self.name}: states {f.states}/{f.states_total}, "
                f"transitions {f.transitions}/{f.transitions_total}>")

    def figures(self) -> Figures:
        model = self.model
        return Figures(sum(1 for key in model.states if self.entered.get(key)), len(model.states),
                       sum(1 for key in model.transitions if self.taken.get(key)), len(model.transitions))

    def never_entered(self) -> list[str]:
        """Keys of the states no execution entered, in the definition's order."""
        return [key for key in self.model.states if not self.entered.get(key)]

    def never_taken(self) -> list[Transition]:
        """The transitions no execution took, in the definition's order."""
        return [edge for key, edge in self.model.transitions.items() if not self.taken.get(key)]

    def add(self, other: MachineCoverage) -> None:
        """Add another record of the same machine (its counts and executions)."""
        self.executions += other.executions
        for key, count in other.entered.items():
            self.entered[key] = self.entered.get(key, 0) + count
        for edge, count in other.taken.items():
            self.taken[edge] = self.taken.get(edge, 0) + count
        if self.source is None:
            self.source = other.source

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.model.name, "digest": self.model.digest, "source": self.source,
            "executions": self.executions, "definition": self.model.definition,
            "states": dict(self.entered),
            "transitions": [[source, field, count] for (source, field), count in self.taken.items()],
        }

    @classmethod
    def from_json(cls, record: Mapping[str, Any]) -> MachineCoverage:
        model = machine_model(record["definition"], record["name"])
        if model.digest != record["digest"]:
            raise ValueError(f"machine '{record['name']}': its definition does not have the digest recorded "
                             f"({record['digest']}; it has {model.digest})")
        machine = cls(model, source=record.get("source"))
        machine.executions = int(record.get("executions", 0))
        machine.entered = {str(key): int(count) for key, count in record["states"].items()}
        machine.taken = {(str(source), str(field)): int(count) for source, field, count in record["transitions"]}
        return machine


class CoverageData:
    """The coverage of every machine measured, keyed by (name, digest)."""

    def __init__(self, machines: Iterable[MachineCoverage] = ()) -> None:
        self.machines: dict[tuple[str, str], MachineCoverage] = {}
        for machine in machines:
            self.add_machine(machine)

    def __iter__(self) -> Any:
        """The machines sorted by name (then digest)."""
        return iter(sorted(self.machines.values(), key=lambda m: m.key))

    def __len__(self) -> int:
        return len(self.machines)

    def add_machine(self, machine: MachineCoverage) -> MachineCoverage:
        """Merge ``machine`` into this data; the record kept for it."""
        mine = self.machines.get(machine.key)
        if mine is None:
            self.machines[machine.key] = machine
            return machine
        mine.add(machine)
        return mine

    def update(self, other: CoverageData) -> None:
        for machine in other.machines.values():
            copy = MachineCoverage(machine.model, source=machine.source)
            copy.add(machine)
            self.add_machine(copy)

    def named(self, name: str) -> list[MachineCoverage]:
        """The machines called ``name`` (one per shape measured)."""
        return [machine for machine in self if machine.name == name]

    def figures(self) -> Figures:
        """All machines together."""
        total = Figures(0, 0, 0, 0)
        for machine in self.machines.values():
            total = total + machine.figures()
        return total

    # -- files -----------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {"format": _FORMAT, "version": _VERSION, "machines": [machine.to_json() for machine in self]}

    def write(self, path: str | os.PathLike[str]) -> None:
        """Write the data file (atomically: a reader never sees half of it)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        partial.write_text(json.dumps(self.to_json(), separators=(",", ":")), encoding="utf-8")
        os.replace(partial, target)

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> CoverageData:
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise CoverageDataError(f"{os.fspath(path)}: cannot read the coverage data ({exc.strerror})") from None
        except ValueError as exc:
            raise CoverageDataError(f"{os.fspath(path)}: not an aslrun coverage data file ({exc})") from None
        if not isinstance(document, dict) or document.get("format") != _FORMAT:
            raise CoverageDataError(f"{os.fspath(path)}: not an aslrun coverage data file "
                                    f"(written by pytest --aslrun-cov)")
        if document.get("version") != _VERSION:
            raise CoverageDataError(f"{os.fspath(path)}: coverage data version {document.get('version')!r}; "
                                    f"this aslrun reads version {_VERSION}")
        try:
            return cls(MachineCoverage.from_json(record) for record in document["machines"])
        except (KeyError, TypeError, ValueError) as exc:
            raise CoverageDataError(f"{os.fspath(path)}: damaged coverage data ({exc})") from None

    @classmethod
    def combine(cls, paths: Iterable[str | os.PathLike[str]]) -> CoverageData:
        """The data of several files added together."""
        data = cls()
        for path in paths:
            data.update(cls.read(path))
        return data

"""State-machine coverage: which states executions entered and which transitions they took.

The API (what ``pytest --aslrun-cov``, ``aslrun report --coverage`` and ``aslrun explore`` use)::

    from aslrun.coverage import CoverageRecorder, CoverageData, machine_model, format_report

    model = machine_model(definition, "billing")   # what can be covered, from a definition
    model.states            # {key: StateNode(key, name, type, scope)}; key: "Name", "Par/Branches/0/Name",
                            #   "Map/ItemProcessor/Name" (nested branches belong to their machine)
    model.transitions       # {(source key, field): Transition(source, field, target, errors)}; field is
                            #   "Next", "End", "Choices[i]", "Default", "Retry[i]", "Catch[i]"
    model.digest            # the machine's shape (same states and transitions: same digest)
    model.describe(edge)    # "IsValid Choices[0] -> Bill", "Charge Catch[1] [States.ALL] -> Failed"

    recorder = CoverageRecorder()                  # an engine observer (aslrun.engine.observers)
    with recorder:                                 # every execution started inside is counted, by any
        machine.execute(input, handlers=...)       #   API; child executions and Map iterations too
    data = recorder.data                           # CoverageData

    for machine in data:                           # MachineCoverage per (name, digest), sorted by name
        machine.model, machine.entered, machine.taken, machine.executions   # counts by key
        machine.figures()                          # Figures(states, states_total, transitions, ...)
        machine.never_entered(), machine.never_taken()                      # keys / Transitions
    data.figures().percent                         # states + transitions reached, all machines
    data.write(".aslrun-coverage"); CoverageData.read(path); CoverageData.combine(paths)
    print(format_report(data))                     # "billing: states 12/15, transitions 18/26 (...)"

A state machine started by a Task (``states:startExecution``) is a machine of its own; a Map's item
processor and a Parallel's branches are part of theirs. Runs of one machine loaded with different
substitutions count as one machine (the digest covers the shape, not resources or parameters).
Distributed Map children run in forked worker processes (``aslrun.integrations.map_pool``) are not
seen.
"""

from .data import DEFAULT_DATA_FILE, CoverageData, CoverageDataError, Figures, MachineCoverage
from .model import MachineModel, StateNode, Transition, machine_model
from .recorder import CoverageRecorder
from .text import format_figures, format_machine, format_report

__all__ = [
    "DEFAULT_DATA_FILE",
    "CoverageData",
    "CoverageDataError",
    "CoverageRecorder",
    "Figures",
    "MachineCoverage",
    "MachineModel",
    "StateNode",
    "Transition",
    "format_figures",
    "format_machine",
    "format_report",
    "machine_model",
]

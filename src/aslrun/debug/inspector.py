"""What each state did with its data, stage by stage, recorded while it runs.

A frame whose ``inspector`` is set reports every stage of its states' input and output processing
here (see the query-language strategies in :mod:`aslrun.states.io_jsonpath` and
:mod:`aslrun.states.io_jsonata`); a frame without one pays a single attribute check. Stages are
named as AWS's TestState API names them in ``inspectionData``:

    JSONPath: input, afterInputPath, afterParameters, result, afterResultSelector, afterResultPath
    JSONata:  input, afterArguments, result
    both:     output (the state's final output), errorOutput (what a Catch received)

Records are kept per state entry (the ``<Type>StateEntered`` event id), so a Map's iterations and
a retried Task each keep their own; a retry overwrites the attempt before it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["STAGE_ORDER", "Inspector"]

#: the order stages are shown in (AWS's inspectionData order, then the final output)
STAGE_ORDER = ("input", "afterInputPath", "afterArguments", "afterParameters", "result", "afterResultSelector",
               "afterResultPath", "errorOutput", "output")


class Inspector:
    def __init__(self, *, keep: int | None = 10_000) -> None:
        self.keep = keep
        #: entered event id -> {"state": name, stage: value, ...}
        self.records: dict[int, dict[str, Any]] = {}

    def stage(self, frame: Any, **stages: Any) -> None:
        """Record stages of the state ``frame`` is running (called by the query-language code)."""
        key = frame.entered_event_id
        record = self.records.get(key)
        if record is None:
            record = self.records[key] = {"state": frame.state_name}
            if self.keep is not None and len(self.records) > self.keep:
                del self.records[next(iter(self.records))]  # oldest first: memory stays bounded
        record.update(stages)

    def stages_of(self, entered_event_id: int) -> dict[str, Any]:
        """The stages recorded for one state entry, in display order (empty when none were)."""
        record = self.records.get(entered_event_id, {})
        return {name: record[name] for name in STAGE_ORDER if name in record}

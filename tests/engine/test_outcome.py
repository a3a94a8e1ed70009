"""How a branch ended (engine.runner.Outcome): what Map and Parallel read from it."""

from __future__ import annotations

from aslrun.engine.runner import Outcome
from aslrun.errors import StatesError


def test_a_successful_outcome_carries_its_output_and_event_ids():
    outcome = Outcome({"a": 1}, bound=9, last_event_id=7)
    assert (outcome.output, outcome.error, outcome.failed) == ({"a": 1}, None, False)
    assert (outcome.bound, outcome.last_event_id, outcome.end_event_id) == (9, 7, 7)
    assert repr(outcome) == "Outcome(output={'a': 1})"


def test_a_failed_outcome_defaults_to_no_size_and_no_event_and_shows_its_error():
    error = StatesError("Bad", "why")
    outcome = Outcome(error=error)
    assert (outcome.failed, outcome.bound, outcome.last_event_id, outcome.end_event_id) == (True, 0, 0, 0)
    assert outcome.error_payload() == {"Error": "Bad", "Cause": "why"}
    assert repr(outcome) == f"Outcome(error={error!r})"
    assert Outcome(error=StatesError("Bad", None)).error_payload() == {"Error": "Bad", "Cause": ""}

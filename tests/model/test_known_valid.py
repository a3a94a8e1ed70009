"""definition_problems remembers valid definitions (so a process need not import the validator to
be told again) and never remembers problems."""

from __future__ import annotations

import pytest

from aslrun.model import known_valid, validate
from aslrun.model.known_valid import definition_problems

VALID = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
INVALID = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True, "Nope": 1}}}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ASLRUN_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("ASLRUN_CACHE", raising=False)
    return tmp_path


def markers(cache) -> list:
    return [p for p in (cache / "valid").rglob("*") if p.is_file()] if (cache / "valid").exists() else []


def _refuse(definition):
    raise AssertionError("the validator was asked again")


def test_a_valid_definition_is_validated_once(cache, monkeypatch):
    assert definition_problems(VALID) == []
    assert len(markers(cache)) == 1
    monkeypatch.setattr(validate, "validate_definition", _refuse)
    assert definition_problems(dict(reversed(list(VALID.items())))) == []  # the same text, keys in another order


def test_problems_are_never_remembered(cache):
    first = definition_problems(INVALID)
    assert first and "Nope" in str(first[0])
    assert definition_problems(INVALID) == first
    assert markers(cache) == []


def test_a_changed_validator_forgets_every_verdict(cache, monkeypatch):
    definition_problems(VALID)
    monkeypatch.setattr(known_valid, "_FINGERPRINT", ["another validator"])
    asked = []
    monkeypatch.setattr(validate, "validate_definition", lambda d: asked.append(d) or [])
    assert definition_problems(VALID) == [] and asked == [VALID]


def test_aslrun_cache_0_writes_nothing(cache, monkeypatch):
    monkeypatch.setenv("ASLRUN_CACHE", "0")
    assert definition_problems(VALID) == []
    assert markers(cache) == []


def test_a_cache_that_cannot_be_written_is_no_error(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    monkeypatch.setenv("ASLRUN_CACHE_DIR", str(blocked))
    monkeypatch.delenv("ASLRUN_CACHE", raising=False)
    assert definition_problems(VALID) == []

"""The server reads botocore's model of Step Functions from its data file, without a botocore
session: the same model a session gives, and a session's when the file is not where expected."""

from __future__ import annotations

import botocore.session
import pytest

from aslrun.service import wire


def _session_model():
    return botocore.session.get_session().get_service_model("stepfunctions")


def _same(ours, theirs) -> None:
    assert ours.api_version == theirs.api_version and ours.metadata == theirs.metadata
    assert sorted(ours.operation_names) == sorted(theirs.operation_names)
    for name in theirs.operation_names:
        mine, other = ours.operation_model(name), theirs.operation_model(name)
        assert _described(mine.input_shape) == _described(other.input_shape), name
        assert _described(mine.output_shape) == _described(other.output_shape), name
        assert [e.name for e in mine.error_shapes] == [e.name for e in other.error_shapes], name


def _described(shape):
    """A shape as its name, type and members' names and types (shapes compare by identity)."""
    if shape is None:
        return None
    members = getattr(shape, "members", {})
    return (shape.name, shape.type_name, shape.metadata,
            sorted((name, member.name, member.type_name) for name, member in members.items()))


def test_the_model_is_the_one_a_botocore_session_gives():
    wire.service_model.cache_clear()
    try:
        _same(wire.service_model(), _session_model())
    finally:
        wire.service_model.cache_clear()


def test_a_botocore_laid_out_otherwise_is_asked_through_a_session(tmp_path, monkeypatch):
    import botocore

    monkeypatch.setattr(botocore, "__file__", str(tmp_path / "botocore" / "__init__.py"))  # no data folder there
    wire.service_model.cache_clear()
    try:
        model = wire.service_model()
    finally:
        monkeypatch.undo()
        wire.service_model.cache_clear()
    _same(model, _session_model())


@pytest.fixture(autouse=True)
def _fresh_cache():
    yield
    wire.service_model.cache_clear()

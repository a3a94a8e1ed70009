"""moto_backends.in_use: a service moto holds nothing of is told apart without asking it, and a
snapshot that skips such services is the snapshot that asks them all."""

from __future__ import annotations

import sys
import types

from aslrun.localaws import LocalAws, moto_backends, seed


def test_a_service_is_in_use_from_its_first_request_until_moto_is_reset():
    with LocalAws(reset=True) as aws:
        assert not moto_backends.in_use("events")
        aws.client("events").list_event_buses()
        assert moto_backends.in_use("events")
    with LocalAws(reset=True):
        assert not moto_backends.in_use("events")  # (a reset drops every backend)
    assert not moto_backends.in_use("no-such-service")


def test_a_moto_laid_out_otherwise_is_asked(monkeypatch):
    monkeypatch.setitem(sys.modules, "moto.elsewhere.models", types.ModuleType("moto.elsewhere.models"))
    assert moto_backends.in_use("elsewhere")  # (no elsewhere_backends where expected: asked as before)


def test_the_snapshot_skipping_unused_services_is_the_one_asking_them_all(monkeypatch):
    document = {"sqs": {"jobs": {"messages": ["one"]}}, "events": {"orders-bus": {}},
                "ssm": {"/app/limit": "7"}, "s3": {"skip-bucket": {"k.txt": "v"}}}
    for seeded in ({}, document):
        with LocalAws(reset=True) as aws:
            aws.seed(seeded)
            skipping = aws.snapshot()
            assert not moto_backends.in_use("scheduler") and not moto_backends.in_use("secretsmanager")
            monkeypatch.setattr(seed, "in_use", lambda service: True)
            asking_all = aws.snapshot()
            monkeypatch.undo()
        assert skipping == asking_all
        assert set(skipping) == {"sqs", "events", "ssm", "s3"} if seeded else skipping == {}

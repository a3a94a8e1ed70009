"""The Hypothesis profiles of tests/conftest.py: CI's is derandomized, neither has a deadline."""

from __future__ import annotations

from hypothesis import settings


def test_the_ci_profile_draws_the_same_examples_every_run():
    ci = settings.get_profile("ci")
    assert (ci.derandomize, ci.database, ci.deadline) == (True, None, None)


def test_the_dev_profile_explores_without_a_deadline():
    dev = settings.get_profile("dev")
    assert (dev.derandomize, dev.deadline) == (False, None)

"""Evaluating intrinsic calls in tests: ``run`` gives the value, ``cause_of`` the States.Runtime cause."""

from __future__ import annotations

import random
from typing import Any

import pytest

from aslrun.errors import StatesError
from aslrun.expr.intrinsics import compile_intrinsic

__all__ = ["cause_of", "run"]


def run(text: str, rng: random.Random | None = None, **values: Any) -> Any:
    """Evaluate ``text``; ``$.x`` reads keyword ``x`` (so ``run("States.ArrayLength($.a)", a=[1])``)."""
    return compile_intrinsic(text).evaluate(lambda path: values[path[2:]], rng=rng)


def cause_of(text: str, **values: Any) -> str:
    """What follows "could not be evaluated: " in the cause of the States.Runtime error ``text`` raises."""
    with pytest.raises(StatesError) as raised:
        run(text, **values)
    error = raised.value
    assert error.error == "States.Runtime"
    assert error.in_state is True
    prefix = f"The intrinsic function '{text}' could not be evaluated: "
    assert error.cause.startswith(prefix)
    return error.cause[len(prefix):]

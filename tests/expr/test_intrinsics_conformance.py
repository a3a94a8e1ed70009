"""Every AWS-recorded JSONPath intrinsic case of ../shared/conformance, run through the module alone.

Each case is a one-state machine: a Pass state whose Parameters hold ``"key.$": "States...."``.
The test evaluates those Parameters with :mod:`aslrun.expr.intrinsics` and a tiny resolver
(``$`` = the case input, ``$$.Execution.Input`` = the input too), applies the state's ResultPath
and OutputPath when it has them, and compares with what AWS recorded.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from aslrun.errors import StatesError
from aslrun.expr.intrinsics import compile_intrinsic, is_intrinsic

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
CASES_FILE = SHARED / "conformance" / "cases.jsonl"
LOCATOR_END = "). "  # end of AWS's "An error occurred while executing the state 'X' (entered at ...). "


def _load_cases() -> list[dict[str, Any]]:
    if not CASES_FILE.is_file():
        return []
    cases = [json.loads(line) for line in CASES_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [c for c in cases if c["category"] == "intrinsic_functions" and "jsonata" not in c["features"]]


CASES = _load_cases()


def test_corpus_is_present_and_complete() -> None:
    if not CASES_FILE.is_file():
        pytest.skip(f"conformance corpus not found at {CASES_FILE} (../shared is absent)")
    assert len(CASES) == 55


def _resolver(case_input: Any):
    """Read ``$.a.b`` (the input) and ``$$.Execution.Input.a`` (the input again): all the cases need."""

    def resolve(text: str) -> Any:
        if text.startswith("$$.Execution.Input"):
            return _get(case_input, text[len("$$.Execution.Input"):])
        assert text.startswith("$") and not text.startswith("$$"), f"unsupported path in corpus: {text}"
        return _get(case_input, text[1:])

    return resolve


def _get(document: Any, dotted: str) -> Any:
    for name in [part for part in dotted.split(".") if part]:
        document = document[name]
    return document


def _set(document: Any, dotted: str, value: Any) -> Any:
    names = [part for part in dotted.split(".") if part]
    if not names:
        return value
    out = dict(document)
    out[names[0]] = _set(document.get(names[0], {}), ".".join(names[1:]), value)
    return out




def _run_pass_state(case: dict[str, Any]) -> Any:
    definition = case["definition"]
    state = definition["States"][definition["StartAt"]]
    assert state["Type"] == "Pass" and len(definition["States"]) == 1
    resolve = _resolver(case["input"])
    result = {}
    for key, value in state["Parameters"].items():
        assert key.endswith(".$") and is_intrinsic(value), f"not an intrinsic: {key}: {value}"
        result[key[:-2]] = compile_intrinsic(value).evaluate(resolve, rng=random.Random(0))
    output = _set(case["input"], state.get("ResultPath", "$")[1:], result)
    return _get(output, state.get("OutputPath", "$")[1:])


@pytest.mark.parametrize("case", CASES, ids=[c["id"].split("::")[-1] for c in CASES])
def test_aws_recorded_case(case: dict[str, Any], scorer: Any) -> None:
    expected = case["expected"]
    if expected["status"] == "SUCCEEDED":
        assert scorer.json_equal(_run_pass_state(case), expected["output"])
        return
    with pytest.raises(StatesError) as raised:
        _run_pass_state(case)
    assert raised.value.error == expected["error"]
    if not expected.get("cause_unchecked"):
        assert raised.value.cause == expected["cause"].split(LOCATOR_END, 1)[-1]

"""Plain-Python floors of ``aslrun bench``'s standard workloads: the same work without an engine.

Each floor does what its workload's definition asks, written by hand: the same data moved and
merged per state (ResultPath merges into a copy, as the engine must not change its input), and for
the Task workloads the same handlers called in the same order, each with a private copy of its event
(``marshal``: the cheapest deep copy) and its result wrapped as ``lambda:invoke`` wraps it (without
the SDK metadata). There is no history, no context object, no expression evaluation, no checks. The
engine's time over the floor is what interpreting ASL costs; ``aslrun bench`` prints both.
"""

from __future__ import annotations

import marshal
from collections.abc import Callable
from typing import Any

__all__ = ["FLOORS"]

Handlers = dict[str, Callable[..., Any]]


def _invoke(handlers: Handlers, name: str, event: Any) -> dict[str, Any]:
    payload = handlers[name](marshal.loads(marshal.dumps(event)), None)
    return {"ExecutedVersion": "$LATEST", "Payload": marshal.loads(marshal.dumps(payload)), "StatusCode": 200}


def _merged(state: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    out = dict(state)
    out[key] = value
    return out


def w1_loop(inputs: list[Any], handlers: Handlers) -> list[Any]:
    state = inputs[0]
    while state["counter"] < state["n"]:  # Check (Choice), then Increment (Pass with Parameters)
        state = {"counter": state["counter"] + 1, "n": state["n"]}
    return [state]


def w2_map(inputs: list[Any], handlers: Handlers) -> list[Any]:
    document = inputs[0]
    results = [_merged(item, "result", {"id": item["id"], "double": item["value"], "tagged": True})
               for item in document["items"]]
    del results  # ResultPath null: the Map's output is its input
    return [document]


def w3_parallel(inputs: list[Any], handlers: Handlers) -> list[Any]:
    outputs = []
    for _branch in range(10):
        state = marshal.loads(marshal.dumps(inputs[0]))  # each branch gets its own input
        for step in range(50):
            state = _merged(state, "step", step)
        outputs.append(state)
    return [outputs]


def w4_billing(inputs: list[Any], handlers: Handlers) -> list[Any]:
    outputs: list[dict[str, Any] | None] = []
    for reading in inputs:
        state = _merged(reading, "validation", _invoke(handlers, "ValidateMeterReading", reading))
        if state["validation"]["Payload"].get("isValid") is not True:
            outputs.append(None)
            continue
        state = _merged(state, "meterStatus", _invoke(handlers, "CheckMeterStatus", state))
        status = state["meterStatus"]["Payload"]
        if not (status.get("online") is True and status.get("tamperDetected") is False):
            outputs.append(None)
            continue
        state = _merged(state, "usage", _invoke(handlers, "CalculateUsage", state))
        analysis = [_invoke(handlers, "DetectAnomaly", state), _invoke(handlers, "GenerateBill", state)]
        state = _merged(state, "billingAnalysis", analysis)
        if analysis[0]["Payload"].get("isAnomaly") is not False:
            outputs.append(_merged(state, "review", _invoke(handlers, "FlagForReview", state)))
            continue
        payment = {"reading": state, "bill": analysis[1]["Payload"]["bill"]}
        state = _merged(state, "payment", _invoke(handlers, "ProcessPayment", payment))
        outputs.append(_merged(state, "notification", _invoke(handlers, "NotifyCustomer", state)))
    return outputs


def w5_bulk(inputs: list[Any], handlers: Handlers) -> list[Any]:
    document = inputs[0]
    results = []
    for reading in document["readings"]:
        state = _merged(reading, "validation", _invoke(handlers, "ValidateMeterReading", reading))
        analysis = [_invoke(handlers, "CalculateUsage", state), _invoke(handlers, "DetectAnomaly", state)]
        state = _merged(state, "analysis", analysis)
        if analysis[1]["Payload"].get("isAnomaly") is not False:
            results.append({"flagged": True})
            continue
        bill = _invoke(handlers, "GenerateBill", state)["Payload"]["bill"]
        results.append({"meterId": bill["meterId"], "amount": bill["amount"]})
    return [_merged(document, "results", results)]


FLOORS: dict[str, Callable[[list[Any], Handlers], list[Any]]] = {
    "w1_loop": w1_loop, "w2_map": w2_map, "w3_parallel": w3_parallel, "w4_billing": w4_billing,
    "w5_bulk": w5_bulk,
}

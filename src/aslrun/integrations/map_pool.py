"""Running a distributed Map's child executions on every core (a forked process pool).

The child executions of a distributed Map are independent executions, so when there are many and
they only compute (Pass, Choice, Succeed, Fail, and Tasks that call Python handlers: no AWS service,
no nested execution, no callback, no Wait, no Retry back-off, no Parallel or Map inside), they can
run in worker processes. The workers are forked, so they share the compiled processor and the
handlers as they are (nothing is pickled but items and results), and every child gets the seed it
would have had in-process (drawn in item order), so results and names do not depend on where it ran.

It pays only above a few thousand children (forking and shipping results back cost tens of
milliseconds); :func:`eligible` says when it applies, :func:`run_in_pool` runs them. The children
stay in the caller while a local AWS runs in it (a handler's AWS call in a worker would write to the
worker's copy, lost with it: the Map reading or writing S3 has one) or a coverage recorder watches
(:mod:`.forked_workers`); the execution's notes say so. ``ASLRUN_MAP_PROCESSES=1`` says the
children's handlers never call AWS: they are then forked with a local AWS running too
(``ASLRUN_MAP_PROCESSES=0`` never forks them). A worker whose caller has died (``kill -9``) ends
before its next child instead of running the rest of its chunk for nobody.
"""

from __future__ import annotations

import os
from typing import Any

from ..engine.execution import Execution
from .forked_workers import shared_reason_to_stay
from .lambda_ import LambdaFunction, LambdaInvoke

__all__ = ["MIN_CHILDREN", "eligible", "run_in_pool"]

MIN_CHILDREN = 5_000  # below this the in-process run is as fast (measured: benchmarks/distributed_map.py)
_PURE_STATES = {"Pass", "Choice", "Succeed", "Fail", "Task"}
_JOB: dict[str, Any] = {}  # what the forked workers read (set just before the fork, cleared after)


def eligible(state: Any, execution: Any, count: int) -> bool:
    """Whether the children of this distributed Map may run in worker processes."""
    if count < MIN_CHILDREN or (os.cpu_count() or 1) < 2 or os.environ.get("ASLRUN_MAP_PROCESSES") == "0":
        return False
    reason = shared_reason_to_stay(execution, local_aws_allowed=os.environ.get("ASLRUN_MAP_PROCESSES") == "1")
    if reason is not None:
        execution.note(f"Map '{state.name}': its {count} child executions ran in this process ({reason})")
        return False
    if not hasattr(os, "fork"):
        return False
    for child_state in state.processor.walk():
        if child_state.type not in _PURE_STATES or child_state.retriers:
            return False
        if child_state.type == "Task":
            integration = child_state.integration
            if integration.__class__ not in (LambdaFunction, LambdaInvoke) or child_state.timeout_seconds \
                    or child_state.timeout_path is not None:
                return False
    return True


def run_in_pool(state: Any, execution: Any, inputs: list[Any]) -> list[tuple[Any, ...]]:
    """Run one child execution per input in worker processes; return, in input order,
    ``(name, status, output, error, cause, start, stop)`` of each."""
    import multiprocessing

    seeds = [execution.rng.getrandbits(32) for _ in inputs]
    workers = min(os.cpu_count() or 2, 4)
    size = max(1, -(-len(inputs) // (workers * 4)))
    chunks = [(start, inputs[start:start + size], seeds[start:start + size]) for start in range(0, len(inputs), size)]
    _JOB.update(state=state, execution=execution, caller=os.getpid())
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            parts = pool.map(_run_chunk, chunks)
    finally:
        _JOB.clear()
    execution.map_run_children += len(inputs)
    return [row for part in parts for row in part]


def _run_chunk(chunk: tuple[int, list[Any], list[int]]) -> list[tuple[Any, ...]]:
    _, inputs, seeds = chunk
    state, parent = _JOB["state"], _JOB["execution"]
    label = f"{parent.state_machine_name}/{state.label or state.name}"
    out = []
    for item_input, seed in zip(inputs, seeds):
        if os.getppid() != _JOB["caller"]:  # the caller is gone (killed): nobody will read what this runs
            os._exit(1)
        child = Execution(state.processor, item_input, bindings=parent.bindings, state_machine_name=label,
                          clock=parent.clock, seed=seed, history_keep=0, region=parent.region,
                          account=parent.account, role_arn=parent.role_arn, payload_limit=parent.payload_limit)
        child.run()
        out.append((child.name, child.status, child.output, child.error, child.cause, child.start_time,
                    child.stop_time))
    return out

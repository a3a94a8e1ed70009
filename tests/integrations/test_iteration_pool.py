"""With ``handler_processes=N``, an inline Map whose iterations only compute runs each of them whole in
one of N forked worker processes (:mod:`aslrun.integrations.iteration_pool`).

What must not change is checked against the same run in one process, event by event in AWS's shape
(timestamps included: the clock is virtual), and the output: states, links between events, causes
naming event ids, Catch, a failing iteration. That the iterations really ran elsewhere is seen by the
pids the handlers report; that a Map stayed here, by the pool never being started."""

from __future__ import annotations

import json
import os
import re
import sys

import pytest

from aslrun import StateMachine, VirtualClock
from aslrun.integrations import iteration_pool
from tests.helpers.killed_caller import CAN_WATCH, script_preamble, workers_left_after_kill

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="worker processes are forked")

FN = "arn:aws:lambda:us-east-1:123456789012:function:"


def work(event, context):
    if event.get("fail"):
        raise ValueError(f"item {event['n']} refused")
    return {"n": event["n"] * 10}


def half(event, context):
    return {"half": event["n"] / 2}


def where(event, context):
    return {"pid": os.getpid()}


def ends_its_process(event, context):
    if event["n"] == 3:
        os._exit(3)
    return {"n": event["n"]}


def echoes_large(event, context):
    return {"n": event["n"], "large": "y" * 400_000}


def ends_its_process_at_once(event, context):
    if event["n"] == 0:
        os._exit(4)
    return {"n": event["n"]}


HANDLERS = {"work": work, "half": half, "where": where, "ends": ends_its_process,
            "ends-first": ends_its_process_at_once, "echoes-large": echoes_large}


def task(function, **fields):
    return {"Type": "Task", "Resource": FN + function, **fields}


def map_of(processor_states, start, *, max_concurrency=0, **fields):
    return {"StartAt": "M", "States": {"M": {
        "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": max_concurrency,
        "ItemProcessor": {"StartAt": start, "States": processor_states}, "End": True, **fields}}}


BUSY_ITERATION = map_of({
    "Shape": {"Type": "Pass", "Parameters": {"n.$": "$.n", "fail.$": "$.fail", "even.$": "States.MathAdd($.n, 0)"},
              "Next": "Even?"},
    "Even?": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 3, "Next": "Both"}],
              "Default": "Work"},
    "Both": {"Type": "Parallel", "Branches": [
        {"StartAt": "W", "States": {"W": task("work", End=True)}},
        {"StartAt": "H", "States": {"H": task("half", End=True)}}], "ResultPath": "$.both", "Next": "Work"},
    "Work": task("work", ResultPath="$.work", Catch=[{"ErrorEquals": ["ValueError"], "ResultPath": "$.refused",
                                                      "Next": "Refused"}], End=True),
    "Refused": {"Type": "Pass", "InputPath": "$.refused", "End": True},
}, "Shape")


def items(count, failing=()):
    return {"items": [{"n": n, "fail": n in failing} for n in range(count)]}


def run(definition, input, processes=None, **options):
    options.setdefault("clock", VirtualClock(start="2024-01-01T00:00:00Z", frozen=True))
    return StateMachine(definition).execute(input, handlers=HANDLERS, handler_processes=processes, **options)


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def aws_history(execution):
    """The history in AWS's shape; the Lambda request ids (random on AWS; here drawn from a seed of each
    iteration's own in a worker) written as one."""
    return json.loads(UUID.sub("<request id>", json.dumps([event.to_aws() for event in execution.history])))


def without_request_ids(text):
    return UUID.sub("<request id>", text) if isinstance(text, str) else text


@pytest.fixture(autouse=True)
def nothing_else_in_this_process_keeps_the_maps_here(monkeypatch):
    """A local AWS the tests run before these left running in this process set aside (these handlers
    call no AWS); the reasons the pool gave for each Map, kept."""
    emulator = sys.modules.get("aslrun.localaws.emulator")
    if emulator is not None:
        monkeypatch.setattr(emulator, "current_aws", lambda start=True: None)
    monkeypatch.setattr("aslrun.engine.observers._ACTIVE", [])
    reasons = []
    real = iteration_pool.why_not

    def telling(state, frame):
        reasons.append(real(state, frame))
        return reasons[-1]

    monkeypatch.setattr(iteration_pool, "why_not", telling)
    yield reasons


@pytest.fixture
def pools_started(monkeypatch):
    """The Map states a pool of workers was started for."""
    started = []
    real = iteration_pool.IterationPool

    def counting(state, *args):
        started.append(state.name)
        return real(state, *args)

    monkeypatch.setattr(iteration_pool, "IterationPool", counting)
    return started


def test_the_iterations_run_in_workers_and_record_what_a_run_in_one_process_records(
        pools_started, nothing_else_in_this_process_keeps_the_maps_here):
    here = run(BUSY_ITERATION, items(20, failing={1, 2}))
    away = run(BUSY_ITERATION, items(20, failing={1, 2}), processes=2)
    assert pools_started == ["M"], nothing_else_in_this_process_keeps_the_maps_here
    assert away.status == here.status == "SUCCEEDED"
    assert without_request_ids(json.dumps(away.output)) == without_request_ids(json.dumps(here.output))
    assert aws_history(away) == aws_history(here)
    assert away.output[2] == {"Error": "ValueError", "Cause": away.output[2]["Cause"]}


def test_the_handlers_ran_in_the_worker_processes():
    execution = run(map_of({"T": task("where", End=True)}, "T"), items(16), processes=2)
    pids = {item["pid"] for item in execution.output}
    assert len(pids) == 2 and os.getpid() not in pids


def test_a_failing_iteration_fails_the_map_as_in_one_process():
    definition = map_of({"T": task("work", End=True)}, "T")
    here = run(definition, items(20, failing={5}))
    away = run(definition, items(20, failing={5}), processes=2)
    assert (away.status, away.error) == (here.status, here.error) == ("FAILED", "ValueError")
    assert without_request_ids(away.cause) == without_request_ids(here.cause)
    assert aws_history(away) == aws_history(here)


def test_a_cause_naming_an_event_id_names_it_as_in_one_process():
    definition = map_of({"Bad": {"Type": "Pass", "InputPath": "$.missing", "End": True}}, "Bad",
                        Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Caught"}])
    definition["States"]["M"].pop("End")
    definition["States"]["M"]["Next"] = "Done"
    definition["States"]["Done"] = {"Type": "Succeed"}
    definition["States"]["Caught"] = {"Type": "Fail", "Error": "Caught", "CausePath": "$.Cause"}
    here = run(definition, items(16))
    away = run(definition, items(16), processes=2)
    assert "(entered at the event id #" in here.cause
    assert (away.status, away.error, away.cause) == (here.status, here.error, here.cause)
    assert aws_history(away) == aws_history(here)


def test_a_cause_a_catch_keeps_in_the_data_names_its_event_as_in_one_process():
    definition = map_of({"T": task("work", QueryLanguage="JSONata", Arguments={"n": "{% $number('x') %}"}, Catch=[
        {"ErrorEquals": ["States.ALL"], "Output": {"cause": "{% $states.errorOutput.Cause %}"}, "Next": "Kept"}],
        End=True), "Kept": {"Type": "Pass", "End": True}}, "T")
    here = run(definition, items(16))
    away = run(definition, items(16), processes=2)
    assert "(entered at the event id #40)" in here.output[5]["cause"]
    assert away.output == here.output
    assert aws_history(away) == aws_history(here)


def test_random_values_are_repeatable_run_after_run():
    definition = map_of({"Id": {"Type": "Pass", "Parameters": {"id.$": "States.UUID()"}, "Next": "Call"},
                         "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                  "Parameters": {"FunctionName": "work", "Payload": {"n": 1}}, "End": True}}, "Id")
    first, second = (run(definition, items(16), processes=2, seed=7) for _ in range(2))
    assert first.output == second.output
    assert len({item["SdkResponseMetadata"]["RequestId"] for item in first.output}) == 16


def test_history_listeners_see_every_event_the_workers_recorded():
    seen = []
    execution = run(BUSY_ITERATION, items(16), processes=2, listeners=[seen.append])
    assert [event.id for event in seen] == [event.id for event in execution.history]


def test_a_worker_ending_its_process_fails_the_map_naming_the_iteration():
    execution = run(map_of({"T": task("ends", End=True)}, "T"), items(16), processes=2)
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
    assert "The worker process running iteration 3 ended (exit code 3)" in execution.cause
    assert "An error occurred while executing the state 'M'" in execution.cause


def test_the_iterations_queued_to_a_worker_that_ended_fail_the_map_too():
    """The worker running item 0 had item 2 queued as well: the Map, waiting for items in order,
    finds the worker gone while waiting for item 1 or 2, and each item not answered yet fails with the
    worker's end (it once waited for ever for an item nobody would answer)."""
    import threading

    ended: list = []
    for _ in range(5):  # (which item's wait finds the worker gone varies from run to run)
        runner = threading.Thread(daemon=True, target=lambda: ended.append(
            run(map_of({"T": task("ends-first", End=True)}, "T"), items(16), processes=2)))
        runner.start()
        runner.join(60)
        assert not runner.is_alive(), "the Map waited for an iteration no worker would answer"
    assert len(ended) == 5
    for execution in ended:
        assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
        assert "The worker process running iteration 0 ended (exit code 4)" in execution.cause


def test_large_items_and_large_answers_do_not_wait_for_each_other():
    """A 400 KB item queued to a busy worker filled its pipe and the caller waited for the worker to
    read it, while the worker waited for the caller to read its 400 KB answer: a large item now goes
    only to an idle worker."""
    import threading

    input = {"items": [{"n": n, "fail": False, "large": "x" * 400_000} for n in range(16)]}
    done: list = []
    runner = threading.Thread(daemon=True, target=lambda: done.append(
        run(map_of({"T": task("echoes-large", End=True)}, "T"), input, processes=2, payload_limit=None)))
    runner.start()
    runner.join(60)
    assert not runner.is_alive(), "the caller and a worker waited for each other"
    [execution] = done
    assert execution.status == "SUCCEEDED", execution.cause
    assert [item["n"] for item in execution.output] == list(range(16))
    assert all(item["large"] == "y" * 400_000 for item in execution.output)


@pytest.mark.parametrize("case", ["max concurrency 1", "a wait state", "mocks", "too few items", "one process",
                                  "a local aws"])
def test_what_the_workers_cannot_run_as_it_would_run_here_stays_here(case, pools_started, monkeypatch):
    definition, input, processes, options = map_of({"T": task("work", End=True)}, "T"), items(16), 2, {}
    if case == "max concurrency 1":
        definition = map_of({"T": task("work", End=True)}, "T", max_concurrency=1)
    elif case == "a wait state":
        definition = map_of({"W": {"Type": "Wait", "Seconds": 1, "Next": "T"}, "T": task("work", End=True)}, "W")
    elif case == "mocks":
        options["task_interceptor"] = lambda state, call: None
    elif case == "too few items":
        input = items(15)
    elif case == "one process":
        processes = 1
    elif case == "a local aws":
        class Active:
            @staticmethod
            def current_aws(start):
                return object()
        monkeypatch.setitem(sys.modules, "aslrun.localaws.emulator", Active)
    execution = run(definition, input, processes, **options)
    assert execution.status == "SUCCEEDED"
    assert pools_started == []


def test_a_worker_that_cannot_be_forked_leaves_the_map_to_run_here(monkeypatch, pools_started):
    import multiprocessing.context

    real_start = multiprocessing.context.ForkProcess.start
    started = []

    def second_fails(process):
        if started:
            raise OSError(12, "Cannot allocate memory")
        started.append(process)
        real_start(process)

    monkeypatch.setattr(multiprocessing.context.ForkProcess, "start", second_fails)
    execution = run(map_of({"T": task("where", End=True)}, "T"), items(16), processes=2)
    assert execution.status == "SUCCEEDED"  # (each call handed to a worker process, as without the pool)
    assert started[0].pid not in {item["pid"] for item in execution.output}
    started[0].join(5)
    assert started[0].exitcode is not None  # the one that did start was ended


JSONATA_MAP = {"QueryLanguage": "JSONata", "StartAt": "Set", "States": {
    "Set": {"Type": "Pass", "Assign": {"rate": 3, "label": "run"}, "Next": "M"},
    "M": {"Type": "Map", "Items": "{% $states.input.items %}", "MaxConcurrency": 4,
          "ItemSelector": {"n": "{% $states.context.Map.Item.Value.n %}",
                           "index": "{% $states.context.Map.Item.Index %}"},
          "ToleratedFailurePercentage": 50,
          "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Scale", "States": {
              "Scale": {"Type": "Pass", "Assign": {"scaled": "{% $states.input.n * $rate %}"},
                        "Output": {"n": "{% $states.input.n %}", "fail": "{% $states.input.n % 5 = 4 %}"},
                        "Next": "Inner"},
              "Inner": {"Type": "Map", "Items": "{% [1, 2] %}", "ItemProcessor": {"StartAt": "Add", "States": {
                  "Add": {"Type": "Pass", "Output": "{% $states.input + $scaled %}", "End": True}}},
                        "Output": "{% $merge([$states.input, {'inner': $states.result}]) %}", "Next": "Call"},
              "Call": {"Type": "Task", "Resource": FN + "work", "Arguments": "{% $states.input %}",
                       "Output": "{% {'label': $label, 'work': $states.result, 'scaled': $scaled} %}",
                       "End": True}}},
          "End": True}}}


def test_jsonata_variables_items_nested_maps_and_tolerated_failures_record_as_in_one_process(pools_started):
    here = run(JSONATA_MAP, items(24))
    away = run(JSONATA_MAP, items(24), processes=2)
    assert pools_started == ["M"]
    assert here.status == away.status == "SUCCEEDED"
    assert without_request_ids(json.dumps(away.output)) == without_request_ids(json.dumps(here.output))
    assert aws_history(away) == aws_history(here)
    assert away.output[4]["Error"] == "ValueError" and away.output[5]["work"] == {"n": 50}


def test_aslrun_execute_verbose_says_where_each_maps_iterations_ran(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from aslrun.cli import main

    machines = {"pooled.json": map_of({"T": task("work", End=True)}, "T"),
                "waits.json": map_of({"W": {"Type": "Wait", "Seconds": 1, "Next": "T"}, "T": task("work", End=True)},
                                     "W")}
    for name, definition in machines.items():
        (tmp_path / name).write_text(json.dumps(definition), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    said = {}
    for name in machines:  # (a handler a worker process imports by name: the Wait's Map sends it its calls)
        ran = CliRunner().invoke(main, ["execute", name, "--input", json.dumps(items(16)), "--handler",
                                        f"{FN}work=tests.helpers.worker_handlers:where_am_i",
                                        "--handler-processes", "2", "-v"])
        assert ran.exit_code == 0, ran.output
        said[name] = " ".join(ran.output.split())
    assert "note: Map 'M': its iterations ran whole in 2 worker processes" in said["pooled.json"]
    assert ("note: Map 'M': its iterations ran in this process (its iterations hold a Wait state (W)); each "
            "handler call went to a worker process") in said["waits.json"]


@pytest.mark.skipif(not CAN_WATCH, reason="reads /proc to see the workers end")
def test_the_workers_end_when_their_caller_is_killed(tmp_path):
    script = tmp_path / "run.py"
    script.write_text(script_preamble(tmp_path) + f"""
definition = {map_of({"T": task("slow", End=True)}, "T")!r}
StateMachine(definition).execute({{"items": list(range(400))}}, handlers={{"slow": slow}}, handler_processes=2)
""", encoding="utf-8")
    assert workers_left_after_kill(script, tmp_path, seconds=10) == [], "a worker outlived its caller"


def test_an_answer_names_the_items_parts_and_the_caller_keeps_its_own_item():
    """The events an iteration sends back carry its item again and again: they name its parts instead,
    and the history holds the caller's own item, as a run in one process does (not a copy per answer)."""
    import pickle

    day = {"date": "2024-01-01", "values": [0.25] * 48}
    item = {"n": 1, "days": [day, day, {"date": "2024-01-02", "values": [0.5, 1, None]}], "empty": {}, "none": []}
    answer = ("ok", [{"input": item}, {"days": item["days"], "day": day, "new": [1, 2]}, item["empty"]])
    written = bytes(iteration_pool._dump_answer(answer, iteration_pool._item_parts(item)))
    assert len(written) < len(pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)) / 3
    callers_item = pickle.loads(pickle.dumps(item))  # (the caller's item: the worker got a copy)
    status, (first, second, empty) = iteration_pool._load_answer(written, callers_item)
    assert (status, [first, second, empty]) == answer
    assert first["input"] is callers_item and second["days"] is callers_item["days"]
    assert second["day"] is callers_item["days"][0] is callers_item["days"][1] and empty is callers_item["empty"]

    input = {"items": [{"n": n, "fail": False, "day": {"values": [n / 4] * 48}} for n in range(16)]}
    execution = run(map_of({"T": task("work", ResultPath="$.work", End=True)}, "T"), input, processes=2)
    assert execution.status == "SUCCEEDED"
    entered = [event.details["input"] for event in execution.history if event.type == "TaskStateEntered"]
    assert len(entered) == 16 and all(seen is sent for seen, sent in zip(entered, input["items"]))

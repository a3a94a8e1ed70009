"""Map state: items, ItemSelector / legacy Parameters / legacy Iterator, the JSONPath data flow,
MaxConcurrency(Path) as seen in the history, tolerated failures, ItemBatcher, and failures.

Concurrency is checked through the history: between an iteration's ``MapIterationStarted`` and its
end event it is "in flight"; never more than MaxConcurrency iterations may be in flight.
"""

from __future__ import annotations

import copy

import pytest

PASS_PROCESSOR = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
ITERATION_END = ("MapIterationSucceeded", "MapIterationFailed", "MapIterationAborted")


def map_machine(processor=PASS_PROCESSOR, **fields):
    return {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": processor, "End": True, **fields}}}


def peak_in_flight(execution):
    """The largest number of iterations running at once, read from the history."""
    running, peak = 0, 0
    for event in execution.history:
        if event.type == "MapIterationStarted":
            running += 1
            peak = max(peak, running)
        elif event.type in ITERATION_END:
            running -= 1
    assert running == 0
    return peak


def with_concurrency(definition, **fields):
    definition = copy.deepcopy(definition)
    definition["States"]["Fan"].update(fields)
    return definition


NAPS = {"items": [{"s": 3}, {"s": 1}, {"s": 2}, {"s": 1}, {"s": 4}]}


# -- items and selection --------------------------------------------------------------------------

def test_items_path_and_results_in_item_order(run):
    execution = run(map_machine(ItemsPath="$.items"), {"items": [3, "a", {"b": None}, None]})
    assert (execution.status, execution.output) == ("SUCCEEDED", [3, "a", {"b": None}, None])


def test_without_items_path_the_input_itself_is_the_array(run):
    assert run(map_machine(), [1, 2]).output == [1, 2]


def test_input_path_then_items_path(run):
    assert run(map_machine(InputPath="$.in", ItemsPath="$.xs"), {"in": {"xs": [7]}}).output == [7]


def test_item_selector_sees_the_map_input_and_the_item(run):
    selector = {"value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index", "shared.$": "$.shared"}
    execution = run(map_machine(ItemsPath="$.items", ItemSelector=selector), {"items": ["a", "b"], "shared": 9})
    assert execution.output == [{"value": "a", "index": 0, "shared": 9}, {"value": "b", "index": 1, "shared": 9}]


def test_legacy_parameters_act_as_item_selector(run):
    execution = run(map_machine(ItemsPath="$.items", Parameters={"v.$": "$$.Map.Item.Value"}), {"items": [5, 6]})
    assert execution.output == [{"v": 5}, {"v": 6}]


def test_legacy_iterator(run):
    definition = {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "End": True,
                                                   "Iterator": {"StartAt": "Double", "States": {
                                                       "Double": {"Type": "Pass", "Parameters": {
                                                           "x.$": "States.MathAdd($, $)"}, "End": True}}}}}}
    assert run(definition, {"items": [1, 2]}).output == [{"x": 2}, {"x": 4}]


def test_result_selector_result_path_output_path(run):
    definition = map_machine(ItemsPath="$.items", ResultSelector={"n.$": "States.ArrayLength($)", "all.$": "$"},
                             ResultPath="$.summary", OutputPath="$.summary")
    assert run(definition, {"items": [1, 2, 3]}).output == {"n": 3, "all": [1, 2, 3]}


def test_empty_array_gives_an_empty_result(run):
    execution = run(map_machine(ItemsPath="$.items"), {"items": []})
    assert (execution.status, execution.output) == ("SUCCEEDED", [])
    started = execution.history.events("MapStateStarted")[0]
    assert started.details == {"length": 0}
    assert not execution.history.events("MapIterationStarted")


@pytest.mark.parametrize("not_a_list", [{"a": 1}, "text", 3, None])
def test_items_that_are_not_an_array_are_a_runtime_error(run, not_a_list):
    execution = run(map_machine(ItemsPath="$.items"), {"items": not_a_list})
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
    assert execution.cause.startswith("An error occurred while executing the state 'M' (entered at the event id #2).")


def test_items_path_that_finds_nothing(run):
    execution = run(map_machine(ItemsPath="$.nope"), {})
    assert execution.error == "States.Runtime"
    assert "Invalid path '$.nope'" in execution.cause


def test_iterations_do_not_see_each_others_changes(run):
    processor = {"StartAt": "Set", "States": {"Set": {"Type": "Pass", "Result": "changed", "ResultPath": "$.v",
                                                      "End": True}}}
    shared = {"v": "orig"}
    execution = run(map_machine(processor, ItemsPath="$.items"), {"items": [shared, shared]})
    assert execution.output == [{"v": "changed"}, {"v": "changed"}]
    assert execution.history.events("PassStateEntered")[1].details["input"] == {"v": "orig"}


# -- MaxConcurrency, observed in the history --------------------------------------------------------

@pytest.mark.parametrize("limit", [1, 2, 3])
def test_max_concurrency_is_honoured(run, asl, limit):
    execution = run(with_concurrency(asl("map/wait_per_item"), MaxConcurrency=limit), NAPS)
    assert execution.status == "SUCCEEDED"
    assert peak_in_flight(execution) == limit


def test_max_concurrency_zero_means_no_limit(run, asl):
    execution = run(with_concurrency(asl("map/wait_per_item"), MaxConcurrency=0), NAPS)
    assert peak_in_flight(execution) == len(NAPS["items"])


def test_max_concurrency_path(run, asl):
    definition = with_concurrency(asl("map/wait_per_item"), MaxConcurrencyPath="$.limit")
    execution = run(definition, {**NAPS, "limit": 2})
    assert peak_in_flight(execution) == 2


def test_max_concurrency_path_that_is_not_an_integer(run, asl):
    definition = with_concurrency(asl("map/wait_per_item"), MaxConcurrencyPath="$.limit")
    execution = run(definition, {**NAPS, "limit": "two"})
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
    assert execution.cause.endswith('The MaxConcurrencyPath field refers to value "two" which is not a valid '
                                    "integer: $.limit")


def test_concurrent_waits_overlap_in_virtual_time(run, asl):
    # all five start together: the Map ends when the longest (4 s) ends
    execution = run(asl("map/wait_per_item"), NAPS)
    assert execution.stop_time - execution.start_time == 4
    assert [r["at"] for r in execution.output] == ["2024-01-01T00:00:03.000Z", "2024-01-01T00:00:01.000Z",
                                                   "2024-01-01T00:00:02.000Z", "2024-01-01T00:00:01.000Z",
                                                   "2024-01-01T00:00:04.000Z"]


def test_one_at_a_time_the_waits_add_up(run, asl):
    execution = run(with_concurrency(asl("map/wait_per_item"), MaxConcurrency=1), NAPS)
    assert execution.stop_time - execution.start_time == 3 + 1 + 2 + 1 + 4
    started = [e.details["index"] for e in execution.history.events("MapIterationStarted")]
    assert started == [0, 1, 2, 3, 4]


def test_with_a_limit_the_next_item_starts_when_one_ends(run, asl):
    # limit 2: items 0 (3 s) and 1 (1 s) start; at 1 s item 1 ends, item 2 (2 s) starts; at 3 s both 0 and 2
    # end, items 3 and 4 start
    execution = run(with_concurrency(asl("map/wait_per_item"), MaxConcurrency=2), NAPS)
    started_at = {e.details["index"]: e.timestamp - execution.start_time
                  for e in execution.history.events("MapIterationStarted")}
    assert started_at == {0: 0, 1: 0, 2: 1, 3: 3, 4: 3}


# -- failures --------------------------------------------------------------------------------------

def test_a_failing_iteration_fails_the_map_with_its_error(run, asl):
    definition = asl("map/distributed_odd_fails")
    definition["States"]["Fan"]["ItemProcessor"]["ProcessorConfig"] = {"Mode": "INLINE"}
    execution = run(definition, {"items": [0, 1, 0]})
    assert (execution.status, execution.error, execution.cause) == ("FAILED", "Odd", "item was 1")
    assert execution.history.events("MapIterationFailed")[0].details == {"name": "Fan", "index": 1}
    assert execution.history.events("MapStateFailed")


def test_a_failing_map_can_be_caught(run):
    processor = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Bad", "Cause": "c"}}}
    definition = {"StartAt": "M", "States": {
        "M": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": processor, "Next": "Never",
              "Catch": [{"ErrorEquals": ["Bad"], "ResultPath": "$.error", "Next": "Handled"}]},
        "Never": {"Type": "Pass", "End": True},
        "Handled": {"Type": "Pass", "End": True}}}
    execution = run(definition, {"items": [1]})
    assert execution.output == {"items": [1], "error": {"Error": "Bad", "Cause": "c"}}


# -- tolerated failures (distributed Map) ----------------------------------------------------------

@pytest.mark.parametrize(("fields", "status"), [
    ({"ToleratedFailureCount": 1}, "FAILED"),       # 2 failures > 1
    ({"ToleratedFailureCount": 2}, "SUCCEEDED"),
    ({"ToleratedFailurePercentage": 50}, "SUCCEEDED"),  # 2 of 4 = 50 %, not more
    ({"ToleratedFailurePercentage": 49}, "FAILED"),
    ({"ToleratedFailurePercentage": 100}, "SUCCEEDED"),
])
def test_tolerated_failures(run, asl, fields, status):
    definition = asl("map/distributed_odd_fails")
    definition["States"]["Fan"].update(fields)
    execution = run(definition, {"items": [0, 1, 0, 1]})
    assert execution.status == status
    if status == "FAILED":
        assert execution.error == "States.ExceedToleratedFailureThreshold"
    else:
        assert [execution.output[0], execution.output[2]] == [0, 0]


def test_tolerated_failed_items_give_their_error_and_cause_in_place(run, asl):
    definition = asl("map/distributed_odd_fails")
    definition["States"]["Fan"].update(ToleratedFailureCount=2)
    execution = run(definition, {"items": [0, 1, 0, 1]})
    failed = {"Error": "Odd", "Cause": "item was 1"}
    assert (execution.status, execution.output) == ("SUCCEEDED", [0, failed, 0, failed])


def test_a_tolerated_failure_without_a_cause_has_an_empty_cause(run, asl):
    definition = asl("map/distributed_odd_fails")
    processor = definition["States"]["Fan"]["ItemProcessor"]
    processor["States"]["Odd"] = {"Type": "Fail", "Error": "Odd"}
    definition["States"]["Fan"].update(ToleratedFailurePercentage=50)
    execution = run(definition, {"items": [1, 0]})
    assert (execution.status, execution.output) == ("SUCCEEDED", [{"Error": "Odd", "Cause": ""}, 0])


def test_with_both_thresholds_exceeding_either_fails(run, asl):
    # "If you specify both values, the workflow fails when it exceeds either value." (developer guide,
    # "Tolerated failure threshold for Distributed Map state")
    definition = asl("map/distributed_odd_fails")
    definition["States"]["Fan"].update(ToleratedFailureCount=0, ToleratedFailurePercentage=50)
    execution = run(definition, {"items": [0, 1, 0, 1]})
    assert (execution.status, execution.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")


def test_tolerated_failure_paths(run, asl):
    definition = asl("map/distributed_odd_fails")
    definition["States"]["Fan"].update(ToleratedFailureCountPath="$.count")
    assert run(definition, {"items": [0, 1], "count": 1}).status == "SUCCEEDED"
    assert run(definition, {"items": [0, 1], "count": 0}).status == "FAILED"
    definition["States"]["Fan"].pop("ToleratedFailureCountPath")
    definition["States"]["Fan"].update(ToleratedFailurePercentagePath="$.pct")
    assert run(definition, {"items": [0, 1], "pct": 50}).status == "SUCCEEDED"
    execution = run(definition, {"items": [0, 1], "pct": "half"})
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")


def test_distributed_map_records_a_map_run(run, asl):
    execution = run(asl("map/distributed_odd_fails"), {"items": [0, 0]})
    kinds = [e.type for e in execution.history]
    assert kinds[2:4] == ["MapStateStarted", "MapRunStarted"]
    assert "MapRunSucceeded" in kinds and "MapIterationStarted" not in kinds
    arn = execution.history.events("MapRunStarted")[0].details["mapRunArn"]
    assert arn.startswith("arn:aws:states:us-east-1:123456789012:mapRun:StateMachine/Fan:")


# -- ItemBatcher -----------------------------------------------------------------------------------

def test_item_batcher_groups_items_and_adds_batch_input(run):
    processor = {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, **PASS_PROCESSOR}
    definition = map_machine(processor, ItemsPath="$.items",
                             ItemBatcher={"MaxItemsPerBatch": 2, "BatchInput": {"run.$": "$.run"}})
    execution = run(definition, {"items": [1, 2, 3, 4, 5], "run": "r1"})
    assert execution.output == [{"Items": [1, 2], "BatchInput": {"run": "r1"}},
                                {"Items": [3, 4], "BatchInput": {"run": "r1"}},
                                {"Items": [5], "BatchInput": {"run": "r1"}}]
    assert execution.history.events("MapStateStarted")[0].details == {"length": 3}


def test_item_batcher_after_item_selector(run):
    processor = {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, **PASS_PROCESSOR}
    definition = map_machine(processor, ItemsPath="$.items", ItemSelector={"i.$": "$$.Map.Item.Index"},
                             ItemBatcher={"MaxItemsPerBatch": 3})
    assert run(definition, {"items": ["a", "b", "c", "d"]}).output == [
        {"Items": [{"i": 0}, {"i": 1}, {"i": 2}]}, {"Items": [{"i": 3}]}]


# -- a distributed Map in the parent's history ---------------------------------------------------------

DISTRIBUTED = {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, **PASS_PROCESSOR}


def test_a_distributed_map_links_its_exit_to_map_run_started(run):
    # as AWS records it since November 2024 (LocalStack recordings of test_map_state_nested_config_distributed,
    # test_reference_in_map_state, test_map_item_reader_base_json_max_items_jsonata); recordings made before
    # linked MapStateExited to MapRunSucceeded
    definition = {"StartAt": "Start", "States": {
        "Start": {"Type": "Pass", "Result": [1, 2, 3], "Next": "M"},
        "M": {"Type": "Map", "ItemProcessor": DISTRIBUTED, "Next": "Done"},
        "Done": {"Type": "Pass", "End": True}}}
    execution = run(definition)
    assert [(e.id, e.previous_id, e.type) for e in execution.history] == [
        (1, 0, "ExecutionStarted"), (2, 0, "PassStateEntered"), (3, 2, "PassStateExited"),
        (4, 3, "MapStateEntered"), (5, 4, "MapStateStarted"), (6, 5, "MapRunStarted"), (7, 6, "MapRunSucceeded"),
        (8, 7, "MapStateSucceeded"), (9, 6, "MapStateExited"), (10, 9, "PassStateEntered"),
        (11, 10, "PassStateExited"), (12, 11, "ExecutionSucceeded")]


def test_a_first_state_distributed_map_links_its_exit_the_same_way(run):
    execution = run(map_machine(DISTRIBUTED), [1, 2])
    assert [(e.id, e.previous_id, e.type) for e in execution.history] == [
        (1, 0, "ExecutionStarted"), (2, 0, "MapStateEntered"), (3, 2, "MapStateStarted"), (4, 3, "MapRunStarted"),
        (5, 4, "MapRunSucceeded"), (6, 5, "MapStateSucceeded"), (7, 4, "MapStateExited"),
        (8, 7, "ExecutionSucceeded")]

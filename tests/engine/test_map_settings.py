"""Map settings read at run time: where AWS reads them, and JSONata batching.

AWS-recorded histories (LocalStack's test_base_scenarios snapshots): an invalid MaxConcurrencyPath
fails the Map before MapStateStarted; invalid ToleratedFailure*Path values fail it after
MapStateStarted; neither records MapStateFailed (both are States.Runtime)."""

from aslrun import StateMachine, VirtualClock


def run(definition, document):
    return StateMachine(definition).execute(document, clock=VirtualClock(start="2024-01-01T00:00:00Z", frozen=True))


def map_state(**settings):
    return {"StartAt": "MapState", "States": {"MapState": {
        "Type": "Map", "ItemsPath": "$.Items", "End": True,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, **settings}}}


def kinds(execution):
    return [e.type for e in execution.history]


def test_max_concurrency_path_fails_before_the_map_starts():
    execution = run(map_state(MaxConcurrencyPath="$.M"), {"Items": [1], "M": "NoNumber"})
    assert execution.error == "States.Runtime"
    assert execution.cause.endswith(
        'The MaxConcurrencyPath field refers to value "NoNumber" which is not a valid integer: $.M')
    assert kinds(execution) == ["ExecutionStarted", "MapStateEntered", "ExecutionFailed"]


def test_tolerated_failure_paths_fail_after_the_map_starts():
    for field, value in (("ToleratedFailureCountPath", "NoNumber"), ("ToleratedFailurePercentagePath", {})):
        execution = run(map_state(**{field: "$.T"}), {"Items": [1], "T": value})
        assert execution.error == "States.Runtime"
        assert kinds(execution) == ["ExecutionStarted", "MapStateEntered", "MapStateStarted", "ExecutionFailed"]
        started = execution.history.events("MapStateStarted")[0]
        assert started.details == {"length": 1}


def test_jsonata_item_batcher_takes_expressions():
    definition = {"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {
        "Type": "Map", "Items": "{% $states.input.items %}", "End": True,
        "ItemBatcher": {"MaxItemsPerBatch": "{% $states.input.size %}",
                        "BatchInput": {"run": "{% $states.input.run %}", "fixed": 1}},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}}}
    execution = run(definition, {"items": [1, 2, 3, 4, 5], "size": 2, "run": "r7"})
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    assert execution.output == [
        {"Items": [1, 2], "BatchInput": {"run": "r7", "fixed": 1}},
        {"Items": [3, 4], "BatchInput": {"run": "r7", "fixed": 1}},
        {"Items": [5], "BatchInput": {"run": "r7", "fixed": 1}},
    ]


def test_jsonata_item_batcher_size_must_be_a_positive_integer():
    definition = {"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {
        "Type": "Map", "Items": "{% [1, 2] %}", "End": True,
        "ItemBatcher": {"MaxItemsPerBatch": "{% 'two' %}"},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}}}
    execution = run(definition, {})
    assert execution.error == "States.QueryEvaluationError"
    assert "ItemBatcher/MaxItemsPerBatch" in execution.cause or "MaxItemsPerBatch" in execution.cause

"""Distributed Map reading its items from S3 (ItemReader) and writing its results there (ResultWriter)."""

from __future__ import annotations

import json

import pytest

from aslrun import StateMachine

GET_OBJECT = "arn:aws:states:::s3:getObject"
LIST = "arn:aws:states:::s3:listObjectsV2"
PUT_OBJECT = "arn:aws:states:::s3:putObject"
DISTRIBUTED = {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}


def _map(reader=None, writer=None, processor=None, **fields):
    state = {"Type": "Map", "End": True,
             "ItemProcessor": {"ProcessorConfig": DISTRIBUTED, "StartAt": next(iter(processor or {"P": 0})),
                               "States": processor or {"P": {"Type": "Pass", "End": True}}}, **fields}
    if reader is not None:
        state["ItemReader"] = reader
    if writer is not None:
        state["ResultWriter"] = writer
    return {"StartAt": "M", "States": {"M": state}}


def _csv_reader(key="in.csv", **config):
    return {"Resource": GET_OBJECT, "ReaderConfig": {"InputType": "CSV", **config},
            "Parameters": {"Bucket": "data-in", "Key": key}}


def test_csv_rows_become_items_of_strings(aws, execute):
    aws.seed({"s3": {"data-in": {"in.csv": "nmi,kwh\nN1,1.5\nN2,\nN3\n"}}})
    execution = execute(_map(_csv_reader(CSVHeaderLocation="FIRST_ROW")))
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output == [{"kwh": "1.5", "nmi": "N1"}, {"kwh": "", "nmi": "N2"}, {"kwh": "", "nmi": "N3"}]


def test_given_headers_a_delimiter_and_max_items(aws, execute):
    aws.seed({"s3": {"data-in": {"in.csv": "N1|1\nN2|2\nN3|3\n"}}})
    reader = _csv_reader(CSVHeaderLocation="GIVEN", CSVHeaders=["nmi", "kwh"], CSVDelimiter="PIPE", MaxItems=2)
    execution = execute(_map(reader))
    assert execution.output == [{"kwh": "1", "nmi": "N1"}, {"kwh": "2", "nmi": "N2"}]


def test_max_items_path_reads_the_limit_from_the_input(aws, execute):
    aws.seed({"s3": {"data-in": {"in.json": {"json": [1, 2, 3, 4]}}}})
    reader = {"Resource": GET_OBJECT, "ReaderConfig": {"InputType": "JSON", "MaxItemsPath": "$.limit"},
              "Parameters": {"Bucket": "data-in", "Key.$": "$.key"}}
    execution = execute(_map(reader), {"key": "in.json", "limit": 3})
    assert execution.output == [1, 2, 3]


def test_json_lines_and_the_item_selector(aws, execute):
    aws.seed({"s3": {"data-in": {"in.jsonl": '{"a": 1}\n\n{"a": 2}\n'}}})
    reader = {"Resource": GET_OBJECT, "ReaderConfig": {"InputType": "JSONL"},
              "Parameters": {"Bucket": "data-in", "Key": "in.jsonl"}}
    execution = execute(_map(reader, ItemSelector={"value.$": "$$.Map.Item.Value.a", "at.$": "$$.Map.Item.Index",
                                                   "run.$": "$.run"}), {"run": "R1"})
    assert execution.output == [{"value": 1, "at": 0, "run": "R1"}, {"value": 2, "at": 1, "run": "R1"}]


def test_listing_objects_gives_one_item_per_object(aws, execute):
    aws.seed({"s3": {"data-in": {"exports/a.csv": "x", "exports/b.csv": "yy", "other/c": "z"}}})
    reader = {"Resource": LIST, "Parameters": {"Bucket": "data-in", "Prefix": "exports/"}}
    execution = execute(_map(reader))
    assert [(item["Key"], item["Size"]) for item in execution.output] == [("exports/a.csv", 1), ("exports/b.csv", 2)]
    assert set(execution.output[0]) == {"Etag", "Key", "LastModified", "Size", "StorageClass"}
    assert isinstance(execution.output[0]["LastModified"], int)


def test_items_from_s3_can_be_batched(aws, execute):
    aws.seed({"s3": {"data-in": {"in.json": {"json": list(range(5))}}}})
    reader = {"Resource": GET_OBJECT, "ReaderConfig": {"InputType": "JSON"},
              "Parameters": {"Bucket": "data-in", "Key": "in.json"}}
    execution = execute(_map(reader, ItemBatcher={"MaxItemsPerBatch": 2, "BatchInput": {"run": 1}}))
    assert execution.output == [{"Items": [0, 1], "BatchInput": {"run": 1}}, {"Items": [2, 3], "BatchInput": {"run": 1}},
                                {"Items": [4], "BatchInput": {"run": 1}}]


@pytest.mark.parametrize("body, reader, cause", [
    ({"json": {"not": "a list"}}, {"InputType": "JSON"}, "Attempting to map over non-iterable node."),
    ("a,a\n1,2\n", {"InputType": "CSV"}, "CSV headers cannot contain duplicates."),
    ("{bad\n", {"InputType": "JSONL"}, "line 1 is not valid JSON"),
])
def test_unreadable_items_fail_with_item_reader_failed(aws, execute, body, reader, cause):
    aws.seed({"s3": {"data-in": {"in": body}}})
    execution = execute(_map({"Resource": GET_OBJECT, "ReaderConfig": reader,
                              "Parameters": {"Bucket": "data-in", "Key": "in"}}))
    assert (execution.status, execution.error) == ("FAILED", "States.ItemReaderFailed")
    assert cause in execution.cause


def test_a_missing_object_fails_with_item_reader_failed(aws, execute):
    aws.seed({"s3": {"data-in": {}}})
    execution = execute(_map(_csv_reader(key="nope.csv")))
    assert (execution.status, execution.error) == ("FAILED", "States.ItemReaderFailed")
    assert "NoSuchKey" in execution.cause


def _rows(count):
    return "meter,reading\n" + "".join(f"M{i},{i}\n" for i in range(count))


def test_results_are_written_to_s3_with_a_manifest(aws, execute):
    """The smaller sibling of benchmarks/distributed_map.py: 2,000 CSV rows, each a child execution
    calling a handler, results written to S3."""
    aws.seed({"s3": {"data-in": {"in.csv": _rows(2000)}, "results": {}}})
    processor = {"Double": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Double",
                            "End": True}}
    writer = {"Resource": PUT_OBJECT, "Parameters": {"Bucket": "results", "Prefix": "runs"}}
    execution = execute(_map(_csv_reader(), writer, processor, MaxConcurrency=100),
                        handlers={"Double": lambda event, context: {"meter": event["meter"],
                                                                    "double": 2 * int(event["reading"])}})
    assert execution.status == "SUCCEEDED", execution.cause
    run_arn = execution.output["MapRunArn"]
    run_id = run_arn.rsplit(":", 1)[-1]
    assert execution.output["ResultWriterDetails"] == {"Bucket": "results", "Key": f"runs/{run_id}/manifest.json"}
    manifest = aws.object_json("results", f"runs/{run_id}/manifest.json")
    assert manifest["DestinationBucket"] == "results" and manifest["MapRunArn"] == run_arn
    assert manifest["ResultFiles"]["FAILED"] == [] and manifest["ResultFiles"]["PENDING"] == []
    (succeeded_file,) = manifest["ResultFiles"]["SUCCEEDED"]
    assert succeeded_file["Key"] == f"runs/{run_id}/SUCCEEDED_0.json"
    body = aws.object_bytes("results", succeeded_file["Key"])
    assert succeeded_file["Size"] == len(body)
    entries = json.loads(body)
    assert len(entries) == 2000
    first = entries[0]
    assert json.loads(first["Input"]) == {"meter": "M0", "reading": "0"}
    assert json.loads(entries[1999]["Output"]) == {"meter": "M1999", "double": 3998}
    assert (first["Status"], first["RedriveStatus"], first["RedriveCount"]) == ("SUCCEEDED", "NOT_REDRIVABLE", 0)
    assert first["StateMachineArn"].endswith(":stateMachine:StateMachine/M")
    assert first["ExecutionArn"] == first["StateMachineArn"].replace(":stateMachine:", ":execution:") + ":" + \
        first["Name"]
    assert sorted(first) == ["ExecutionArn", "Input", "InputDetails", "Name", "Output", "OutputDetails", "RedriveCount",
                             "RedriveStatus", "RedriveStatusReason", "StartDate", "StateMachineArn", "Status",
                             "StopDate"]
    types = [e.type for e in execution.history]
    assert "MapRunStarted" in types and "MapRunSucceeded" in types


def test_failures_beyond_tolerance_write_failed_and_pending_files_then_fail(aws, execute):
    aws.seed({"s3": {"data-in": {"in.csv": _rows(10)}, "results": {}}})
    processor = {"Check": {"Type": "Choice", "Default": "Ok",
                           "Choices": [{"Or": [{"Variable": "$.reading", "StringEquals": v} for v in "234"],
                                        "Next": "Bad"}]},
                 "Ok": {"Type": "Pass", "End": True}, "Bad": {"Type": "Fail", "Error": "BadReading", "Cause": "no"}}
    writer = {"Resource": PUT_OBJECT, "Parameters": {"Bucket": "results", "Prefix": ""}}
    execution = execute(_map(_csv_reader(), writer, processor, MaxConcurrency=1, ToleratedFailureCount=2))
    assert (execution.status, execution.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    run_id = aws.describe()["s3"]["results"]
    (manifest_key,) = [key for key in run_id if key.endswith("manifest.json")]
    files = aws.object_json("results", manifest_key)["ResultFiles"]
    succeeded = aws.object_json("results", files["SUCCEEDED"][0]["Key"])
    failed = aws.object_json("results", files["FAILED"][0]["Key"])
    pending = aws.object_json("results", files["PENDING"][0]["Key"])
    assert len(succeeded) == 2 and len(failed) == 3 and len(pending) == 5  # one at a time: stops at the 3rd failure
    assert (failed[0]["Error"], failed[0]["Cause"], failed[0]["Status"]) == ("BadReading", "no", "FAILED")
    assert "Output" not in failed[0]
    assert json.loads(pending[0]["Input"]) == {"meter": "M5", "reading": "5"}


def test_writer_config_alone_shapes_the_result_inline(aws, execute):
    aws.seed({"s3": {"data-in": {"in.json": {"json": [[1, 2], [3]]}}}})
    reader = {"Resource": GET_OBJECT, "ReaderConfig": {"InputType": "JSON"},
              "Parameters": {"Bucket": "data-in", "Key": "in.json"}}
    flat = execute(_map(reader, {"WriterConfig": {"Transformation": "FLATTEN", "OutputType": "JSON"}}))
    assert flat.output == [1, 2, 3]
    compact = execute(_map(reader, {"WriterConfig": {"Transformation": "COMPACT", "OutputType": "JSON"}}))
    assert compact.output == [[1, 2], [3]]


def test_json_lines_results(aws, execute):
    aws.seed({"s3": {"data-in": {"in.json": {"json": [1, 2]}}, "results": {}}})
    reader = {"Resource": GET_OBJECT, "ReaderConfig": {"InputType": "JSON"},
              "Parameters": {"Bucket": "data-in", "Key": "in.json"}}
    writer = {"Resource": PUT_OBJECT, "Parameters": {"Bucket": "results", "Prefix": "p"},
              "WriterConfig": {"Transformation": "COMPACT", "OutputType": "JSONL"}}
    execution = execute(_map(reader, writer))
    manifest = aws.object_json("results", execution.output["ResultWriterDetails"]["Key"])
    key = manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]
    assert key.endswith("SUCCEEDED_0.jsonl")
    assert aws.object_text("results", key) == "1\n2\n"


def test_a_missing_results_bucket_fails_with_result_writer_failed(aws, execute):
    aws.seed({"s3": {"data-in": {"in.json": {"json": [1]}}}})
    reader = {"Resource": GET_OBJECT, "ReaderConfig": {"InputType": "JSON"},
              "Parameters": {"Bucket": "data-in", "Key": "in.json"}}
    execution = execute(_map(reader, {"Resource": PUT_OBJECT, "Parameters": {"Bucket": "nowhere", "Prefix": "p"}}))
    assert (execution.status, execution.error) == ("FAILED", "States.ResultWriterFailed")


def test_jsonata_reader_arguments(aws, execute):
    aws.seed({"s3": {"data-in": {"k.json": {"json": ["a", "b", "c"]}}}})
    definition = _map({"Resource": GET_OBJECT, "ReaderConfig": {"InputType": "JSON", "MaxItems": "{% $states.input.n %}"},
                       "Arguments": {"Bucket": "data-in", "Key": "{% $states.input.key %}"}})
    definition["QueryLanguage"] = "JSONata"
    execution = execute(definition, {"key": "k.json", "n": 2})
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output == ["a", "b"]


def test_the_same_machine_runs_without_the_aws_fixture(tmp_path):
    """No fixture: the integration starts a local AWS of its own (empty) and the reader reports the
    missing bucket as an ItemReader failure, not as a crash."""
    execution = StateMachine(_map(_csv_reader())).execute({})
    assert (execution.status, execution.error) == ("FAILED", "States.ItemReaderFailed")


def test_the_fast_text_of_an_entry_is_the_entry():
    import json as _json

    from aslrun.integrations.map_writer import ChildRun

    class Child:
        arn, name, state_machine_arn = "arn:x:execution:sm/M:n1", "n1", "arn:x:stateMachine:sm/M"
        input, output, status, error, cause = {"a": "é\"1"}, [1, {"b": None}], "SUCCEEDED", None, None
        start_time, stop_time = 1704067200.0, 1704067200.25

    run = ChildRun(Child())
    dump = _json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    assert _json.loads(run.entry_text(dump)) == run.entry()
    assert list(_json.loads(run.entry_text(dump))) == list(run.entry())

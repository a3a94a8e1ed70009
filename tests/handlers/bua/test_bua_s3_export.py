"""The export's S3 upload (boto3, answered by aslrun's local AWS here) and the run report's places."""

from __future__ import annotations

import pytest

from aslrun.localaws import LocalAws
from handlers.bua.control import STAGES
from handlers.bua.errors import BadEvent, StorageError
from handlers.bua.report import report_handler
from handlers.bua.s3_upload import S3Target, s3_target, upload_files
from handlers.bua.steps_accrual import export_write_handler


def test_files_are_uploaded_under_the_prefix(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("x,y\r\n1,2\r\n")
    second.write_text("")
    with LocalAws(reset=True) as aws:
        aws.seed({"s3": {"exports": {}}})
        written = upload_files([first, second], S3Target("exports", "export/csv/2024-10-01/"))
        assert written == [
            {"name": "a.csv", "bucket": "exports", "key": "export/csv/2024-10-01/a.csv", "bytes": 10},
            {"name": "b.csv", "bucket": "exports", "key": "export/csv/2024-10-01/b.csv", "bytes": 0}]
        assert aws.object_bytes("exports", "export/csv/2024-10-01/a.csv") == b"x,y\r\n1,2\r\n"


def test_a_missing_bucket_is_named_with_the_key(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("x\n")
    with LocalAws(reset=True):
        with pytest.raises(StorageError, match=r"s3://nowhere/out/a\.csv: the upload of .*a\.csv failed"):
            upload_files([path], S3Target("nowhere", "out/"))


@pytest.mark.parametrize("value, message", [
    ("bucket", "s3: expected"),
    ({"prefix": "x/"}, "s3.bucket: expected a bucket name"),
    ({"bucket": "b", "prefix": "no-slash"}, "s3.prefix: expected a key prefix ending in '/'"),
])
def test_a_bad_s3_field_is_named(value, message):
    with pytest.raises(BadEvent, match=message):
        s3_target(value)


def test_no_s3_field_means_no_upload():
    assert s3_target(None) is None
    assert s3_target({"bucket": "b"}) == S3Target("b", "")


def test_the_write_step_uploads_only_when_asked(finished):
    event = {"run_date": "2024-10-01", "db": finished["event"]["db"]}
    assert "uploaded" not in export_write_handler(event)
    with LocalAws(reset=True) as aws:
        aws.seed({"s3": {"exports": {}}})
        result = export_write_handler({**event, "s3": {"bucket": "exports", "prefix": "run/"}})
        assert [u["key"] for u in result["uploaded"]] == ["run/BUAAccountSummary.csv",
                                                          "run/InvoiceLineItemMonthly.csv"]
        assert aws.object_text("exports", "run/BUAAccountSummary.csv").count("\n") == 1 + 8


def test_the_report_takes_stage_statuses_from_the_event_and_names_the_s3_places(finished):
    event = {"run_date": "2024-10-01", "db": finished["event"]["db"],
             "stages": {stage: "SUCCEEDED" for stage in STAGES},
             "s3": {"bucket": "exp", "prefix": "export/csv/2024-10-01/", "outbound_bucket": "int",
                    "outbound_prefix": "ADH/OUTBOUND/BUA/", "aws_state": "state"}}
    report = report_handler(event)
    assert report["complete"] is True and report["accounts_accrued"] == 8
    places = report["exports"]["InvoiceLineItemMonthly"]
    assert places["s3"] == "s3://exp/export/csv/2024-10-01/InvoiceLineItemMonthly.csv"
    assert places["outbound"] == "s3://int/ADH/OUTBOUND/BUA/InvoiceLineItemMonthly.csv"
    assert places["aws_state_file"] == "state/objects/exp/export/csv/2024-10-01/InvoiceLineItemMonthly.csv"
    assert places["file"].endswith("export/csv/InvoiceLineItemMonthly.csv")
    with pytest.raises(BadEvent, match="stages: expected the status of each of restore"):
        report_handler({**event, "stages": {"restore": "SUCCEEDED"}})
    with pytest.raises(BadEvent, match="s3.outbound_bucket"):
        report_handler({**event, "s3": {"bucket": "exp", "prefix": "p/"}})

"""A distributed Map's ``ResultWriter``: the child executions' results written to S3 (the local AWS).

With ``"Resource": "arn:aws:states:::s3:putObject"`` and ``Parameters`` ``{"Bucket", "Prefix"}``, the
Map writes, under ``<Prefix>/<map run id>/``::

    manifest.json       {"DestinationBucket", "MapRunArn", "ResultFiles": {"FAILED": [{"Key", "Size"}],
                         "PENDING": [...], "SUCCEEDED": [...]}}
    SUCCEEDED_0.json    one entry per child execution that succeeded: {"ExecutionArn", "Input",
                         "InputDetails", "Name", "Output", "OutputDetails", "RedriveCount",
                         "RedriveStatus", "RedriveStatusReason", "StartDate", "StateMachineArn",
                         "Status", "StopDate"} (Input and Output as JSON text)
    FAILED_0.json       the failed ones (with "Error" and "Cause", no Output)
    PENDING_0.json      items never run because the Map stopped early

and its result is ``{"MapRunArn", "ResultWriterDetails": {"Bucket", "Key"}}`` (the manifest's key).
``WriterConfig`` shapes the entries: ``Transformation`` NONE (the default with S3: whole entries),
COMPACT (the outputs only), FLATTEN (outputs, arrays flattened one level); ``OutputType`` JSON (an
array per file) or JSONL (one entry per line). Failed children always keep their whole entries. With
a WriterConfig and no Resource, the transformed results are the Map's result instead. A write that
fails fails the Map with ``States.ResultWriterFailed``.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import StatesError
from ..model.timestamps import iso_timestamp
from .map_resource_parameters import ResourceParameters

__all__ = ["ChildRun", "ResultWriter"]


class ChildRun:
    """What the results files say about one child execution."""

    __slots__ = ("arn", "name", "state_machine_arn", "input", "output", "status", "error", "cause", "start", "stop")

    def __init__(self, child: Any) -> None:
        self.arn = child.arn
        self.name = child.name
        self.state_machine_arn = child.state_machine_arn
        self.input = child.input
        self.output = child.output
        self.status = child.status
        self.error = child.error
        self.cause = child.cause
        self.start = child.start_time
        self.stop = child.stop_time

    @classmethod
    def from_row(cls, state_machine_arn: str, item_input: Any, row: tuple[Any, ...]) -> ChildRun:
        """From what a pooled child returns: ``(name, status, output, error, cause, start, stop)``."""
        run = cls.__new__(cls)
        run.name, run.status, run.output, run.error, run.cause, run.start, run.stop = row
        run.state_machine_arn = state_machine_arn
        run.arn = f"{state_machine_arn.replace(':stateMachine:', ':execution:', 1)}:{run.name}"
        run.input = item_input
        return run

    def entry_text(self, dump: Any) -> str:
        """The entry of a succeeded run as compact JSON text (what entry() gives, serialised, faster)."""
        return (f'{{"ExecutionArn":{dump(self.arn)},"Input":{dump(dump(self.input))},"InputDetails":{{"Included":true}},'
                f'"Name":{dump(self.name)},"Output":{dump(dump(self.output))},"OutputDetails":{{"Included":true}},'
                '"RedriveCount":0,"RedriveStatus":"NOT_REDRIVABLE","RedriveStatusReason":"Execution is SUCCEEDED and '
                f'cannot be redriven","StartDate":"{iso_timestamp(self.start)}",'
                f'"StateMachineArn":{dump(self.state_machine_arn)},"Status":"SUCCEEDED",'
                f'"StopDate":"{iso_timestamp(self.stop)}"}}')

    def entry(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.status != "SUCCEEDED":
            if self.cause is not None:
                out["Cause"] = self.cause
            if self.error is not None:
                out["Error"] = self.error
        out["ExecutionArn"] = self.arn
        out["Input"] = _text(self.input)
        out["InputDetails"] = {"Included": True}
        out["Name"] = self.name
        if self.status == "SUCCEEDED":
            out["Output"] = _text(self.output)
            out["OutputDetails"] = {"Included": True}
        out["RedriveCount"] = 0
        if self.status == "SUCCEEDED":
            out["RedriveStatus"] = "NOT_REDRIVABLE"
            out["RedriveStatusReason"] = "Execution is SUCCEEDED and cannot be redriven"
        else:
            out["RedriveStatus"] = "REDRIVABLE_BY_MAP_RUN"
        out["StartDate"] = iso_timestamp(self.start) if self.start is not None else None
        out["StateMachineArn"] = self.state_machine_arn
        out["Status"] = self.status
        out["StopDate"] = iso_timestamp(self.stop) if self.stop is not None else None
        return out


class ResultWriter:
    """Compiled from a Map's ``ResultWriter`` field."""

    #: what the results files say about a child execution that ran here (``run_of(child)``), or in a
    #: worker process (``run_from_row(state_machine_arn, item_input, row)``)
    run_of = ChildRun
    run_from_row = ChildRun.from_row

    def __init__(self, spec: dict[str, Any], *, jsonata: bool) -> None:
        self.resource: str | None = spec.get("Resource")
        config = spec.get("WriterConfig") or {}
        self.transformation = config.get("Transformation", "NONE" if self.resource else "COMPACT")
        self.output_type = config.get("OutputType", "JSON")
        self.jsonata = jsonata
        self.request = ResourceParameters(spec, "ResultWriter", jsonata=jsonata, error="States.ResultWriterFailed")

    @property
    def to_s3(self) -> bool:
        return self.resource is not None

    def unbound_problem(self, bindings: Any) -> str | None:
        from ..localaws.emulator import AWS_EXTRA_MISSING, aws_extra_installed

        if self.resource is not None and not self.resource.endswith(":s3:putObject"):
            return f"ResultWriter resource '{self.resource}' is not emulated (s3:putObject is)"
        if self.transformation not in ("NONE", "COMPACT", "FLATTEN") or self.output_type not in ("JSON", "JSONL"):
            return "ResultWriter WriterConfig: Transformation is NONE, COMPACT or FLATTEN; OutputType JSON or JSONL"
        if self.resource is not None and not aws_extra_installed():
            return f"the ResultWriter writes to the local AWS, but {AWS_EXTRA_MISSING}"
        return None

    # -- results inline (WriterConfig only) ----------------------------------------------------------

    def inline(self, runs: list[ChildRun | None]) -> list[Any]:
        """The Map's result when nothing is written to S3: the transformed entries."""
        return self._entries([run for run in runs if run is not None])

    # -- writing to S3 -------------------------------------------------------------------------------

    def write(self, frame: Any, raw_input: Any, data: Any, map_run_arn: str, runs: list[ChildRun | None],
              pending_items: list[Any]) -> dict[str, Any]:
        """Write the results files and the manifest; return the Map's result."""
        parameters = self.request.evaluate(frame, raw_input, data)
        bucket = parameters.get("Bucket")
        prefix = parameters.get("Prefix", "") or ""
        if not isinstance(bucket, str) or not isinstance(prefix, str):
            raise StatesError("States.ResultWriterFailed", "ResultWriter Parameters need a Bucket (and a Prefix) as text")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        folder = f"{prefix}{map_run_arn.rsplit(':', 1)[-1]}/"
        succeeded = [run for run in runs if run is not None and run.status == "SUCCEEDED"]
        failed = [run for run in runs if run is not None and run.status != "SUCCEEDED"]
        files: dict[str, list[dict[str, Any]]] = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
        from ..localaws.emulator import current_aws

        client = current_aws().client("s3", region=frame.execution.region)  # type: ignore[union-attr]
        extension = "json" if self.output_type == "JSON" else "jsonl"
        bodies: list[tuple[str, bytes | None]] = [
            ("SUCCEEDED", None if not succeeded else self._serialise(self._entries(succeeded))
             if self.transformation != "NONE" else self._serialise_runs(succeeded)),
            ("FAILED", self._serialise_runs(failed) if failed else None),
            ("PENDING", self._serialise([{"Input": _text(item)} for item in pending_items]) if pending_items else None),
        ]
        for status, body in bodies:
            if body is None:
                continue
            key = f"{folder}{status}_0.{extension}"
            self._put(client, bucket, key, body)
            files[status].append({"Key": key, "Size": len(body)})
        manifest = {"DestinationBucket": bucket, "MapRunArn": map_run_arn, "ResultFiles": files}
        manifest_key = f"{folder}manifest.json"
        self._put(client, bucket, manifest_key, json.dumps(manifest, indent=2).encode("utf-8"))
        return {"MapRunArn": map_run_arn, "ResultWriterDetails": {"Bucket": bucket, "Key": manifest_key}}

    def _entries(self, runs: list[ChildRun]) -> list[Any]:
        if self.transformation == "NONE":
            return [run.entry() for run in runs]
        out: list[Any] = []
        for run in runs:
            if run.status != "SUCCEEDED":
                out.append(run.entry())
            elif self.transformation == "FLATTEN" and isinstance(run.output, list):
                out.extend(run.output)
            else:
                out.append(run.output)
        return out

    def _serialise_runs(self, runs: list[ChildRun]) -> bytes:
        """Whole entries, written straight to text (100,000s of them: no dict per entry on the way)."""
        dump = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
        pieces = [dump(run.entry()) if run.status != "SUCCEEDED" else run.entry_text(dump) for run in runs]
        if self.output_type == "JSONL":
            return ("\n".join(pieces) + "\n").encode("utf-8")
        return ("[" + ",".join(pieces) + "]").encode("utf-8")

    def _serialise(self, entries: list[Any]) -> bytes:
        if self.output_type == "JSONL":
            return "".join(json.dumps(e, separators=(",", ":"), ensure_ascii=False) + "\n" for e in entries).encode()
        return json.dumps(entries, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    @staticmethod
    def _put(client: Any, bucket: str, key: str, body: bytes) -> None:
        from botocore.exceptions import ClientError  # type: ignore[import-untyped]

        try:
            client.put_object(Bucket=bucket, Key=key, Body=body)
        except ClientError as failed:
            error = failed.response.get("Error", {})
            raise StatesError("States.ResultWriterFailed",
                              f"{error.get('Message') or error.get('Code')} (Service: S3, Error Code: "
                              f"{error.get('Code')}, Bucket: {bucket})") from None



def _text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

"""A distributed Map's ``ItemReader``: the items come from S3 (the local AWS).

* ``arn:aws:states:::s3:getObject`` with ``ReaderConfig.InputType``:
  ``JSON`` (the object is a JSON array), ``JSONL`` (one JSON value per line) or ``CSV`` (one object
  per row; headers from the first row, ``CSVHeaderLocation: FIRST_ROW``, or given,
  ``CSVHeaderLocation: GIVEN`` with ``CSVHeaders``; ``CSVDelimiter`` COMMA, PIPE, SEMICOLON, SPACE
  or TAB). CSV values are strings; a short row gives ``""`` for its missing columns.
* ``arn:aws:states:::s3:listObjectsV2``: one item per object, ``{"Etag", "Key", "LastModified"
  (epoch seconds), "Size", "StorageClass"}``.

``ReaderConfig.MaxItems`` (or ``MaxItemsPath``, read from the Map's input) limits how many items are
read. A reader that cannot read fails the Map with ``States.ItemReaderFailed``.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ..errors import StatesError
from ..expr.jsonpath import PathNotFound, compile_path
from ..expr.template import read_path
from .map_resource_parameters import ResourceParameters

__all__ = ["ItemReader"]

_DELIMITERS = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}
_INPUT_TYPES = ("CSV", "JSON", "JSONL")


class ItemReader:
    """Compiled from a Map's ``ItemReader`` field (JSONPath ``Parameters`` or JSONata ``Arguments``)."""

    def __init__(self, spec: dict[str, Any], *, jsonata: bool) -> None:
        self.resource: str = spec.get("Resource", "")
        self.action = self.resource.rsplit(":", 1)[-1]
        config = spec.get("ReaderConfig") or {}
        self.input_type = config.get("InputType", "JSON" if self.action == "getObject" else None)
        self.header_location = config.get("CSVHeaderLocation", "FIRST_ROW")
        self.headers = config.get("CSVHeaders")
        self.delimiter = config.get("CSVDelimiter", "COMMA")
        self.jsonata = jsonata
        self.max_items = config.get("MaxItems")
        self.max_items_path = compile_path(config["MaxItemsPath"]) if "MaxItemsPath" in config else None
        self.max_items_field: Any = None
        self.request = ResourceParameters(spec, "ItemReader", jsonata=jsonata, error="States.ItemReaderFailed")
        if jsonata and isinstance(self.max_items, str):
            from ..expr.jsonata import compile_field

            self.max_items_field = compile_field(self.max_items, "ReaderConfig.MaxItems")

    def unbound_problem(self, bindings: Any) -> str | None:
        from ..localaws.emulator import AWS_EXTRA_MISSING, aws_extra_installed

        if self.action not in ("getObject", "listObjectsV2") or not self.resource.startswith("arn:aws"):
            return f"ItemReader resource '{self.resource}' is not emulated (s3:getObject and s3:listObjectsV2 are)"
        if self.action == "getObject" and self.input_type not in _INPUT_TYPES:
            return f"ItemReader InputType '{self.input_type}' is not emulated (CSV, JSON and JSONL are)"
        if self.delimiter not in _DELIMITERS:
            return f"ItemReader CSVDelimiter '{self.delimiter}' is not one of {', '.join(_DELIMITERS)}"
        if not aws_extra_installed():
            return f"the ItemReader reads from the local AWS, but {AWS_EXTRA_MISSING}"
        return None

    # -- reading ------------------------------------------------------------------------------------

    def read(self, frame: Any, raw_input: Any, data: Any) -> list[Any]:
        """The items, read from S3 with the parameters evaluated against the Map's input."""
        parameters = self.request.evaluate(frame, raw_input, data)
        limit = self._limit(frame, raw_input, data)
        from ..localaws.emulator import current_aws

        client = current_aws().client("s3", region=frame.execution.region)  # type: ignore[union-attr]
        from botocore.exceptions import ClientError, ParamValidationError  # type: ignore[import-untyped]

        try:
            if self.action == "listObjectsV2":
                return _listing(client, parameters, limit)
            body = client.get_object(**parameters)["Body"].read()
        except ClientError as failed:
            error = failed.response.get("Error", {})
            raise StatesError("States.ItemReaderFailed",
                              f"{error.get('Message') or error.get('Code')} (Service: S3, Status Code: "
                              f"{failed.response.get('ResponseMetadata', {}).get('HTTPStatusCode', 400)}, "
                              f"Error Code: {error.get('Code')})") from None
        except ParamValidationError as invalid:
            raise StatesError("States.ItemReaderFailed", str(invalid).replace("\n", " ")) from None
        text = body.decode("utf-8-sig", errors="replace")
        if self.input_type == "CSV":
            return self._csv(text, limit)
        if self.input_type == "JSONL":
            return _json_lines(text, limit)
        return _json_array(text, limit)


    def _limit(self, frame: Any, raw_input: Any, data: Any) -> int | None:
        value = self.max_items
        if self.max_items_path is not None:
            frame.data = data
            try:
                value = read_path(self.max_items_path, frame)
            except PathNotFound as missing:
                raise StatesError("States.Runtime", f"Invalid path '{self.max_items_path.text}' : {missing}",
                                  in_state=True) from None
        elif self.jsonata and self.max_items_field is not None:
            from ..expr.jsonata import JsonataScope

            value = self.max_items_field.evaluate(JsonataScope(frame, raw_input))
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if value.__class__ is not int or value < 0:
            raise StatesError("States.Runtime", f"ReaderConfig MaxItems must be a non-negative integer, not {value!r}",
                              in_state=True)
        return value or None  # 0: no limit

    def _csv(self, text: str, limit: int | None) -> list[dict[str, str]]:
        rows = csv.reader(io.StringIO(text), delimiter=_DELIMITERS[self.delimiter])
        if self.header_location == "GIVEN":
            headers = list(self.headers or [])
        else:
            headers = next((row for row in rows if row), [])
        if not headers:
            raise StatesError("States.ItemReaderFailed", "The CSV file has no header row.")
        if len(set(headers)) < len(headers):
            raise StatesError("States.ItemReaderFailed", "CSV headers cannot contain duplicates.")
        # AWS-recorded key order of a CSV item: names that are not purely alphabetic first, then by name
        order = sorted(range(len(headers)), key=lambda i: (headers[i].isalpha(), headers[i]))
        columns = [(headers[i], i) for i in order]
        width = len(headers)
        items = []
        for row in rows:
            if not row:
                continue
            if len(row) < width:
                row = row + [""] * (width - len(row))
            items.append({name: row[i] for name, i in columns})
            if limit is not None and len(items) >= limit:
                break
        return items


def _json_array(text: str, limit: int | None) -> list[Any]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise StatesError("States.ItemReaderFailed", f"The object is not valid JSON: {exc}") from None
    if not isinstance(value, list):
        raise StatesError("States.ItemReaderFailed", "Attempting to map over non-iterable node.")
    return value[:limit] if limit is not None else value


def _json_lines(text: str, limit: int | None) -> list[Any]:
    items = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
        except ValueError as exc:
            raise StatesError("States.ItemReaderFailed", f"line {number} is not valid JSON: {exc}") from None
        if limit is not None and len(items) >= limit:
            break
    return items


def _listing(client: Any, parameters: dict[str, Any], limit: int | None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    request = dict(parameters)
    while True:
        page = client.list_objects_v2(**request)
        for entry in page.get("Contents", []):
            items.append({"Etag": entry["ETag"], "Key": entry["Key"],
                          "LastModified": int(entry["LastModified"].timestamp()), "Size": entry["Size"],
                          "StorageClass": entry.get("StorageClass", "STANDARD")})
            if limit is not None and len(items) >= limit:
                return items
        if not page.get("IsTruncated"):
            return items
        request["ContinuationToken"] = page["NextContinuationToken"]

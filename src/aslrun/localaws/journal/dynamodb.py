"""DynamoDB's changes in the journal: each written key's item as it is after the call (or its
deletion), read from moto; a table created or deleted; the whole table after a call that changes it
otherwise (``UpdateTable``, ``UpdateTimeToLive``, PartiQL writes, restores from backups)."""

from __future__ import annotations

import base64
import re
from typing import TYPE_CHECKING, Any

from .capture import records, resource_name
from ..arns import table_arn
from .tags import record_tags

if TYPE_CHECKING:
    from .file import Journal

__all__: list[str] = []  # recorders only: registered with the capture's table on import


@records("dynamodb", "PutItem")
def _put_item(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    table = resource_name(params["TableName"])
    _record_item(journal, table, _key_of(journal, table, params["Item"]))


@records("dynamodb", "UpdateItem", "DeleteItem")
def _keyed_item(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    _record_item(journal, resource_name(params["TableName"]), params["Key"])


@records("dynamodb", "BatchWriteItem")
def _batch_write(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    for table, requests in params["RequestItems"].items():
        for request in requests:
            put = request.get("PutRequest")
            key = _key_of(journal, resource_name(table), put["Item"]) if put else request["DeleteRequest"]["Key"]
            _record_item(journal, resource_name(table), key)


@records("dynamodb", "TransactWriteItems")
def _transact_write(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    for action in params["TransactItems"]:
        for kind in ("Put", "Update", "Delete"):
            if kind in action:
                table = resource_name(action[kind]["TableName"])
                key = _key_of(journal, table, action[kind]["Item"]) if kind == "Put" else action[kind]["Key"]
                _record_item(journal, table, key)


@records("dynamodb", "CreateTable")
def _create_table(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    table = resource_name(params["TableName"])
    journal.key_names.pop(table, None)
    journal.append({"change": "created", "fragment": {"dynamodb": {table: _table_definition(journal, table)}}})
    if params.get("Tags"):
        record_tags(journal, table_arn(journal.aws, table))


@records("dynamodb", "DeleteTable")
def _delete_table(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    table = resource_name(params["TableName"])
    journal.key_names.pop(table, None)
    journal.append({"change": "deleted", "service": "dynamodb", "name": table})


@records("dynamodb", "UpdateTable", "UpdateTimeToLive", "RestoreTableFromBackup", "RestoreTableToPointInTime")
def _whole_table(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    _record_table(journal, resource_name(params.get("TargetTableName") or params["TableName"]))


_PARTIQL_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(?:"([^"]+)"|([\w.-]+))', re.IGNORECASE)


@records("dynamodb", "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction")
def _partiql(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    statements = [params.get("Statement")] + [s.get("Statement") for s in
                                              params.get("Statements") or params.get("TransactStatements") or []]
    for table in dict.fromkeys(m.group(1) or m.group(2) for s in statements if s and (m := _PARTIQL_WRITE.match(s))):
        _record_table(journal, table)


def _key_of(journal: Journal, table: str, item: dict[str, Any]) -> dict[str, Any]:
    names = journal.key_names.get(table)
    if names is None:
        described = journal.aws.client("dynamodb").describe_table(TableName=table)["Table"]
        names = journal.key_names[table] = [k["AttributeName"] for k in described["KeySchema"]]
    return {name: item[name] for name in names}


def _record_item(journal: Journal, table: str, key: dict[str, Any]) -> None:
    from moto.dynamodb.exceptions import ResourceNotFoundException  # type: ignore[import-untyped]
    from moto.dynamodb.models import dynamodb_backends  # type: ignore[import-untyped]

    try:  # from moto itself: a GetItem through boto3 would take ms to parse a large item
        found = dynamodb_backends[journal.aws.account][journal.aws.region].get_item(table, key)
    except ResourceNotFoundException:  # the table went away meanwhile: its deletion is journaled
        return
    item = None if found is None else {name: _sdk_typed(value) for name, value in found.attrs.items()}
    if item is None:
        journal.append({"change": "item_deleted", "table": table, "key": key})
    else:
        journal.append({"change": "item", "table": table, "item": item})


def _sdk_typed(value: Any) -> dict[str, Any]:
    """moto's typed value as boto3 gives it (binary as bytes, however moto keeps it)."""
    from moto.dynamodb.models.dynamo_type import DynamoType  # type: ignore[import-untyped]

    if not isinstance(value, DynamoType):
        value = DynamoType(value)
    kind, inner = value.type, value.value
    if kind == "M":
        return {"M": {name: _sdk_typed(nested) for name, nested in inner.items()}}
    if kind == "L":
        return {"L": [_sdk_typed(nested) for nested in inner]}
    if kind == "B":
        return {"B": inner if isinstance(inner, bytes) else base64.b64decode(inner)}
    if kind == "BS":
        return {"BS": [one if isinstance(one, bytes) else base64.b64decode(one) for one in inner]}
    return {kind: inner}


def _table_definition(journal: Journal, table: str) -> dict[str, Any]:
    """A table's definition (key, capacity, indexes, TTL, stream), as a snapshot names it."""
    from ..seed_tables import table_spec

    return table_spec(journal.aws, table)


def _record_table(journal: Journal, table: str) -> None:
    from ..seed import scan_typed_items

    journal.key_names.pop(table, None)
    fragment = {**_table_definition(journal, table),
                "typed_items": scan_typed_items(journal.aws.client("dynamodb"), table)}
    journal.append({"change": "table", "table": table, "fragment": {"dynamodb": {table: fragment}}})
    record_tags(journal, table_arn(journal.aws, table))  # (the table's replay makes it anew, untagged)

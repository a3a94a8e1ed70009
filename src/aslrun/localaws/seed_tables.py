"""A DynamoDB table's definition in a seed document, and back: what a table is made with.

    dynamodb:
      bills:
        key: {account: S, period: S}                 # partition key first, then the sort key (S, N or B)
        provisioned: {read: 5, write: 5}             # PROVISIONED capacity (none: PAY_PER_REQUEST)
        indexes:                                     # global secondary indexes
          byStatus: {key: {status: S}, projection: ALL, provisioned: {read: 1, write: 1}}
        local_indexes:                               # local secondary indexes: the table's partition key
          byDate: {key: {account: S, issued: S}, projection: [total]}   # and a sort key of their own
        ttl: expiresAt                               # the time-to-live attribute
        stream: NEW_AND_OLD_IMAGES                   # a stream and its view type
        stream_label: "2026-01-31T09:30:00.000000"   # (a snapshot's: the stream's ARN stays the same)

An index's ``projection`` is ``ALL`` (the default), ``KEYS_ONLY`` or the list of attributes it
includes. A snapshot names each table so, which a clean stop and a load then keep: a Terraform
table made PROVISIONED, with a TTL or a stream, reads back as it was made (a stream with the same
ARN: an event source mapping naming it still does, and Terraform plans no change).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .seed_names import named

if TYPE_CHECKING:
    from .emulator import LocalAws

__all__ = ["create_table", "table_spec"]

_STREAM_VIEWS = ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")


def _key_schema(key: Any, where: str) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    if not isinstance(key, dict) or not 1 <= len(key) <= 2:
        raise InputError(f"seed: {where}.key must name the partition key (and optionally the sort key) "
                         "with their types, e.g. {pk: S, sk: N}")
    schema, definitions = [], []
    for (name, kind), role in zip(key.items(), ("HASH", "RANGE")):
        if kind not in ("S", "N", "B"):
            raise InputError(f"seed: {where}.key.{name}: the type must be S, N or B, not {kind!r}")
        schema.append({"AttributeName": name, "KeyType": role})
        definitions.append({"AttributeName": name, "AttributeType": kind})
    return schema, definitions


def _throughput(spec: Any, where: str) -> dict[str, int]:
    if not isinstance(spec, dict) or set(spec) != {"read", "write"}:
        raise InputError(f"seed: {where} must be {{read: N, write: N}}")
    try:
        return {"ReadCapacityUnits": int(spec["read"]), "WriteCapacityUnits": int(spec["write"])}
    except (TypeError, ValueError):
        raise InputError(f"seed: {where}: read and write must be whole numbers") from None


def _projection(spec: Any, where: str) -> dict[str, Any]:
    if spec is None or spec == "ALL":
        return {"ProjectionType": "ALL"}
    if spec == "KEYS_ONLY":
        return {"ProjectionType": "KEYS_ONLY"}
    if isinstance(spec, list) and spec and all(isinstance(name, str) for name in spec):
        return {"ProjectionType": "INCLUDE", "NonKeyAttributes": spec}
    raise InputError(f"seed: {where}.projection must be ALL, KEYS_ONLY or a list of attribute names")


def create_table(aws: LocalAws, table: str, spec: dict[str, Any]) -> None:
    """Make the table a seed document's entry describes."""
    where = f"dynamodb.{table}"
    schema, definitions = _key_schema(spec.get("key"), where)
    request: dict[str, Any] = {"TableName": table, "KeySchema": schema, "AttributeDefinitions": definitions}
    provisioned = spec.get("provisioned")
    if provisioned is None:
        request["BillingMode"] = "PAY_PER_REQUEST"
    else:
        request["BillingMode"] = "PROVISIONED"
        request["ProvisionedThroughput"] = _throughput(provisioned, f"{where}.provisioned")

    def index(kind: str, name: str, index_spec: dict[str, Any]) -> dict[str, Any]:
        place = f"{where}.{kind}.{name}"
        index_schema, index_definitions = _key_schema(index_spec.get("key"), place)
        for definition in index_definitions:
            if definition["AttributeName"] not in {d["AttributeName"] for d in definitions}:
                definitions.append(definition)
        made = {"IndexName": name, "KeySchema": index_schema,
                "Projection": _projection(index_spec.get("projection"), place)}
        if kind == "indexes" and provisioned is not None:
            made["ProvisionedThroughput"] = _throughput(index_spec.get("provisioned", provisioned),
                                                        f"{place}.provisioned")
        return made

    globals_ = [index("indexes", name, index_spec) for name, index_spec in named(spec.get("indexes"),
                                                                                f"{where}.indexes")]
    locals_ = [index("local_indexes", name, index_spec) for name, index_spec in named(spec.get("local_indexes"),
                                                                                     f"{where}.local_indexes")]
    if globals_:
        request["GlobalSecondaryIndexes"] = globals_
    if locals_:
        request["LocalSecondaryIndexes"] = locals_
    stream = spec.get("stream")
    if stream is not None:
        if stream not in _STREAM_VIEWS:
            raise InputError(f"seed: {where}.stream must be one of {', '.join(_STREAM_VIEWS)}")
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream}
    client = aws.client("dynamodb")
    client.create_table(**request)
    if stream is not None and spec.get("stream_label"):
        _keep_stream_label(aws, table, str(spec["stream_label"]))
    if spec.get("ttl"):
        client.update_time_to_live(TableName=table, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": str(spec["ttl"])})


def _keep_stream_label(aws: LocalAws, table: str, label: str) -> None:
    """The stream's label (the end of its ARN) as it was: moto makes a new one for each new table."""
    from moto.dynamodb.models import dynamodb_backends  # type: ignore[import-untyped]

    dynamodb_backends[aws.account][aws.region].get_table(table).latest_stream_label = label


def _projection_spec(projection: dict[str, Any]) -> Any:
    kind = projection.get("ProjectionType", "ALL")
    return projection.get("NonKeyAttributes", []) if kind == "INCLUDE" else kind


def _throughput_spec(described: dict[str, Any] | None) -> dict[str, int]:
    described = described or {}
    return {"read": int(described.get("ReadCapacityUnits", 0)), "write": int(described.get("WriteCapacityUnits", 0))}


def table_spec(aws: LocalAws, table: str) -> dict[str, Any]:
    """A table's definition as a seed document names it (without its items)."""
    client = aws.client("dynamodb")
    described = client.describe_table(TableName=table)["Table"]
    types = {d["AttributeName"]: d["AttributeType"] for d in described["AttributeDefinitions"]}

    def key(schema: list[dict[str, str]]) -> dict[str, str]:
        return {k["AttributeName"]: types[k["AttributeName"]] for k in schema}

    provisioned = (described.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED") == "PROVISIONED"
    spec: dict[str, Any] = {"key": key(described["KeySchema"])}
    if provisioned:
        spec["provisioned"] = _throughput_spec(described.get("ProvisionedThroughput"))
    indexes = {}
    for index in described.get("GlobalSecondaryIndexes", []):
        entry: dict[str, Any] = {"key": key(index["KeySchema"])}
        if _projection_spec(index.get("Projection", {})) != "ALL":
            entry["projection"] = _projection_spec(index["Projection"])
        if provisioned and _throughput_spec(index.get("ProvisionedThroughput")) != spec["provisioned"]:
            entry["provisioned"] = _throughput_spec(index.get("ProvisionedThroughput"))
        indexes[index["IndexName"]] = entry
    if indexes:
        spec["indexes"] = indexes
    local = {}
    for index in described.get("LocalSecondaryIndexes", []):
        entry = {"key": key(index["KeySchema"])}
        if _projection_spec(index.get("Projection", {})) != "ALL":
            entry["projection"] = _projection_spec(index["Projection"])
        local[index["IndexName"]] = entry
    if local:
        spec["local_indexes"] = local
    stream = described.get("StreamSpecification") or {}
    if stream.get("StreamEnabled"):
        spec["stream"] = stream.get("StreamViewType", "NEW_AND_OLD_IMAGES")
        if described.get("LatestStreamLabel"):
            spec["stream_label"] = described["LatestStreamLabel"]
    ttl = client.describe_time_to_live(TableName=table).get("TimeToLiveDescription", {})
    if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING") and ttl.get("AttributeName"):
        spec["ttl"] = ttl["AttributeName"]
    return spec

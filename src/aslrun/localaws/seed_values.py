"""SSM parameters and Secrets Manager secrets in seed documents and snapshots.

A seed document names them by service, as it names tables and queues (:mod:`aslrun.localaws.seed`)::

    ssm:
      /bua/env: tst                                          # a String parameter
      /bua/db/password: {value: s3cret, type: SecureString}
      /bua/sites: {value: "NSW,VIC", type: StringList, description: the sites billed}
    secretsmanager:
      bua/db: s3cret                                         # a SecretString
      bua/api: {json: {key: abc}}                            # a SecretString holding that JSON text
      bua/cert: {base64: AAEC}                               # a SecretBinary

Seeding is additive, as for the other services: a parameter or a secret that exists gets the seed's
value as its new one (a new version). A snapshot keeps each parameter's current value, type and
description and each secret's current value (its ``AWSCURRENT`` version), so a state directory keeps
what Lambda functions and Tasks read at start; earlier versions, labels, tags, policies, KMS keys
and rotation are not kept (version numbers start again after a load), nor is a secret scheduled for
deletion.
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import InputError

if TYPE_CHECKING:
    from .emulator import LocalAws

__all__ = ["PARAMETER_TYPES", "in_use", "normalized_section", "parameter_entry", "secret_entry", "seed_parameter",
           "seed_secret", "snapshot_parameters", "snapshot_secrets"]

PARAMETER_TYPES = ("String", "StringList", "SecureString")


def in_use(service: str) -> bool:
    """Whether moto's emulation of ``service`` (``ssm``, ``secretsmanager``) has started in this
    process: moto imports it at its first request, so without it there is nothing to read. Its first
    request costs about a second (moto's SSM imports its EC2), which a snapshot or ``aslrun aws
    show`` of a local AWS that never used it need not pay."""
    return f"moto.{service}.models" in sys.modules


def normalized_section(section: Any) -> Any:
    """A section whose values may be plain text (the shorthand ``name: value``): each as ``{value: ...}``."""
    if not isinstance(section, dict):
        return section
    return {name: {"value": spec} if isinstance(spec, str) else spec for name, spec in section.items()}


# -- SSM parameters ---------------------------------------------------------------------------------------

def seed_parameter(aws: LocalAws, name: str, spec: dict[str, Any]) -> None:
    where = f"ssm.{name}"
    value, kind = spec.get("value"), spec.get("type", "String")
    if not isinstance(value, str):
        raise InputError(f"seed: {where}.value must be text (a parameter's value), not {type(value).__name__}")
    if kind not in PARAMETER_TYPES:
        raise InputError(f"seed: {where}.type must be one of {', '.join(PARAMETER_TYPES)}, not {kind!r}")
    request: dict[str, Any] = {"Name": name, "Value": value, "Type": kind, "Overwrite": True}
    if spec.get("description"):
        request["Description"] = str(spec["description"])
    aws.client("ssm").put_parameter(**request)


def parameter_entry(aws: LocalAws, name: str) -> tuple[str, dict[str, Any]] | None:
    """``(name, entry)``: a parameter (by name or ARN) as a seed document names it (its current
    value), or None when there is none."""
    from botocore.exceptions import ClientError  # type: ignore[import-untyped]

    client = aws.client("ssm")
    try:
        found = client.get_parameter(Name=name, WithDecryption=True)["Parameter"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ParameterNotFound":
            return None
        raise
    entry: dict[str, Any] = {"value": found["Value"], "type": found["Type"]}
    described = client.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [found["Name"]]}])
    description = next((p.get("Description") for p in described.get("Parameters", [])), None)
    if description:
        entry["description"] = description
    return found["Name"], entry


def snapshot_parameters(aws: LocalAws) -> dict[str, Any]:
    if not in_use("ssm"):
        return {}
    names: list[str] = []
    for page in aws.client("ssm").get_paginator("describe_parameters").paginate():
        names.extend(parameter["Name"] for parameter in page.get("Parameters", []))
    return _entries(aws, names, parameter_entry)


# -- Secrets Manager secrets ------------------------------------------------------------------------------

def _secret_value(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    where = f"secretsmanager.{name}"
    given = [key for key in ("value", "json", "base64") if key in spec]
    if len(given) != 1:
        raise InputError(f"seed: {where} needs one of value (text), json or base64")
    if "value" in spec:
        if not isinstance(spec["value"], str):
            raise InputError(f"seed: {where}.value must be text (json: for a JSON value)")
        return {"SecretString": spec["value"]}
    if "json" in spec:
        return {"SecretString": json.dumps(spec["json"])}
    try:
        return {"SecretBinary": base64.b64decode(str(spec["base64"]), validate=True)}
    except ValueError:
        raise InputError(f"seed: {where}.base64 is not valid base64") from None


def seed_secret(aws: LocalAws, name: str, spec: dict[str, Any]) -> None:
    from botocore.exceptions import ClientError

    value = _secret_value(name, spec)
    client = aws.client("secretsmanager")
    try:
        client.put_secret_value(SecretId=name, **value)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
        client.create_secret(Name=name, **value)


def secret_entry(aws: LocalAws, secret_id: str) -> tuple[str, dict[str, Any]] | None:
    """``(name, entry)``: a secret as a seed document names it (its current value), or None when
    there is none (or it is scheduled for deletion)."""
    from botocore.exceptions import ClientError

    client = aws.client("secretsmanager")
    try:
        found = client.get_secret_value(SecretId=secret_id)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("ResourceNotFoundException", "InvalidRequestException"):
            return None  # (InvalidRequestException: marked for deletion)
        raise
    if "SecretString" in found:
        return found["Name"], {"value": found["SecretString"]}
    return found["Name"], {"base64": base64.b64encode(found["SecretBinary"]).decode("ascii")}


def snapshot_secrets(aws: LocalAws) -> dict[str, Any]:
    if not in_use("secretsmanager"):
        return {}
    names: list[str] = []
    for page in aws.client("secretsmanager").get_paginator("list_secrets").paginate():
        names.extend(secret["Name"] for secret in page.get("SecretList", []) if not secret.get("DeletedDate"))
    return _entries(aws, names, secret_entry)


def _entries(aws: LocalAws, names: list[str],
             entry_of: Callable[[LocalAws, str], tuple[str, dict[str, Any]] | None]) -> dict[str, Any]:
    """Each named thing's entry, under the name it has (those gone meanwhile left out), by name."""
    out = {}
    for name in sorted(names):
        found = entry_of(aws, name)
        if found is not None:
            out[found[0]] = found[1]
    return out

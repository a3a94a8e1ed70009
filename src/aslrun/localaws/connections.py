"""EventBridge connections of the local AWS: what an HTTP Task authenticates with.

A connection is created as on AWS (``events.create_connection``, an ``aws-sdk:eventbridge:
createConnection`` Task, or a seed document's ``connections`` section) and keeps its
``AuthorizationType`` (``API_KEY``, ``BASIC``, ``OAUTH_CLIENT_CREDENTIALS``) and ``AuthParameters``
in AWS's shape, secrets included: EventBridge keeps them in a Secrets Manager secret that only
Step Functions reads, and :func:`find_connection` is that read.

A definition names its connection by ARN, ``arn:aws:events:REGION:ACCOUNT:connection/NAME/UUID``.
The UUID is chosen by EventBridge when the connection is created, so a local connection cannot have
the one a deployed definition carries: a connection is found by its exact ARN, else by its name in
the ARN's region, then in the execution's region, then in the local AWS's own region.

Seed document section (names map to the CreateConnection request's fields)::

    connections:
      Stripe:
        AuthorizationType: API_KEY
        AuthParameters:
          ApiKeyAuthParameters: {ApiKeyName: Authorization, ApiKeyValue: "Bearer sk_test"}
          InvocationHttpParameters: {HeaderParameters: [{Key: Stripe-Version, Value: "2024-06-20"}]}
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import InputError

if TYPE_CHECKING:
    from .emulator import LocalAws

__all__ = ["AUTHORIZATION_TYPES", "Connection", "create_connection", "find_connection", "parse_connection_arn"]

AUTHORIZATION_TYPES = ("API_KEY", "BASIC", "OAUTH_CLIENT_CREDENTIALS")
_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:events:([a-z0-9-]*):(\d*):connection/([^/]+)(?:/(.*))?$")


@dataclass(frozen=True)
class Connection:
    """One connection as Step Functions reads it (secrets included)."""

    arn: str
    name: str
    state: str
    authorization_type: str
    auth_parameters: dict[str, Any]


def parse_connection_arn(arn: str) -> tuple[str, str] | None:
    """``(region, name)`` of a connection ARN, or None when ``arn`` is not one."""
    match = _ARN.match(arn) if isinstance(arn, str) else None
    return (match.group(1), match.group(3)) if match else None


def find_connection(aws: LocalAws, arn: str, *, region: str) -> Connection | None:
    """The connection ``arn`` names in the (started) local AWS (see the module docstring for how it
    is matched), or None."""
    parsed = parse_connection_arn(arn)
    if parsed is None:
        return None
    arn_region, name = parsed
    from moto.events.models import events_backends  # type: ignore[import-untyped]

    for where in dict.fromkeys((arn_region or region, region, aws.region)):
        connections = events_backends[aws.account][where].connections
        exact = next((c for c in connections.values() if c.arn == arn), None)
        found = exact or connections.get(name)
        if found is not None:
            return Connection(arn=found.arn, name=found.name, state=found.state,
                              authorization_type=found.authorization_type,
                              auth_parameters=dict(found.auth_parameters or {}))
    return None


def create_connection(aws: LocalAws, name: str, spec: dict[str, Any], *, region: str | None = None) -> str:
    """Create a connection from a CreateConnection request (``AuthorizationType``,
    ``AuthParameters``, optional ``Description``); its ARN."""
    if not isinstance(spec, dict):
        raise InputError(f"seed: connections.{name} must be an object")
    kind = spec.get("AuthorizationType")
    if kind not in AUTHORIZATION_TYPES:
        raise InputError(f"seed: connections.{name}.AuthorizationType must be one of "
                         f"{', '.join(AUTHORIZATION_TYPES)}, not {kind!r}")
    parameters = spec.get("AuthParameters")
    if not isinstance(parameters, dict):
        raise InputError(f"seed: connections.{name}.AuthParameters must be an object")
    request: dict[str, Any] = {"Name": name, "AuthorizationType": kind, "AuthParameters": parameters}
    if spec.get("Description"):
        request["Description"] = spec["Description"]
    answer = aws.client("events", region=region).create_connection(**request)
    return str(answer["ConnectionArn"])

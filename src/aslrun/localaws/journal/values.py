"""SSM parameters' and Secrets Manager secrets' changes in the journal: a parameter's or a secret's
value as it is after the call (a seed-document fragment, as a snapshot names it), or its deletion."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..seed_values import parameter_entry, secret_entry
from .capture import records

if TYPE_CHECKING:
    from .file import Journal

__all__: list[str] = []  # recorders only: registered with the capture's table on import


@records("ssm", "PutParameter")
def _parameter_put(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    found = parameter_entry(journal.aws, params["Name"])
    if found is not None:
        journal.append({"change": "created", "fragment": {"ssm": {found[0]: found[1]}}})


def _parameter_names(journal: Journal, params: dict[str, Any]) -> list[str]:
    """Before a delete: the names of the parameters that exist among those named."""
    given = [params["Name"]] if "Name" in params else list(params.get("Names") or [])
    return [found[0] for name in given if (found := parameter_entry(journal.aws, name)) is not None]


@records("ssm", "DeleteParameter", "DeleteParameters", prepare=_parameter_names)
def _parameters_deleted(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    for name in memo or []:
        if parameter_entry(journal.aws, name) is None:
            journal.append({"change": "deleted", "service": "ssm", "name": name})


def _secret_name(journal: Journal, params: dict[str, Any]) -> str | None:
    """Before a call naming a secret by name or ARN: its name (None when there is none yet)."""
    from botocore.exceptions import ClientError  # type: ignore[import-untyped]

    secret_id = params.get("SecretId")
    if secret_id is None:
        return None
    try:
        return str(journal.aws.client("secretsmanager").describe_secret(SecretId=secret_id)["Name"])
    except ClientError:
        return None


@records("secretsmanager", "CreateSecret", "PutSecretValue", "UpdateSecret", "RestoreSecret",
         "UpdateSecretVersionStage", "RotateSecret", "DeleteSecret", prepare=_secret_name)
def _secret_changed(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    name = memo or parsed.get("Name") or params.get("Name")
    if not name:
        return
    found = secret_entry(journal.aws, name)
    if found is None:  # deleted (or scheduled for deletion: a snapshot leaves it out too)
        journal.append({"change": "deleted", "service": "secretsmanager", "name": name})
    else:
        journal.append({"change": "created", "fragment": {"secretsmanager": {found[0]: found[1]}}})

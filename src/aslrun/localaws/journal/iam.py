"""IAM's changes in the journal: a role or a customer managed policy as it is after the call (a
seed-document fragment, as a snapshot names it), or its deletion."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..seed_iam import policy_entry, role_entry
from .capture import records

if TYPE_CHECKING:
    from .file import Journal

__all__: list[str] = []  # recorders only: registered with the capture's table on import


@records("iam", "CreateRole", "UpdateRole", "UpdateRoleDescription", "UpdateAssumeRolePolicy", "PutRolePolicy",
         "DeleteRolePolicy", "AttachRolePolicy", "DetachRolePolicy", "TagRole", "UntagRole", "DeleteRole")
def _role(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    name = params["RoleName"]
    entry = role_entry(journal.aws, name)
    if entry is None:
        journal.append({"change": "deleted", "service": "iam", "name": f"role/{name}"})
    else:
        journal.append({"change": "created", "fragment": {"iam": {"roles": {name: entry}}}})


def _policy_arn(journal: Journal, params: dict[str, Any]) -> str | None:
    """A policy's ARN: given, or (before CreatePolicy) made from its name and path."""
    if params.get("PolicyArn"):
        return str(params["PolicyArn"])
    if params.get("PolicyName"):
        return f"arn:aws:iam::{journal.aws.account}:policy{params.get('Path') or '/'}{params['PolicyName']}"
    return None


@records("iam", "CreatePolicy", "CreatePolicyVersion", "DeletePolicyVersion", "SetDefaultPolicyVersion",
         "DeletePolicy", prepare=_policy_arn)
def _policy(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    arn = (parsed.get("Policy") or {}).get("Arn") or memo
    if not arn:
        return
    found = policy_entry(journal.aws, arn)
    if found is None:
        journal.append({"change": "deleted", "service": "iam", "name": f"policy/{arn}"})
    else:
        journal.append({"change": "created", "fragment": {"iam": {"policies": {found[0]: found[1]}}}})

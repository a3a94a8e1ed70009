"""IAM roles and customer managed policies in seed documents and snapshots.

Terraform, CDK and SAM deployments create the roles their state machines and functions name; a
local AWS that keeps them (``aslrun serve --state-dir``, ``aslrun aws``) reads them back after a
restart as they were written, so a ``terraform plan`` finds nothing to change::

    iam:
      policies:
        write-bills:                                   # a customer managed policy, by name
          document: {Version: "2012-10-17", Statement: [...]}
          path: /billing/                              # optional, as description
      roles:
        runs-functions:
          assume_role_policy: {Version: "2012-10-17", Statement: [...]}
          path: /service-role/                         # optional, as description, max_session_duration
          inline_policies: {logs: {Version: "2012-10-17", Statement: [...]}}
          managed_policies: [arn:aws:iam::aws:policy/AWSLambdaExecute,
                             arn:aws:iam::123456789012:policy/billing/write-bills]
          tags: {team: billing}

A policy document may be given as an object or as its JSON text. Policies are made before roles
(a role may attach one). A role the document names gets exactly the document's inline and managed
policies (others it had are removed): a snapshot's role is the role as it was. A policy keeps its
default version's document only (its version ids start again at v1 after a load). Users, groups,
instance profiles and a policy's other versions are not kept.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ..errors import InputError
from .iam_policies import AWS_MANAGED_POLICY_PREFIX, ensure_aws_managed_policies
from .seed_names import named

if TYPE_CHECKING:
    from .emulator import LocalAws

__all__ = ["delete_iam", "policy_entry", "role_entry", "seed_iam", "snapshot_iam"]


def _document_text(document: Any, where: str) -> str:
    if isinstance(document, str):
        try:
            json.loads(document)
        except ValueError:
            raise InputError(f"seed: {where} is not a JSON policy document") from None
        return document
    if isinstance(document, dict):
        return json.dumps(document)
    raise InputError(f"seed: {where} must be a policy document (an object, or its JSON text)")


def _document(value: Any) -> Any:
    """A policy document as IAM answers it (boto3 decodes it; a raw answer may be URL-encoded text)."""
    if isinstance(value, str):
        text = unquote(value)
        try:
            return json.loads(text)
        except ValueError:
            return text
    return value


# -- seeding -----------------------------------------------------------------------------------------------

def seed_iam(aws: LocalAws, section: Any) -> None:
    """Make the policies, then the roles, a seed document's ``iam`` section names."""
    if section is None:
        return
    if not isinstance(section, dict) or set(section) - {"roles", "policies"}:
        raise InputError("seed: 'iam' must be an object with 'roles' and/or 'policies'")
    for name, spec in named(section.get("policies"), "iam.policies"):
        _seed_policy(aws, name, spec)
    for name, spec in named(section.get("roles"), "iam.roles"):
        _seed_role(aws, name, spec)


def _seed_policy(aws: LocalAws, name: str, spec: dict[str, Any]) -> None:
    from botocore.exceptions import ClientError  # type: ignore[import-untyped]

    where = f"iam.policies.{name}"
    document = _document_text(spec.get("document"), f"{where}.document")
    path = str(spec.get("path") or "/")
    iam = aws.client("iam")
    arn = f"arn:aws:iam::{aws.account}:policy{path}{name}"
    try:
        existing = iam.get_policy(PolicyArn=arn)["Policy"]
    except ClientError:
        request: dict[str, Any] = {"PolicyName": name, "Path": path, "PolicyDocument": document}
        if spec.get("description"):
            request["Description"] = str(spec["description"])
        iam.create_policy(**request)
        return
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    if len(versions) >= 5:  # IAM keeps five: make room, as `terraform apply` does
        oldest = min((v for v in versions if not v["IsDefaultVersion"]), key=lambda v: v["CreateDate"])
        iam.delete_policy_version(PolicyArn=arn, VersionId=oldest["VersionId"])
    if _document(iam.get_policy_version(PolicyArn=arn, VersionId=existing["DefaultVersionId"])
                 ["PolicyVersion"]["Document"]) != json.loads(document):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=document, SetAsDefault=True)


def _seed_role(aws: LocalAws, name: str, spec: dict[str, Any]) -> None:
    from botocore.exceptions import ClientError

    where = f"iam.roles.{name}"
    trust = _document_text(spec.get("assume_role_policy"), f"{where}.assume_role_policy")
    iam = aws.client("iam")
    try:
        iam.get_role(RoleName=name)
    except ClientError:
        request: dict[str, Any] = {"RoleName": name, "Path": str(spec.get("path") or "/"),
                                   "AssumeRolePolicyDocument": trust}
        if spec.get("description"):
            request["Description"] = str(spec["description"])
        if spec.get("max_session_duration"):
            request["MaxSessionDuration"] = int(spec["max_session_duration"])
        iam.create_role(**request)
    else:
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=trust)
        iam.update_role(RoleName=name, Description=str(spec.get("description") or ""),
                        MaxSessionDuration=int(spec.get("max_session_duration") or 3600))
    inline = spec.get("inline_policies") or {}
    if not isinstance(inline, dict):
        raise InputError(f"seed: {where}.inline_policies must map policy names to documents")
    for policy, document in inline.items():
        iam.put_role_policy(RoleName=name, PolicyName=str(policy),
                            PolicyDocument=_document_text(document, f"{where}.inline_policies.{policy}"))
    for policy in set(iam.list_role_policies(RoleName=name)["PolicyNames"]) - set(map(str, inline)):
        iam.delete_role_policy(RoleName=name, PolicyName=policy)
    managed = spec.get("managed_policies") or []
    if not isinstance(managed, list):
        raise InputError(f"seed: {where}.managed_policies must be a list of policy ARNs")
    if any(str(arn).startswith(AWS_MANAGED_POLICY_PREFIX) for arn in managed):
        ensure_aws_managed_policies(aws)
    attached = {p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]}
    for arn in managed:
        if arn not in attached:
            iam.attach_role_policy(RoleName=name, PolicyArn=str(arn))
    for arn in attached - set(map(str, managed)):
        iam.detach_role_policy(RoleName=name, PolicyArn=arn)
    tags = spec.get("tags") or {}
    if tags:
        iam.tag_role(RoleName=name, Tags=[{"Key": str(k), "Value": str(v)} for k, v in tags.items()])


# -- snapshots ---------------------------------------------------------------------------------------------

def role_entry(aws: LocalAws, name: str) -> dict[str, Any] | None:
    """A role as a seed document names it, or None when there is none."""
    from botocore.exceptions import ClientError

    iam = aws.client("iam")
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except ClientError:
        return None
    entry: dict[str, Any] = {"assume_role_policy": _document(role.get("AssumeRolePolicyDocument"))}
    if role.get("Path", "/") != "/":
        entry["path"] = role["Path"]
    if role.get("Description"):
        entry["description"] = role["Description"]
    if role.get("MaxSessionDuration", 3600) != 3600:
        entry["max_session_duration"] = role["MaxSessionDuration"]
    inline = {policy: _document(iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"])
              for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]}
    if inline:
        entry["inline_policies"] = inline
    managed = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]]
    if managed:
        entry["managed_policies"] = managed
    tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name).get("Tags", [])}
    if tags:
        entry["tags"] = tags
    return entry


def policy_entry(aws: LocalAws, arn: str) -> tuple[str, dict[str, Any]] | None:
    """``(name, entry)``: a customer managed policy as a seed document names it, or None."""
    from botocore.exceptions import ClientError

    iam = aws.client("iam")
    try:
        policy = iam.get_policy(PolicyArn=arn)["Policy"]
    except ClientError:
        return None
    version = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])["PolicyVersion"]
    entry: dict[str, Any] = {"document": _document(version["Document"])}
    if policy.get("Path", "/") != "/":
        entry["path"] = policy["Path"]
    if policy.get("Description"):
        entry["description"] = policy["Description"]
    return policy["PolicyName"], entry


def snapshot_iam(aws: LocalAws) -> dict[str, Any]:
    iam = aws.client("iam")
    policies: dict[str, Any] = {}
    for page in iam.get_paginator("list_policies").paginate(Scope="Local"):
        for policy in page.get("Policies", []):
            found = policy_entry(aws, policy["Arn"])
            if found is not None:
                policies[found[0]] = found[1]
    roles: dict[str, Any] = {}
    for page in iam.get_paginator("list_roles").paginate():
        for role in page.get("Roles", []):
            if role.get("Path", "").startswith("/aws-service-role/"):
                continue  # (made by AWS for a service, never by a deployment)
            entry = role_entry(aws, role["RoleName"])
            if entry is not None:
                roles[role["RoleName"]] = entry
    section = {"policies": policies, "roles": roles}
    return {key: value for key, value in section.items() if value}


def delete_iam(aws: LocalAws, name: str) -> None:
    """Delete ``role/NAME`` or ``policy/ARN`` (a journal's deletion), with what IAM requires gone first."""
    from botocore.exceptions import ClientError

    iam = aws.client("iam")
    kind, _, which = name.partition("/")
    try:
        if kind == "role":
            for policy in iam.list_role_policies(RoleName=which)["PolicyNames"]:
                iam.delete_role_policy(RoleName=which, PolicyName=policy)
            for attached in iam.list_attached_role_policies(RoleName=which)["AttachedPolicies"]:
                iam.detach_role_policy(RoleName=which, PolicyArn=attached["PolicyArn"])
            iam.delete_role(RoleName=which)
        elif kind == "policy":
            for version in iam.list_policy_versions(PolicyArn=which)["Versions"]:
                if not version["IsDefaultVersion"]:
                    iam.delete_policy_version(PolicyArn=which, VersionId=version["VersionId"])
            iam.delete_policy(PolicyArn=which)
    except ClientError as gone:
        if gone.response.get("Error", {}).get("Code") != "NoSuchEntity":
            raise

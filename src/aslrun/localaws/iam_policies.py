"""IAM's AWS managed policies (``arn:aws:iam::aws:policy/...``), made when something needs them.

Deployments attach AWS's own policies to their roles (Terraform's
``aws_iam_role_policy_attachment`` of ``service-role/AWSLambdaBasicExecutionRole``, CDK's
``ManagedPolicy.fromAwsManagedPolicyName``, a SAM template's ``Policies``). moto knows the 1,485 of
them, but makes them only when configured to, and then for every IAM backend it starts: about 0.4
s at the first request of *any* service (moto's IAM answers every request's access check). So they
are made here on demand instead, into the IAM backend that exists: at ``aslrun serve``'s first IAM
request, and when a seed or a saved state attaches one. A backend moto starts afresh (a reset) has
none again until asked.
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .emulator import LocalAws

__all__ = ["AWS_MANAGED_POLICY_PREFIX", "ensure_aws_managed_policies"]

AWS_MANAGED_POLICY_PREFIX = "arn:aws:iam::aws:policy/"


@functools.lru_cache(maxsize=1)
def _policy_data() -> dict[str, Any]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data  # type: ignore[import-untyped]

    return json.loads(aws_managed_policies_data)  # type: ignore[no-any-return]


def ensure_aws_managed_policies(aws: LocalAws) -> None:
    """Put AWS's managed policies into the local AWS's IAM (once per IAM backend; idempotent)."""
    from moto.iam.models import AWSManagedPolicy, iam_backends  # type: ignore[import-untyped]

    from .moto_calls import MOTO_LOCK

    with MOTO_LOCK:
        backend = iam_backends[aws.account]["aws"]
        if backend.aws_managed_policies:  # (made already: here, or by moto when configured to)
            return
        policies: list[Any] = [AWSManagedPolicy.from_data(name, backend.account_id, backend.region_name, data)
                               for name, data in _policy_data().items()]
        backend.aws_managed_policies = policies
        for policy in policies:
            backend.managed_policies.setdefault(policy.arn, policy)

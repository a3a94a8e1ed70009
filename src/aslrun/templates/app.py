"""TemplateApp: a template's state machines, functions and resources, ready to run.

(Interface fixed here; filled in by the templates work, see the package docstring.)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..bindings import Bindings
from ..errors import AslrunError
from ..machine import StateMachine

__all__ = ["TemplateApp", "TemplateError", "TemplateFunction", "TemplateStateMachine", "load_template",
           "looks_like_template"]


class TemplateError(AslrunError):
    """A template cannot be run as it stands: the message names the resource (logical id) and what is wrong."""


@dataclass
class TemplateStateMachine:
    logical_id: str
    name: str  # the physical name CloudFormation gives it (StateMachineName, else <stack>-<logical id>-<suffix>)
    arn: str
    definition: dict[str, Any]  # intrinsics and DefinitionSubstitutions resolved
    type: str = "STANDARD"
    role_arn: str = ""


@dataclass
class TemplateFunction:
    logical_id: str
    name: str  # FunctionName, else CloudFormation's generated name
    arn: str
    runtime: str
    handler: Any = None  # the Python callable (event, context) (None: not Python, or served by an endpoint)
    environment: dict[str, str] = field(default_factory=dict)
    timeout: int = 3


@dataclass
class TemplateApp:
    path: Path
    region: str
    account: str
    state_machines: dict[str, TemplateStateMachine]
    functions: dict[str, TemplateFunction]
    bindings: Bindings
    seed: dict[str, Any]

    def state_machine(self, logical_id: str | None = None) -> StateMachine:
        raise NotImplementedError


def looks_like_template(path: str | os.PathLike[str]) -> bool:
    raise NotImplementedError


def load_template(path: str | os.PathLike[str], *, parameters: Mapping[str, str] | None = None,
                  region: str = "us-east-1", account: str = "123456789012",
                  lambda_endpoint: str | None = None) -> TemplateApp:
    raise NotImplementedError

"""The errors the Step Functions API answers with, named and worded as AWS names and words them.

Every refusal is a :class:`ServiceError` carrying AWS's error code (the SDKs raise the exception of
that name: ``client.exceptions.StateMachineDoesNotExist``), the message and, for a few codes, extra
members of the error shape (``reason``, ``resourceName``). The app answers HTTP 400 with it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ServiceError", "activity_does_not_exist", "execution_does_not_exist", "invalid_arn",
           "machine_does_not_exist", "validation"]


class ServiceError(Exception):
    """A request Step Functions refuses: ``code`` is the modeled error's name."""

    def __init__(self, code: str, message: str | None, *, status: int = 400, **extra: Any) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.extra = {key: value for key, value in extra.items() if value is not None}


def machine_does_not_exist(arn: str) -> ServiceError:
    return ServiceError("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")


def execution_does_not_exist(arn: str) -> ServiceError:
    return ServiceError("ExecutionDoesNotExist", f"Execution Does Not Exist: '{arn}'")


def activity_does_not_exist(arn: str) -> ServiceError:
    return ServiceError("ActivityDoesNotExist", f"Activity Does Not Exist: '{arn}'")


def invalid_arn(arn: str, why: str | None = None) -> ServiceError:
    """``Invalid Arn: '<why>'`` (AWS names the part that is wrong) or ``Invalid Arn: '<arn>'``."""
    return ServiceError("InvalidArn", f"Invalid Arn: '{why if why is not None else arn}'")


def validation(message: str, reason: str | None = None) -> ServiceError:
    return ServiceError("ValidationException", message, reason=reason)

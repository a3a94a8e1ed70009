"""The errors Lambda's API answers with, named, worded and given the HTTP status AWS gives them."""

from __future__ import annotations

__all__ = ["LambdaError", "function_not_found", "whole_number"]

_STATUS = {
    "ResourceNotFoundException": 404,
    "ResourceConflictException": 409,
    "PreconditionFailedException": 412,
    "RequestTooLargeException": 413,
    "UnsupportedMediaTypeException": 415,
    "TooManyRequestsException": 429,
    "ServiceException": 500,
    "NotImplementedException": 501,
}


class LambdaError(Exception):
    """A request Lambda refuses: ``code`` is the modeled error's name (boto3 raises the exception of
    that name: ``client.exceptions.ResourceNotFoundException``)."""

    def __init__(self, code: str, message: str, *, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status if status is not None else _STATUS.get(code, 400)


def function_not_found(arn: str) -> LambdaError:
    """``Function not found: <arn>``: Lambda names the version it looked for ($LATEST when none)."""
    return LambdaError("ResourceNotFoundException", f"Function not found: {arn}")


def whole_number(value: object, member: str, low: int, high: int) -> int:
    """``value`` when it is a whole number from ``low`` to ``high``; else Lambda's ValidationException
    naming the member (``batchSize``, ``maximumRetryAttempts``...)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise LambdaError("ValidationException", f"1 validation error detected: Value '{value}' at '{member}' failed "
                                                 "to satisfy constraint: Member must be a whole number")
    if not low <= value <= high:
        bound = f"greater than or equal to {low}" if value < low else f"less than or equal to {high}"
        raise LambdaError("ValidationException", f"1 validation error detected: Value '{value}' at '{member}' failed "
                                                 f"to satisfy constraint: Member must have value {bound}")
    return value

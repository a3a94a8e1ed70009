"""The errors Lambda's API answers with, named, worded and given the HTTP status AWS gives them."""

from __future__ import annotations

__all__ = ["LambdaError", "function_not_found"]

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

"""A function's configuration as Lambda answers it (``FunctionConfiguration``), made from what
CreateFunction / UpdateFunctionConfiguration were given, each value checked as Lambda checks it."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from ...integrations.lambda_ import function_arn
from .errors import LambdaError

__all__ = ["PYTHON_RUNTIMES", "check_name", "invalid_name", "last_modified", "new_configuration", "updated_configuration"]

PYTHON_RUNTIMES = ("python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14")
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_ROLE = re.compile(r"^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$")
_HANDLER = re.compile(r"^[^\s]{1,128}$")
_ENVIRONMENT_BYTES = 4096  # Lambda's limit on the variables' names and values together
#: what CreateFunction may set and UpdateFunctionConfiguration may change (besides the checked ones)
_KEPT_AS_GIVEN = ("VpcConfig", "DeadLetterConfig", "KMSKeyArn", "FileSystemConfigs", "ImageConfig")


def last_modified(now: float | None = None) -> str:
    """Lambda's ``LastModified``: ``2024-01-31T09:30:00.000+0000``."""
    now = time.time() if now is None else now
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}+0000"


def check_name(name: Any) -> str:
    """A function's name (1-64 letters, digits, - and _), or the ValidationException Lambda answers."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise invalid_name(name)
    return name


def invalid_name(name: Any) -> LambdaError:
    """The ValidationException of a FunctionName that is no name, ARN or partial ARN."""
    return LambdaError("ValidationException",
                       f"1 validation error detected: Value '{name}' at 'functionName' failed to satisfy "
                       "constraint: Member must satisfy regular expression pattern: "
                       "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?"
                       "([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?")


def new_configuration(request: dict[str, Any], *, name: str, region: str, account: str,
                      runs: Any) -> dict[str, Any]:
    """The ``$LATEST`` configuration of a function CreateFunction makes (code fields added later).
    ``runs(runtime)`` refuses a runtime this server cannot run."""
    if request.get("PackageType", "Zip") != "Zip" or (request.get("Code") or {}).get("ImageUri"):
        raise LambdaError("InvalidParameterValueException",
                          "aslrun serve runs .zip functions; container images (PackageType Image, ImageUri) are "
                          "not supported")
    runtime, handler = request.get("Runtime"), request.get("Handler")
    if not runtime or not handler:
        raise LambdaError("InvalidParameterValueException",
                          "Runtime and Handler are mandatory parameters for functions created with deployment "
                          "packages.")
    config: dict[str, Any] = {
        "FunctionName": name,
        "FunctionArn": function_arn(name, None, region, account),
        "Runtime": None, "Role": None, "Handler": None,
        "Description": "", "Timeout": 3, "MemorySize": 128,
        "Version": "$LATEST",
        "TracingConfig": {"Mode": "PassThrough"},
        "Layers": [],
        "State": "Active", "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": ["x86_64"],
        "EphemeralStorage": {"Size": 512},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"},
    }
    _apply(config, request, runs, creating=True)
    return config


def updated_configuration(config: dict[str, Any], request: dict[str, Any], runs: Any) -> dict[str, Any]:
    """``$LATEST`` after UpdateFunctionConfiguration."""
    updated = dict(config)
    _apply(updated, request, runs, creating=False)
    return updated


def _apply(config: dict[str, Any], request: dict[str, Any], runs: Any, *, creating: bool) -> None:
    if creating or "Role" in request:
        role = request.get("Role")
        if not isinstance(role, str) or not _ROLE.match(role):
            raise LambdaError("ValidationException",
                              f"1 validation error detected: Value '{role}' at 'role' failed to satisfy constraint: "
                              "Member must satisfy regular expression pattern: "
                              "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+")
        config["Role"] = role
    if "Runtime" in request:
        runs(request["Runtime"])
        config["Runtime"] = request["Runtime"]
    if "Handler" in request:
        if not isinstance(request["Handler"], str) or not _HANDLER.match(request["Handler"]):
            raise LambdaError("ValidationException",
                              f"1 validation error detected: Value '{request['Handler']}' at 'handler' failed to "
                              "satisfy constraint: Member must satisfy regular expression pattern: [^\\s]+")
        config["Handler"] = request["Handler"]
    if "Description" in request:
        config["Description"] = str(request["Description"] or "")
    if "Timeout" in request:
        config["Timeout"] = _bounded(request["Timeout"], "timeout", 1, 900)
    if "MemorySize" in request:
        config["MemorySize"] = _bounded(request["MemorySize"], "memorySize", 128, 10240)
    if "Environment" in request:
        variables = (request["Environment"] or {}).get("Variables") or {}
        _check_environment(variables)
        if variables:
            config["Environment"] = {"Variables": {str(k): str(v) for k, v in variables.items()}}
        else:
            config.pop("Environment", None)
    if "TracingConfig" in request:
        config["TracingConfig"] = {"Mode": (request["TracingConfig"] or {}).get("Mode", "PassThrough")}
    if "Layers" in request:
        config["Layers"] = [{"Arn": str(arn), "CodeSize": 0} for arn in request["Layers"] or []]
    if "Architectures" in request and request["Architectures"]:
        config["Architectures"] = list(request["Architectures"])
    if "EphemeralStorage" in request and request["EphemeralStorage"]:
        config["EphemeralStorage"] = {"Size": _bounded(request["EphemeralStorage"].get("Size", 512),
                                                       "ephemeralStorage.size", 512, 10240)}
    if "LoggingConfig" in request and request["LoggingConfig"]:
        config["LoggingConfig"] = {**config["LoggingConfig"], **request["LoggingConfig"]}
    for key in _KEPT_AS_GIVEN:
        if key in request:
            config[key] = request[key]
    config["LastModified"] = last_modified()
    config["RevisionId"] = str(uuid.uuid4())


def _bounded(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        constraint = "greater than or equal to" if isinstance(value, int) and value < low else "less than or equal to"
        limit = low if isinstance(value, int) and value < low else high
        raise LambdaError("ValidationException",
                          f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: "
                          f"Member must have value {constraint} {limit}")
    return value


def _check_environment(variables: Any) -> None:
    if not isinstance(variables, dict):
        raise LambdaError("InvalidParameterValueException", "Environment.Variables must map names to values")
    size = sum(len(str(k)) + len(str(v)) for k, v in variables.items())
    if size > _ENVIRONMENT_BYTES:
        raise LambdaError("InvalidParameterValueException",
                          f"Lambda was unable to configure your environment variables because the environment "
                          f"variables you have provided exceeded the 4KB limit. String measured: {size} bytes")
    reserved = sorted(k for k in variables if k in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_NAME",
                                                     "_HANDLER", "LAMBDA_TASK_ROOT", "AWS_EXECUTION_ENV"))
    if reserved:
        raise LambdaError("InvalidParameterValueException",
                          "Lambda was unable to configure your environment variables because the environment "
                          f"variables you have provided contains reserved keys that are currently not supported "
                          f"for modification. Reserved keys used in this request: {', '.join(reserved)}")

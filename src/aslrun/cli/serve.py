"""``aslrun serve``: the AWS Step Functions API on localhost, for SDKs, the AWS CLI, SAM and Terraform."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from .handler_modes import handler_mode_options, one_handler_mode
from .inputs import handler_option, handlers_option

__all__ = ["serve"]

_LOOPBACK = ("127.0.0.1", "localhost", "::1")
#: what Step Functions Local (the JAR) reads when SFN_MOCK_CONFIG is not set
DEFAULT_MOCK_CONFIG = "MockConfigFile.json"


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback exposes the server to the network.")
@click.option("--port", default=8083, type=click.IntRange(0, 65535), show_default=True,
              help="Port (8083 is Step Functions Local's; 0 takes a free one and prints it).")
@handlers_option
@handler_option
@click.option("--state-dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Keep state machines, executions and histories here, across restarts "
                   "(default: a temporary directory, gone when the server stops).")
@click.option("--handler-concurrency", default=1, type=click.IntRange(1, 1000), show_default=True,
              help="Handler calls that may run at once across executions. Lambda runs each invocation in an "
                   "environment of its own, so handlers seldom expect company: raise it only for thread-safe "
                   "handlers (I/O-bound ones gain; CPU-bound ones share one interpreter anyway).")
@handler_mode_options(note="In every execution; raises --handler-concurrency to N if it is lower.")
@click.option("--virtual-time", is_flag=True,
              help="Skip waits: an execution's clock jumps ahead whenever it only waits for time.")
@click.option("--mock-config", "mock_config", type=click.Path(dir_okay=False), metavar="FILE",
              envvar="SFN_MOCK_CONFIG", show_envvar=True,
              help="Step Functions Local's MockConfigFile.json: StartExecution on ARN#TestCase runs that test case "
                   f"(default: {DEFAULT_MOCK_CONFIG} in the working directory, if there is one).")
@click.option("--lambda-endpoint", metavar="URL", envvar="LAMBDA_ENDPOINT", show_envvar=True,
              help="Send Lambda tasks no handler serves to this Lambda Invoke endpoint "
                   "(e.g. `sam local start-lambda`, http://127.0.0.1:3001).")
@click.option("--template", "template_path", type=click.Path(dir_okay=False, exists=True), metavar="FILE",
              help="A SAM / CloudFormation template or CDK cdk.out/*.template.json to deploy at start: its state "
                   "machines created (or updated), its Python functions bound, its tables/queues/topics/buckets made.")
@click.option("--parameter", "parameter_pairs", multiple=True, metavar="NAME=VALUE",
              help="A value of one of the template's Parameters.")
@click.option("--aws-seed", "aws_seed", type=click.Path(dir_okay=False, exists=True), metavar="FILE",
              help="Tables, queues, topics and buckets (+ items, objects) for the local AWS that service "
                   "integration Tasks reach (as `aslrun aws seed` takes them); with --state-dir, applied "
                   "once, when its local AWS is new.")
@click.option("--region", default=None, metavar="REGION",
              help="Region of requests that do not name one [env AWS_DEFAULT_REGION, else us-east-1].")
@click.option("--account", default=None, metavar="ID",
              help="Account id in ARNs [env AWS_ACCOUNT_ID, else 123456789012].")
def serve(host: str, port: int, handler_modules: tuple[str, ...], handler_pairs: tuple[str, ...],
          state_dir: str | None, handler_concurrency: int, handler_threads: int | None,
          handler_processes: int | None, virtual_time: bool, mock_config: str | None,
          lambda_endpoint: str | None, template_path: str | None, parameter_pairs: tuple[str, ...],
          aws_seed: str | None, region: str | None, account: str | None) -> None:
    """Serve the Step Functions API (boto3 endpoint_url, aws --endpoint-url, SAM, Terraform).

    The same URL answers the local AWS the Tasks use (DynamoDB, S3, SQS, SNS, EventBridge, EventBridge
    Scheduler, SSM, Secrets Manager, IAM, STS, KMS, CloudWatch, CloudWatch Logs): requests signed for
    those go there (AWS_ENDPOINT_URL points every client here), and its schedules fire by the clock.
    It answers Lambda's API too: functions created from a .zip of Python code, invoked, run by the
    Tasks that name them and by SQS event source mappings (kept in --state-dir).
    """
    from importlib.util import find_spec

    from ..errors import AslrunError, InputError

    missing = [name for name in ("starlette", "uvicorn", "botocore") if find_spec(name) is None]
    if missing:
        click.echo(f"aslrun: aslrun serve needs {', '.join(missing)}: pip install 'aslrun[serve]'", err=True)
        sys.exit(2)

    mock_config_source = _mock_config_source(mock_config)
    if mock_config_source is not None:
        mock_config = mock_config_source[0]
    one_handler_mode(handler_threads, handler_processes)
    try:
        config = _config(handler_modules, handler_pairs, state_dir, virtual_time, mock_config, lambda_endpoint,
                         region, account)
        at_once = handler_threads or handler_processes or 1
        config.handler_concurrency = max(handler_concurrency, at_once)  # the calls of one execution count too
        config.handler_threads, config.handler_processes = handler_threads, handler_processes
        if aws_seed is not None:
            from ..localaws.seed import load_seed_file

            config.aws_seed = (Path(aws_seed), load_seed_file(aws_seed))
        if template_path is not None:
            from ..templates import load_template
            from .inputs import parse_pairs

            config.template = load_template(template_path, parameters=parse_pairs(parameter_pairs, "--parameter"),
                                            region=config.region, account=config.account,
                                            lambda_endpoint=config.lambda_endpoint)
        elif parameter_pairs:
            raise InputError("--parameter gives values to a --template's Parameters: there is no --template")
    except AslrunError as exc:
        click.echo(f"aslrun: {exc}", err=True)
        sys.exit(2)
    if mock_config_source is not None:
        click.echo(f"aslrun serve: mock configuration {mock_config_source[0]} ({mock_config_source[1]})")
    if config.lambda_endpoint:
        click.echo(f"aslrun serve: Lambda functions no handler serves are invoked at {config.lambda_endpoint}")
    from ..service.faults import ServiceError
    from ..service.server import BindError
    from ..service.server import serve as run_server
    from ..service.store import StoreError

    if host not in _LOOPBACK:
        click.echo(f"aslrun serve: listening on {host}, reachable from other machines: the API has no "
                   "authentication", err=True)

    def announce(url: str, service: Any) -> None:
        where = service.state_dir if config.state_dir is not None else "memory (temporary; --state-dir keeps it)"
        if service.deployed:
            click.echo(f"aslrun serve: {len(service.deployed)} state machine(s) of {template_path} deployed: "
                       + ", ".join(arn.rsplit(":", 1)[-1] for arn in service.deployed))
        if service.interrupted:
            click.echo(f"aslrun serve: {len(service.interrupted)} execution(s) were running when the server last "
                       "stopped: recorded as FAILED (aslrun.ServerStopped); RedriveExecution continues them")
        server_aws = service.server_aws
        if server_aws.directory is not None:
            state = "loaded from" if server_aws.loaded else "kept in"
            click.echo(f"aslrun serve: local AWS (DynamoDB, S3, SQS, SNS, EventBridge, Scheduler...) {state} "
                       f"{server_aws.directory}"
                       + ("" if server_aws.aws is not None else " (started on first use)"))
        if server_aws.seed_skipped:
            click.echo(f"aslrun serve: --aws-seed {aws_seed} not applied: {server_aws.directory} already holds a "
                       f"local AWS (seeded when it was new; `aslrun aws reset --aws-state {server_aws.directory}` "
                       "empties it)")
        functions = service.lambda_functions.registry.count()
        mappings = len(service.lambda_functions.pollers.polling)
        if functions or mappings:
            click.echo(f"aslrun serve: {functions} Lambda function(s) created through its API earlier"
                       + (f", {mappings} event source mapping(s) polling" if mappings else "")
                       + f", kept in {service.state_dir}")
        click.echo(f"aslrun serve: console on {url}/ (a browser; docs/console.md)")
        click.echo(f"aslrun serve: Step Functions API on {url}  (state: {where})")  # the last line: ready
        sys.stdout.flush()

    try:
        run_server(config, host=host, port=port, announce=announce)
    except (BindError, StoreError) as exc:
        click.echo(f"aslrun: {exc}", err=True)
        sys.exit(2)
    except ServiceError as refused:  # deploying the template: a machine the API itself refuses
        click.echo(f"aslrun: {template_path}: {refused.code}: {refused.message}", err=True)
        sys.exit(2)
    except AslrunError as exc:  # the local AWS's state directory: busy, or unreadable
        click.echo(f"aslrun: {exc}", err=True)
        sys.exit(2)
    kept = f"kept in {config.state_dir}" if config.state_dir is not None else "gone with it (--state-dir keeps it)"
    click.echo(f"aslrun serve: stopped; its state is {kept}")


def _config(handler_modules: tuple[str, ...], handler_pairs: tuple[str, ...], state_dir: str | None,
            virtual_time: bool, mock_config: str | None, lambda_endpoint: str | None, region: str | None,
            account: str | None) -> Any:
    from ..errors import InputError
    from ..service.provider import ServiceConfig
    from .inputs import load_bindings

    bindings = load_bindings(handler_modules, handler_pairs)
    mocks = None
    if mock_config is not None:
        from ..testing.mock_config import MockConfig

        mocks = MockConfig.load(mock_config, names_must_match=True)  # Step Functions Local's lookup
    if lambda_endpoint:
        _check_lambda_endpoint(lambda_endpoint)
    account = account or os.environ.get("AWS_ACCOUNT_ID") or "123456789012"
    if not (account.isdigit() and len(account) == 12):
        raise InputError(f"--account must be 12 digits, not {account!r}")
    return ServiceConfig(
        state_dir=Path(state_dir) if state_dir else None,
        bindings=bindings,
        region=region or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        account=account,
        virtual_time=virtual_time,
        mock_config=mocks,
        lambda_endpoint=lambda_endpoint or None,
    )


def _mock_config_source(given: str | None) -> tuple[str, str] | None:
    """The mock configuration file to read and how it was named, as Step Functions Local finds it:
    SFN_MOCK_CONFIG (or --mock-config), else MockConfigFile.json in the working directory."""
    if given:
        source = click.get_current_context().get_parameter_source("mock_config")
        return given, "SFN_MOCK_CONFIG" if source == click.core.ParameterSource.ENVIRONMENT else "--mock-config"
    default = Path.cwd() / DEFAULT_MOCK_CONFIG
    if default.is_file():
        return str(default), f"{DEFAULT_MOCK_CONFIG} in the working directory"
    return None


def _check_lambda_endpoint(url: str) -> None:
    """A Lambda endpoint is an http(s) URL with a host: anything else would fail every Lambda task later."""
    from urllib.parse import urlsplit

    from ..errors import InputError

    try:
        parts = urlsplit(url)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed [ of an IPv6 address
        usable = False
    if not usable:
        raise InputError(f"--lambda-endpoint (LAMBDA_ENDPOINT) must be an http:// or https:// URL, not {url!r} "
                         "(e.g. http://127.0.0.1:3001 for `sam local start-lambda`)")

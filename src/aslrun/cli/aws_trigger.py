"""``aslrun aws trigger TEMPLATE``: set off a template's event sources against the local AWS.

    aslrun aws trigger template.yaml --topic BuaSnapshotSharedTopic --message '{"run_date": "2024-10-01"}'
    aslrun aws trigger template.yaml --queue WorkQueue --message '{"order": 7}'
    aslrun aws trigger template.yaml --event-source shop --detail-type Order --detail '{"id": 7}'
    aslrun aws trigger template.yaml --schedule NightlyRule
    aslrun aws trigger template.yaml                  # only deliver what already waits

The template's resources are created in the local AWS when missing and its event sources attached
(:mod:`aslrun.templates.event_delivery`); the message is published, sent or put (or the schedule
fired), then everything it sets off runs until nothing waits: SQS event source mappings, SNS and
EventBridge deliveries to functions, rules starting state machines, executions the functions start.
One line per delivery; ``--json`` prints them as a JSON list instead. Exit status 0 when every
delivery succeeded, 1 otherwise, 2 for a usage or template error.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from .aws import _fail, _state_option, aws
from .inputs import parse_json_argument

__all__ = ["trigger"]


@aws.command()
@click.argument("template", type=click.Path(dir_okay=False))
@click.option("--topic", metavar="TOPIC", help="Publish --message to this topic (logical id, name or ARN).")
@click.option("--queue", metavar="QUEUE", help="Send --message to this queue (logical id, name or URL).")
@click.option("--message", metavar="FILE|JSON|TEXT|-", help="What to publish or send: JSON (a file, text or - for "
              "stdin) is sent as JSON text; anything else as it is.")
@click.option("--subject", help="The notification's subject (with --topic).")
@click.option("--event-source", metavar="SOURCE", help="Put an EventBridge event with this source ...")
@click.option("--detail-type", metavar="TYPE", help="... this detail-type ...")
@click.option("--detail", metavar="FILE|JSON|-", help="... and this detail (a JSON object; default {}).")
@click.option("--bus", default="default", show_default=True, help="The event bus of --event-source.")
@click.option("--schedule", metavar="RULE", help="Fire a scheduled rule or schedule (logical id, name or ARN).")
@click.option("--sub", "sub_pairs", multiple=True, metavar="NAME=VALUE", help="A template parameter.")
@click.option("--json", "as_json", is_flag=True, help="Print the deliveries as a JSON list.")
@_state_option
def trigger(template: str, topic: str | None, queue: str | None, message: str | None, subject: str | None,
            event_source: str | None, detail_type: str | None, detail: str | None, bus: str, schedule: str | None,
            sub_pairs: tuple[str, ...], as_json: bool, state_dir: str) -> None:
    """Publish, send, put an event or fire a schedule, and run what TEMPLATE's event sources set off."""
    from botocore.exceptions import ClientError  # type: ignore[import-untyped]

    from ..errors import AslrunError
    from ..localaws import LocalAws, use_aws
    from ..templates import load_template, looks_like_template
    from .inputs import load_substitution_options

    chosen = [name for name, value in (("--topic", topic), ("--queue", queue), ("--event-source", event_source),
                                       ("--schedule", schedule)) if value]
    if len(chosen) > 1:
        _fail(f"give one of {', '.join(chosen)}, not several")
    if (topic or queue) and message is None:
        _fail(f"{chosen[0]} needs --message")
    if event_source and not detail_type:
        _fail("--event-source needs --detail-type")
    if not looks_like_template(template):
        _fail(f"{template}: not a SAM, CloudFormation or CDK template (a mapping with Resources)")
    try:
        app = load_template(template, parameters=load_substitution_options(sub_pairs, ()) or None)
        with LocalAws(state_dir=state_dir, reset=True, region=app.region, account=app.account) as local:
            use_aws(local)
            try:
                with app.deploy(local) as runtime:
                    if topic:
                        deliveries = runtime.publish(topic, _message(message), subject=subject)
                    elif queue:
                        deliveries = runtime.send_message(queue, _message(message))
                    elif event_source:
                        deliveries = runtime.put_event(event_source, str(detail_type),
                                                       parse_json_argument(detail, "--detail"), bus=bus)
                    elif schedule:
                        deliveries = runtime.fire(schedule)
                    else:
                        deliveries = runtime.deliver()
            finally:
                local.stop()  # the extra start of use_aws()
    except AslrunError as exc:
        _fail(str(exc))
    except ClientError as exc:  # the local AWS refused what was asked (an unknown event bus, a bad message)
        _fail(f"the local AWS refused it: {exc}")
    if as_json:
        sys.stdout.write(json.dumps([_as_dict(d) for d in deliveries], ensure_ascii=False) + "\n")
    else:
        for delivery in deliveries:
            click.echo(str(delivery))
        if not deliveries:
            click.echo("nothing was delivered: no event source of the template took it")
    sys.exit(0 if all(d.outcome == "succeeded" for d in deliveries) else 1)


def _message(value: str | None) -> Any:
    """JSON when it parses as JSON (a file, text, stdin), else the text as it is."""
    from ..errors import InputError

    assert value is not None
    try:
        return parse_json_argument(value, "--message")
    except InputError:  # not JSON: a plain text message
        return value


def _as_dict(delivery: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"source": delivery.source, "target": delivery.target, "outcome": delivery.outcome,
                             "detail": delivery.detail}
    if delivery.execution is not None:
        entry["execution"] = {"arn": delivery.execution.arn, **delivery.execution.result()}
    return entry

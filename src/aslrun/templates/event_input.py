"""What an EventBridge target receives: the event itself, or the input its target settings make of it.

A rule's target takes at most one of (EventBridge's rules):

* ``Input``: constant JSON text, sent as it is instead of the event;
* ``InputPath``: a JSONPath into the event (``$.detail``), the part sent;
* ``InputTransformer``: ``InputPathsMap`` names values of the event (``{"id": "$.detail.id"}``) and
  ``InputTemplate`` places them: ``<id>`` outside a JSON string is replaced by the value as JSON (a
  string gets its quotes), inside a JSON string (``"order <id> shipped"``) by its text. A value the
  event does not have is ``null`` outside a string and empty inside one. The predefined names
  ``<aws.events.event>``, ``<aws.events.event.json>``, ``<aws.events.rule-arn>``,
  ``<aws.events.rule-name>`` and ``<aws.events.event.ingestion-time>`` need no path. A template
  that is not JSON (``"<id> is done"``) makes a JSON string of its text.

With none of them, the whole event is sent. A scheduled rule's event (:func:`scheduled_event`) has
``detail-type`` "Scheduled Event", ``source`` "aws.events" and the rule's ARN in ``resources``.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timezone
from typing import Any

from ..expr.jsonpath import PathNotFound, PathSyntaxError, compile_path
from .errors import TemplateError
from .event_sources import RuleTarget, RuleTrigger

__all__ = ["event_entry", "scheduled_event", "target_input"]

_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")


def target_input(target: RuleTarget, event: dict[str, Any], rule: RuleTrigger) -> Any:
    """The JSON value ``target`` receives for ``event`` (see the module docstring)."""
    where = f"Resources.{rule.logical_id} target '{target.id}'"
    if target.input is not None:
        try:
            return json.loads(target.input)
        except ValueError as exc:
            raise TemplateError(f"{where}: Input is not valid JSON: {exc}") from None
    if target.input_path is not None:
        found = _read(target.input_path, event, f"{where}: InputPath")
        return None if found is _MISSING else found
    if target.input_transformer is not None:
        return _transform(target.input_transformer, event, rule, where)
    return event


def scheduled_event(rule: RuleTrigger, *, region: str, account: str, at: datetime | None = None) -> dict[str, Any]:
    """The event a scheduled rule sends its targets when it fires."""
    moment = (at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
            "account": account, "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"), "region": region,
            "resources": [rule.arn], "detail": {}}


def event_entry(source: str, detail_type: str, detail: Any, *, bus: str = "default",
                resources: list[str] | None = None) -> dict[str, Any]:
    """A PutEvents entry (what ``events:PutEvents`` takes) for one event."""
    entry: dict[str, Any] = {"Source": source, "DetailType": detail_type,
                             "Detail": detail if isinstance(detail, str) else json.dumps(detail),
                             "EventBusName": bus}
    if resources:
        entry["Resources"] = list(resources)
    return entry


# -- InputTransformer ---------------------------------------------------------------------------------

_MISSING = object()


def _read(path: str, event: Any, where: str) -> Any:
    try:
        compiled = compile_path(str(path))
        return compiled.get(event)
    except PathNotFound:
        return _MISSING
    except PathSyntaxError as exc:
        raise TemplateError(f"{where}: '{path}' is not a JSONPath ({exc})") from None


def _transform(transformer: dict[str, Any], event: dict[str, Any], rule: RuleTrigger, where: str) -> Any:
    template = transformer.get("InputTemplate")
    if not isinstance(template, str):
        raise TemplateError(f"{where}: InputTransformer needs an InputTemplate (text)")
    paths = transformer.get("InputPathsMap") or {}
    if not isinstance(paths, dict):
        raise TemplateError(f"{where}: InputTransformer.InputPathsMap must be a mapping")
    values = {str(name): _read(path, event, f"{where}: InputPathsMap.{name}") for name, path in paths.items()}
    values.update({"aws.events.event": event, "aws.events.event.json": event, "aws.events.rule-arn": rule.arn,
                   "aws.events.rule-name": rule.name,
                   "aws.events.event.ingestion-time": event.get("time", "")})
    text = _fill(template, values)
    try:
        return json.loads(text)
    except ValueError:
        if template.lstrip().startswith(("{", "[")):
            raise TemplateError(f"{where}: the InputTemplate does not make valid JSON: {text}") from None
        return text  # a text template: the target gets a string


def _fill(template: str, values: dict[str, Any]) -> str:
    """The template with each known ``<name>`` replaced, as JSON outside strings and as text inside."""
    out: list[str] = []
    in_string = False
    position = 0
    while position < len(template):
        character = template[position]
        match = _PLACEHOLDER.match(template, position) if character == "<" else None
        if match and match.group(1) in values:
            out.append(_as_text(values[match.group(1)]) if in_string else _as_json(values[match.group(1)]))
            position = match.end()
            continue
        if character == "\\" and in_string:
            out.append(template[position:position + 2])
            position += 2
            continue
        if character == '"':
            in_string = not in_string
        out.append(character)
        position += 1
    return "".join(out)


def _as_json(value: Any) -> str:
    return "null" if value is _MISSING else json.dumps(value, ensure_ascii=False)


def _as_text(value: Any) -> str:
    if value is _MISSING or value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return json.dumps(text, ensure_ascii=False)[1:-1]  # escaped to sit inside the JSON string

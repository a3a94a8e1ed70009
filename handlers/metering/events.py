"""Where each handler finds its inputs in the two machines' events.

The billing machine passes the whole state: the reading's fields at the top level plus earlier
results as lambda:invoke results (``{"Payload": <handler return>, "StatusCode": 200, ...}``) under
``validation``, ``meterStatus``, ``usage``, ``billingAnalysis``. Some tasks wrap it:
``{"reading": <state>, "bill": <bill>}``, ``{"notificationType": ..., "reading": <state>}``. The
bulk machine's GenerateBill receives ``{"reading": <item state>, "usage": <usageRecord>}``.
These helpers accept every one of those shapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from handlers.metering.errors import BadEvent

__all__ = ["bill_document", "lambda_payload", "reading_event", "require_mapping"]


def require_mapping(event: object, what: str = "event") -> Mapping[str, Any]:
    """The event as a JSON object, or :class:`BadEvent`."""
    if not isinstance(event, Mapping):
        raise BadEvent(f"{what} must be a JSON object, got {type(event).__name__}")
    return event


def lambda_payload(value: object) -> object:
    """Unwrap a lambda:invoke result (``{"Payload": ...}``); other values pass through."""
    if isinstance(value, Mapping) and "Payload" in value and "StatusCode" in value:
        return value["Payload"]
    return value


def reading_event(event: object) -> Mapping[str, Any]:
    """The reading (plus accumulated state) inside ``event``: ``event["reading"]`` or the event."""
    body = require_mapping(event)
    inner = body.get("reading")
    return require_mapping(inner, "reading") if inner is not None else body


def bill_document(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """The bill: ``event["bill"]``, else the GenerateBill result in the state; or BadEvent."""
    candidates: list[object] = [event.get("bill")]
    state = event.get("reading")
    if isinstance(state, Mapping):
        analysis = state.get("billingAnalysis")
        if isinstance(analysis, list) and len(analysis) > 1:
            candidates.append(analysis[1])
        candidates.append(state.get("bill"))
    for candidate in candidates:
        value = lambda_payload(candidate)
        if isinstance(value, Mapping) and "billId" not in value and "bill" in value:
            value = value["bill"]
        if isinstance(value, Mapping) and "billId" in value:
            return value
    raise BadEvent("bill: the event carries no bill (expected bill.billId)")

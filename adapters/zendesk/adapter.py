"""Zendesk Support: event webhooks (zen:event-type:ticket.*) and trigger webhooks, signed with HMAC-SHA256.

Signature: base64(HMAC-SHA256(signing secret, TIMESTAMP + BODY)) in X-Zendesk-Webhook-Signature, the
timestamp in X-Zendesk-Webhook-Signature-Timestamp (ISO 8601). The current docs and working
third-party code put the timestamp first; the legacy docs' example vector matches BODY + TIMESTAMP
and is kept as a negative test (tests/adapters/zendesk).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from typing import Any

from ..base import NOTE_MARKER, Adapter, InboundEvent, content_key, header, loads, matches
from ..errors import PayloadError, SignatureError, UnhandledEvent
from . import schemas
from .client import ZendeskClient

REPLAY_WINDOW = dt.timedelta(minutes=5)
CHANNELS = {
    "mail": "email",
    "email": "email",
    "web": "web_form",
    "web_form": "web_form",
    "api": "web_form",
    "voice": "telephone",
    "phone": "telephone",
    "chat": "chat",
    "native_messaging": "chat",
    "sms": "sms",
    "facebook": "social_media",
    "twitter": "social_media",
    "any_channel": "chat",
}
TRIGGER_EVENTS = {
    "ticket_created": "ticket.created",
    "customer_reply": "ticket.customer_reply",
    "ticket_created_or_customer_reply": "ticket.created",
}


def signature(secret: str, timestamp: str, raw: bytes) -> str:
    """base64(HMAC-SHA256(secret, timestamp + body)); the secret is used as the string shown, not decoded."""
    return base64.b64encode(hmac.new(secret.encode(), timestamp.encode() + raw, hashlib.sha256).digest()).decode()


class ZendeskAdapter(Adapter):
    """Zendesk Support."""

    key = "zendesk"
    title = "Zendesk"
    events = ("ticket.created", "ticket.customer_reply")
    settings_schema = schemas.Settings
    secrets_schema = schemas.Secrets

    def verify(self, headers, raw: bytes, secrets: dict, settings: dict, now: dt.datetime) -> None:
        given = header(headers, "X-Zendesk-Webhook-Signature") or ""
        stamp = header(headers, "X-Zendesk-Webhook-Signature-Timestamp") or ""
        if not given or not stamp:
            raise SignatureError("missing X-Zendesk-Webhook-Signature or its timestamp")
        try:
            sent = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            raise SignatureError("X-Zendesk-Webhook-Signature-Timestamp is not ISO 8601") from None
        if sent.tzinfo is None or sent.utcoffset() is None:
            raise SignatureError(
                "X-Zendesk-Webhook-Signature-Timestamp has no zone (expected e.g. 2026-11-24T12:00:00Z)"
            )
        if abs(now.timestamp() - sent.timestamp()) > REPLAY_WINDOW.total_seconds():
            raise SignatureError("stale or future signature timestamp (replay window 5 minutes)")
        secrets_to_try = [s for s in (secrets.get("signing_secret"), secrets.get("signing_secret_previous")) if s]
        if not any(matches(given, signature(s, stamp, raw)) for s in secrets_to_try):
            raise SignatureError("wrong X-Zendesk-Webhook-Signature")

    def parse(self, raw: bytes, headers, settings: dict) -> list[InboundEvent]:
        try:
            body = loads(raw)
        except ValueError:
            raise PayloadError("not JSON: a Zendesk webhook sends JSON") from None
        if not isinstance(body, dict):
            raise PayloadError("a Zendesk webhook body is a JSON object")
        if str(body.get("type", "")).startswith("zen:event-type:"):
            return [_from_event(body)]
        if "event" in body and "ticket_id" in body:
            return [_from_trigger(body, headers, raw)]
        raise PayloadError("neither a Zendesk event (type zen:event-type:...) nor the trigger template body")

    def client(self, settings: dict, secrets: dict) -> ZendeskClient:
        return ZendeskClient(settings, secrets)


def _blank(value) -> str | None:
    return None if value in (None, "") else str(value)


def _from_event(body: dict) -> InboundEvent:
    kind = body["type"].removeprefix("zen:event-type:")
    detail = body.get("detail") or {}
    if not detail.get("id") or not body.get("id"):
        raise PayloadError("a Zendesk event needs id and detail.id")
    common: dict[str, Any] = {
        "delivery_key": f"event:{body['id']}",
        "ticket_id": str(detail["id"]),
        "helpdesk_user_id": _blank(detail.get("requester_id")),
        "assigned_agent_id": _blank(detail.get("assignee_id")),
        "channel": CHANNELS.get((detail.get("via") or {}).get("channel", "")),
        "subject": detail.get("subject") or "",
        "at": _when(body.get("time")),
    }
    if kind == "ticket.created":
        return InboundEvent(event_type="ticket.created", text=detail.get("description") or "", **common)
    if kind == "ticket.comment_added":
        comment = (body.get("event") or {}).get("comment") or {}
        return InboundEvent(
            event_type="ticket.customer_reply", text=comment.get("body") or "", ignore_reason=_ignore(comment), **common
        )
    raise UnhandledEvent(body["type"])


def _ignore(comment: dict) -> str | None:
    if NOTE_MARKER in (comment.get("body") or ""):
        return "our own note"
    if (comment.get("author") or {}).get("is_staff"):
        return "comment by staff"
    if comment.get("is_public") is False:
        return "internal comment"
    return None


def _from_trigger(body: dict, headers, raw: bytes) -> InboundEvent:
    event_type = TRIGGER_EVENTS.get(str(body["event"]))
    if event_type is None:
        raise UnhandledEvent(str(body["event"]))
    invocation = header(headers, "X-Zendesk-Webhook-Invocation-Id")
    text = body.get("latest_public_comment") or ""
    return InboundEvent(
        delivery_key=f"invocation:{invocation}" if invocation else content_key(raw),
        event_type=event_type,
        ticket_id=str(body["ticket_id"]),
        emails=tuple(filter(None, [_blank(body.get("requester_email"))])),
        phones=tuple(filter(None, [_blank(body.get("requester_phone"))])),
        helpdesk_user_id=_blank(body.get("requester_id")),
        assigned_agent_id=_blank(body.get("assignee_id")),
        channel=CHANNELS.get(str(body.get("ticket_via", "")).lower()),
        subject=body.get("ticket_subject") or "",
        text=text,
        ignore_reason="our own note" if NOTE_MARKER in text else None,
    )


def _when(value) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(str(value)[:26].rstrip("Z") + "+00:00")
    except ValueError:
        return None

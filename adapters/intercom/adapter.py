"""Intercom: app webhooks (conversation.user.created / .replied), `X-Hub-Signature: sha1=<hex HMAC-SHA1>`."""
from __future__ import annotations

import datetime as dt
import json

from ..base import NOTE_MARKER, Adapter, InboundEvent, check_hub_signature, strip_html
from ..errors import PayloadError, UnhandledEvent
from . import schemas
from .client import IntercomClient

TOPICS = {"conversation.user.created": "ticket.created", "conversation.user.replied": "ticket.customer_reply"}


class IntercomAdapter(Adapter):
    """Intercom."""

    key = "intercom"
    title = "Intercom"
    events = ("ticket.created", "ticket.customer_reply")
    settings_schema = schemas.Settings
    secrets_schema = schemas.Secrets

    def verify(self, headers, raw: bytes, secrets: dict, settings: dict, now: dt.datetime) -> None:
        check_hub_signature(headers, raw, [secrets.get("client_secret"), secrets.get("client_secret_previous")])

    def parse(self, raw: bytes, headers, settings: dict) -> list[InboundEvent]:
        try:
            body = json.loads(raw)
        except ValueError:
            raise PayloadError("not JSON: an Intercom notification is JSON") from None
        if not isinstance(body, dict) or body.get("type") != "notification_event":
            raise PayloadError("expected an Intercom notification_event")
        event_type = TOPICS.get(body.get("topic"))
        if event_type is None:
            raise UnhandledEvent(str(body.get("topic")))
        if not body.get("id"):
            raise PayloadError("the notification has no id")
        item = (body.get("data") or {}).get("item") or {}
        if not item.get("id"):
            raise PayloadError("the notification has no data.item.id (the conversation)")
        user = item.get("user") or {}
        assignee = item.get("assignee") or {}
        text = _latest_customer_text(item)
        return [InboundEvent(
            delivery_key=f"notification:{body['id']}", event_type=event_type, ticket_id=str(item["id"]),
            emails=tuple(filter(None, [user.get("email")])), helpdesk_user_id=user.get("id") or None,
            assigned_agent_id=str(assignee["id"]) if assignee.get("type") == "admin" and assignee.get("id") else None,
            channel="chat", subject=strip_html((item.get("conversation_message") or {}).get("subject")),
            text=text, at=_when(body.get("created_at")),
            ignore_reason="our own note" if NOTE_MARKER in text else None)]

    def client(self, settings: dict, secrets: dict) -> IntercomClient:
        return IntercomClient(settings, secrets)


def _latest_customer_text(item: dict) -> str:
    parts = ((item.get("conversation_parts") or {}).get("conversation_parts")) or []
    customer_parts = [p for p in parts if (p.get("author") or {}).get("type") in ("user", "lead", "contact")]
    if customer_parts:
        return strip_html(customer_parts[-1].get("body"))
    return strip_html((item.get("conversation_message") or {}).get("body"))


def _when(value) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(int(value), dt.timezone.utc) if value else None

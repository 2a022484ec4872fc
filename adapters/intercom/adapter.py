"""Intercom: app webhooks (conversation.user.created / .replied), `X-Hub-Signature: sha1=<hex HMAC-SHA1>`.

The conversation arrives in the shape of the app's API version: 1.x has `user`, `assignee` and
`conversation_message`; 2.x has `contacts` (a contact.list, or a plain list up to 2.3), `source` with its
`author`, and `admin_assignee_id`. Both are read.
"""

from __future__ import annotations

import datetime as dt

from ..base import NOTE_MARKER, Adapter, InboundEvent, check_hub_signature, from_epoch, loads, strip_html
from ..errors import PayloadError, UnhandledEvent
from . import schemas
from .client import IntercomClient

TOPICS = {"conversation.user.created": "ticket.created", "conversation.user.replied": "ticket.customer_reply"}
CUSTOMER_TYPES = ("user", "lead", "contact")
CHANNELS = {
    "email": "email",
    "phone_call": "telephone",
    "sms": "sms",
    "facebook": "social_media",
    "twitter": "social_media",
    "instagram": "social_media",
    "whatsapp": "chat",
}


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
            body = loads(raw)
        except ValueError:
            raise PayloadError("not JSON: an Intercom notification is JSON") from None
        if not isinstance(body, dict) or body.get("type") != "notification_event":
            raise PayloadError("expected an Intercom notification_event")
        event_type = TOPICS.get(str(body.get("topic")))
        if event_type is None:
            raise UnhandledEvent(str(body.get("topic")))
        if not body.get("id"):
            raise PayloadError("the notification has no id")
        item = (body.get("data") or {}).get("item") or {}
        if not item.get("id"):
            raise PayloadError("the notification has no data.item.id (the conversation)")
        email, user_id = _customer(item)
        text = _latest_customer_text(item)
        return [
            InboundEvent(
                delivery_key=f"notification:{body['id']}",
                event_type=event_type,
                ticket_id=str(item["id"]),
                emails=tuple(filter(None, [email])),
                helpdesk_user_id=user_id,
                assigned_agent_id=_assignee(item),
                channel=CHANNELS.get(str((item.get("source") or {}).get("type")), "chat"),
                subject=strip_html(_opening(item).get("subject")),
                text=text,
                at=_when(body.get("created_at")),
                ignore_reason="our own note" if NOTE_MARKER in text else None,
            )
        ]

    def client(self, settings: dict, secrets: dict) -> IntercomClient:
        return IntercomClient(settings, secrets)


def _opening(item: dict) -> dict:
    """The first message: `source` (2.x) or `conversation_message` (1.x)."""
    return item.get("source") or item.get("conversation_message") or {}


def _contacts(item: dict) -> list[dict]:
    """2.x contacts: a contact.list object (2.4 on) or a plain list (2.0-2.3)."""
    contacts = item.get("contacts") or []
    return (contacts.get("contacts") or []) if isinstance(contacts, dict) else contacts


def _customer(item: dict) -> tuple[str | None, str | None]:
    """The customer's e-mail and Intercom id: `user` (1.x), else the opening author and `contacts` (2.x)."""
    user = item.get("user") or {}
    if user:
        return user.get("email") or None, user.get("id") or None
    author = _opening(item).get("author") or {}
    author = author if author.get("type") in CUSTOMER_TYPES else {}
    contact_id = next((str(c["id"]) for c in _contacts(item) if c.get("id")), None)
    return author.get("email") or None, contact_id or (str(author["id"]) if author.get("id") else None)


def _assignee(item: dict) -> str | None:
    """The admin assigned: `assignee` of type admin (1.x) or `admin_assignee_id` (2.x)."""
    assignee = item.get("assignee") or {}
    if assignee.get("type") == "admin" and assignee.get("id"):
        return str(assignee["id"])
    return str(item["admin_assignee_id"]) if item.get("admin_assignee_id") else None


def _latest_customer_text(item: dict) -> str:
    parts = ((item.get("conversation_parts") or {}).get("conversation_parts")) or []
    customer_parts = [p for p in parts if (p.get("author") or {}).get("type") in CUSTOMER_TYPES]
    if customer_parts:
        return strip_html(customer_parts[-1].get("body"))
    return strip_html(_opening(item).get("body"))


def _when(value) -> dt.datetime | None:
    return from_epoch(value)

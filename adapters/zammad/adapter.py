"""Zammad: trigger webhooks with `X-Hub-Signature: sha1=<hex HMAC-SHA1(token, body)>`, deduped on X-Zammad-Delivery."""

from __future__ import annotations

import datetime as dt

from ..base import NOTE_MARKER, Adapter, InboundEvent, check_hub_signature, content_key, header, loads, strip_html
from ..errors import PayloadError, UnhandledEvent
from . import schemas
from .client import ZammadClient

CHANNELS = {
    "email": "email",
    "phone": "telephone",
    "web": "web_form",
    "sms": "sms",
    "chat": "chat",
    "twitter status": "social_media",
    "twitter direct-message": "social_media",
    "facebook feed post": "social_media",
    "telegram personal-message": "chat",
    "whatsapp message": "chat",
}
UNASSIGNED = 1  # Zammad's "-" system user owns unassigned tickets


class ZammadAdapter(Adapter):
    """Zammad (self-hosted or hosted)."""

    key = "zammad"
    title = "Zammad"
    events = ("ticket.created", "ticket.customer_reply")
    settings_schema = schemas.Settings
    secrets_schema = schemas.Secrets

    def verify(self, headers, raw: bytes, secrets: dict, settings: dict, now: dt.datetime) -> None:
        check_hub_signature(headers, raw, [secrets.get("signature_token"), secrets.get("signature_token_previous")])

    def parse(self, raw: bytes, headers, settings: dict) -> list[InboundEvent]:
        try:
            body = loads(raw)
        except ValueError:
            raise PayloadError("not JSON: a Zammad webhook sends JSON") from None
        ticket = body.get("ticket") if isinstance(body, dict) else None
        article = body.get("article") if isinstance(body, dict) else None
        if not isinstance(ticket, dict) or not ticket.get("id"):
            raise PayloadError("expected the default Zammad payload: {\"ticket\": {\"id\": ...}, \"article\": {...}}")
        if not isinstance(article, dict):
            raise UnhandledEvent("ticket change without an article")
        delivery = header(headers, "X-Zammad-Delivery")
        customer = ticket.get("customer") or {}
        owner = ticket.get("owner_id")
        text = strip_html(article.get("body"))
        return [
            InboundEvent(
                delivery_key=f"delivery:{delivery}" if delivery else content_key(raw),
                event_type="ticket.created" if (ticket.get("article_count") or 1) <= 1 else "ticket.customer_reply",
                ticket_id=str(ticket["id"]),
                emails=tuple(filter(None, [customer.get("email")])),
                phones=tuple(filter(None, [customer.get("phone"), customer.get("mobile")])),
                helpdesk_user_id=str(ticket["customer_id"]) if ticket.get("customer_id") else None,
                assigned_agent_id=str(owner) if owner and owner != UNASSIGNED else None,
                addressed_inbox=_address(article.get("to")),
                channel=CHANNELS.get(str(article.get("type", "")).lower()),
                subject=ticket.get("title") or "",
                text=text,
                ignore_reason=_ignore(article, text),
            )
        ]

    def client(self, settings: dict, secrets: dict) -> ZammadClient:
        return ZammadClient(settings, secrets)


def _ignore(article: dict, text: str) -> str | None:
    if NOTE_MARKER in text:
        return "our own note"
    if article.get("internal"):
        return "internal article"
    if article.get("sender") and article["sender"] != "Customer":
        return "article by staff"
    return None


def _address(value) -> str | None:
    return value.strip().lower() if isinstance(value, str) and "@" in value else None

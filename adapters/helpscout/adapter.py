"""Help Scout (Mailbox API 2.0): webhooks with X-HelpScout-Signature = base64(HMAC-SHA1(secret, body))."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

from ..base import NOTE_MARKER, Adapter, InboundEvent, header, loads, matches, strip_html
from ..errors import PayloadError, SignatureError, UnhandledEvent
from . import schemas
from .client import HelpScoutClient

EVENTS = {"convo.created": "ticket.created", "convo.customer.reply.created": "ticket.customer_reply"}
# The conversation's type is its channel (Get Conversation: `type` one of chat, email, phone); `source.type` says
# how it was created (api, beacon, email, emailfwd, web, notification, workflows ...), a channel only for Beacon's
# contact form, or when a payload carries no type.
CHANNELS = {"email": "email", "chat": "chat", "phone": "telephone"}
FORM_SOURCES = {"beacon": "web_form"}


def signature(secret: str, raw: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha1).digest()).decode()


class HelpScoutAdapter(Adapter):
    """Help Scout."""

    key = "helpscout"
    title = "Help Scout"
    events = ("ticket.created", "ticket.customer_reply")
    settings_schema = schemas.Settings
    secrets_schema = schemas.Secrets

    def verify(self, headers, raw: bytes, secrets: dict, settings: dict, now: dt.datetime) -> None:
        given = header(headers, "X-HelpScout-Signature") or ""
        candidates = [s for s in (secrets.get("webhook_secret"), secrets.get("webhook_secret_previous")) if s]
        if not any(matches(given, signature(s, raw)) for s in candidates):
            raise SignatureError("missing or wrong X-HelpScout-Signature")

    def parse(self, raw: bytes, headers, settings: dict) -> list[InboundEvent]:
        name = header(headers, "X-HelpScout-Event")
        try:
            convo = loads(raw)
        except ValueError:
            raise PayloadError("not JSON: Help Scout sends a v2 conversation object") from None
        if name and name not in EVENTS:
            raise UnhandledEvent(name)
        if not isinstance(convo, dict) or not convo.get("id"):
            raise PayloadError("expected a Help Scout conversation object with an id")
        # Without the header (a replayed body), a conversation of one thread is new; later threads are replies.
        event_type = (
            EVENTS[name] if name else ("ticket.created" if convo.get("threads", 1) <= 1 else "ticket.customer_reply")
        )
        thread = _newest_thread(convo)
        customer = thread.get("customer") or {}
        created_by = convo.get("createdBy") or {}
        emails = [
            e
            for e in (customer.get("email"), created_by.get("email") if created_by.get("type") == "customer" else None)
            if e
        ]
        text = strip_html(thread.get("body"))
        return [
            InboundEvent(
                delivery_key=f"{name or event_type}:{convo['id']}:{thread.get('id', 0)}",
                event_type=event_type,
                ticket_id=str(convo["id"]),
                emails=tuple(dict.fromkeys(emails)),
                helpdesk_user_id=str(customer["id"]) if customer.get("id") else None,
                assigned_agent_id=str((convo.get("assignee") or {}).get("id")) if convo.get("assignee") else None,
                channel=_channel(convo),
                subject=convo.get("subject") or "",
                text=text,
                ignore_reason=_ignore(thread, text),
            )
        ]

    def client(self, settings: dict, secrets: dict) -> HelpScoutClient:
        return HelpScoutClient(settings, secrets)


def _channel(convo: dict) -> str | None:
    """Beacon's form is a web form whatever the type; otherwise the conversation's type, then its source's."""
    source = str((convo.get("source") or {}).get("type") or "").lower()
    kind = str(convo.get("type") or "").lower()
    return FORM_SOURCES.get(source) or CHANNELS.get(kind) or CHANNELS.get(source)


def _newest_thread(convo: dict) -> dict:
    threads = ((convo.get("_embedded") or {}).get("threads")) or []
    return max(threads, key=lambda t: t.get("id", 0)) if threads else {}


def _ignore(thread: dict, text: str) -> str | None:
    if NOTE_MARKER in text:
        return "our own note"
    if thread and thread.get("type") not in (None, "customer"):
        return f"{thread.get('type')} thread, not the customer's"
    return None

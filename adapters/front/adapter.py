"""Front: rule webhooks (base64 HMAC-SHA1 of the body) and application webhooks (base64 HMAC-SHA256 of
`timestamp:body`, 5-minute window, with the set-up challenge). Events are `inbound` messages."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

from ..base import NOTE_MARKER, Adapter, InboundEvent, header, loads, matches, strip_html
from ..errors import PayloadError, SignatureError, UnhandledEvent
from . import schemas
from .client import FrontClient

REPLAY_WINDOW = dt.timedelta(minutes=5)
# Front's message types (Messages, https://dev.frontapp.com/reference/messages-1, and the `type` enum of its
# OpenAPI MessageResponse) to the policy's channels; `internal` (teammates' own messages) has none.
CHANNELS = {
    "email": "email",
    "sms": "sms",
    "whatsapp": "chat",
    "yalo_wha": "chat",
    "intercom": "chat",
    "smooch": "chat",
    "custom": "chat",
    "front_chat": "chat",
    "facebook": "social_media",
    "tweet": "social_media",
    "tweet_dm": "social_media",
    "googleplay": "social_media",
    "call": "telephone",
    "phone-call": "telephone",
}


def rule_signature(secret: str, raw: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha1).digest()).decode()


def app_signature(secret: str, timestamp: str, raw: bytes) -> str:
    return base64.b64encode(
        hmac.new(secret.encode(), timestamp.encode() + b":" + raw, hashlib.sha256).digest()
    ).decode()


class FrontAdapter(Adapter):
    """Front."""

    key = "front"
    title = "Front"
    events = ("ticket.created", "ticket.customer_reply")
    settings_schema = schemas.Settings
    secrets_schema = schemas.Secrets

    def verify(self, headers, raw: bytes, secrets: dict, settings: dict, now: dt.datetime) -> None:
        given = header(headers, "X-Front-Signature") or ""
        keys = [s for s in (secrets.get("signing_secret"), secrets.get("signing_secret_previous")) if s]
        if settings.get("webhook_kind", "rule") == "app":
            stamp = header(headers, "X-Front-Request-Timestamp") or ""
            if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 15):
                raise SignatureError("missing or unreadable X-Front-Request-Timestamp (milliseconds since 1970)")
            if abs(now.timestamp() * 1000 - int(stamp)) > REPLAY_WINDOW.total_seconds() * 1000:
                raise SignatureError("stale or future X-Front-Request-Timestamp (window 5 minutes)")
            expected = [app_signature(k, stamp, raw) for k in keys]
        else:
            expected = [rule_signature(k, raw) for k in keys]
        if not any(matches(given, e) for e in expected):
            raise SignatureError("missing or wrong X-Front-Signature")

    def handshake(self, headers, raw: bytes, settings: dict) -> dict | None:
        """Application webhooks are validated on save: answer the challenge (after the signature check)."""
        challenge = header(headers, "X-Front-Challenge")
        return {"challenge": challenge} if challenge else None

    def parse(self, raw: bytes, headers, settings: dict) -> list[InboundEvent]:
        try:
            body = loads(raw)
        except ValueError:
            raise PayloadError("not JSON: Front sends JSON events") from None
        event = body.get("payload", body) if isinstance(body, dict) else None  # app webhooks may wrap it
        if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
            raise PayloadError("expected a Front event with id and type")
        if event["type"] not in ("inbound", "inbound_received"):
            raise UnhandledEvent(str(event["type"]))
        conversation = event.get("conversation") or {}
        if not conversation.get("id"):
            raise PayloadError("the event has no conversation id")
        message = conversation.get("last_message") or event.get("target", {}).get("data") or {}
        sender, to = _handles(conversation, message)
        assignee = conversation.get("assignee") or {}
        text = message.get("text") or strip_html(message.get("body"))
        return [
            InboundEvent(
                delivery_key=f"event:{event['id']}",
                # Front has no "conversation created" event: an unassigned conversation's inbound message is new.
                event_type="ticket.created" if not assignee else "ticket.customer_reply",
                ticket_id=str(conversation["id"]),
                emails=(sender,) if sender and "@" in sender else (),
                phones=(sender,) if sender and sender.startswith("+") else (),
                helpdesk_user_id=_contact_id(conversation),
                assigned_agent_id=assignee.get("id"),
                addressed_inbox=to,
                channel=CHANNELS.get(str(message.get("type", "")).lower()),
                subject=conversation.get("subject") or "",
                text=text.strip(),
                ignore_reason="our own note" if NOTE_MARKER in text else None,
            )
        ]

    def client(self, settings: dict, secrets: dict) -> FrontClient:
        return FrontClient(settings, secrets)


def _handles(conversation: dict, message: dict) -> tuple[str | None, str | None]:
    recipients = message.get("recipients") or []
    sender = next((r.get("handle") for r in recipients if r.get("role") == "from"), None)
    sender = sender or (conversation.get("recipient") or {}).get("handle")
    to = next((r.get("handle") for r in recipients if r.get("role") == "to"), None)
    return sender, to.lower() if to else None


def _contact_id(conversation: dict) -> str | None:
    link = (((conversation.get("recipient") or {}).get("_links") or {}).get("related") or {}).get("contact")
    return link.rsplit("/", 1)[-1] if link else None

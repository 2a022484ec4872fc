"""Freshdesk: automation rules with a "Trigger Webhook" action. Freshdesk cannot sign, so the unguessable
URL is the first defence and the rule's Basic-auth credentials the second (checked in constant time).

The rule's body carries what Freshdesk's placeholders can say (docs/adapters/freshdesk.md). No placeholder names
the assigned agent's id or the address the customer wrote to, so the worker reads the ticket (needs_lookup):
`responder_id`, `to_emails` and the requester, through the client's lookup()."""

from __future__ import annotations

import base64
import datetime as dt
import re

from ..base import NOTE_MARKER, Adapter, InboundEvent, content_key, header, loads, matches
from ..errors import PayloadError, SignatureError, UnhandledEvent
from . import schemas
from .client import FreshdeskClient

EVENTS = {"ticket_created": "ticket.created", "customer_reply": "ticket.customer_reply"}
TAGS = re.compile(r"<[^>]+>")


class FreshdeskAdapter(Adapter):
    """Freshdesk (v2 API)."""

    key = "freshdesk"
    title = "Freshdesk"
    events = ("ticket.created", "ticket.customer_reply")
    settings_schema = schemas.Settings
    secrets_schema = schemas.Secrets

    def verify(self, headers, raw: bytes, secrets: dict, settings: dict, now: dt.datetime) -> None:
        """Basic auth as set in the rule, when configured; otherwise the unguessable URL alone."""
        username = secrets.get("webhook_username")
        if not username:
            return
        given = header(headers, "Authorization") or ""
        candidates = [p for p in (secrets.get("webhook_password"), secrets.get("webhook_password_previous")) if p]
        expected = [f"Basic {base64.b64encode(f'{username}:{p}'.encode()).decode()}" for p in candidates]
        if not any(matches(given, e) for e in expected):
            raise SignatureError("missing or wrong Basic credentials on the Freshdesk webhook")

    def parse(self, raw: bytes, headers, settings: dict) -> list[InboundEvent]:
        try:
            body = loads(raw)
        except ValueError:
            raise PayloadError("not JSON: set the rule's encoding to JSON") from None
        hook = body.get("freshdesk_webhook") if isinstance(body, dict) else None
        if not isinstance(hook, dict) or not hook.get("ticket_id"):
            raise PayloadError(
                "expected {\"freshdesk_webhook\": {\"ticket_id\": ...}} (see docs/adapters/freshdesk.md)"
            )
        event_type = EVENTS.get(str(hook.get("event", ""))) or _from_triggered_event(hook.get("triggered_event"))
        if event_type is None:
            raise UnhandledEvent(str(hook.get("event") or hook.get("triggered_event")))
        text = hook.get("latest_public_comment") or TAGS.sub(" ", hook.get("ticket_description") or "")
        return [
            InboundEvent(
                delivery_key=content_key(raw),
                event_type=event_type,
                ticket_id=str(hook["ticket_id"]),
                emails=tuple(filter(None, [hook.get("requester_email")])),
                phones=tuple(filter(None, [hook.get("requester_phone")])),
                subject=hook.get("ticket_subject") or "",
                text=text.strip(),
                ignore_reason="our own note" if NOTE_MARKER in text else None,
                needs_lookup=True,
                lookup={"object": "ticket"},
            )
        ]

    def client(self, settings: dict, secrets: dict) -> FreshdeskClient:
        return FreshdeskClient(settings, secrets)


def _from_triggered_event(value) -> str | None:
    """The legacy placeholder `{{triggered_event}}`: only ticket creation is recognisable from it."""
    return "ticket.created" if value and "ticket_action:created" in str(value) else None

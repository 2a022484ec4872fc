"""django-helpdesk: new-ticket and follow-up webhooks (unsigned, no delivery id), DRF API outbound."""

from __future__ import annotations

import datetime as dt

from marshmallow import ValidationError

from ..base import Adapter, InboundEvent, check_shared_secret, loads
from ..errors import PayloadError
from . import schemas
from .client import DjangoHelpdeskClient
from .events import followup_event, ticket_event

SECRET_HEADER = "X-Contactguard-Secret"


class DjangoHelpdeskAdapter(Adapter):
    """django-helpdesk 2.x (PyPI django-helpdesk)."""

    key = "django_helpdesk"
    title = "django-helpdesk"
    events = ("ticket.created", "ticket.customer_reply")
    settings_schema = schemas.Settings
    secrets_schema = schemas.Secrets

    def verify(self, headers, raw: bytes, secrets: dict, settings: dict, now: dt.datetime) -> None:
        """django-helpdesk cannot sign: the unguessable URL, plus the shared-secret header if configured."""
        check_shared_secret(headers, secrets, SECRET_HEADER)

    def parse(self, raw: bytes, headers, settings: dict) -> list[InboundEvent]:
        try:
            body = schemas.Body().load(loads(raw))
        except (ValueError, ValidationError) as exc:
            detail = exc.messages if isinstance(exc, ValidationError) else "not JSON"
            raise PayloadError(f"not a django-helpdesk webhook body: {detail}") from None
        ticket = body["ticket"]
        if body["followup_id"] is None:
            return [ticket_event(ticket, body["queue_slug"], settings)]
        return [followup_event(ticket, body["followup_id"], body["queue_slug"], settings)]

    def client(self, settings: dict, secrets: dict) -> DjangoHelpdeskClient:
        return DjangoHelpdeskClient(settings, secrets)

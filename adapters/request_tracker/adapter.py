"""Request Tracker 5: contactguard's scrip posts each new ticket and correspondence (shared-secret header), REST2
outbound."""

from __future__ import annotations

import datetime as dt

from marshmallow import ValidationError

from ..base import Adapter, InboundEvent, check_shared_secret, loads
from ..errors import PayloadError, SignatureError, UnhandledEvent
from . import schemas
from .client import RequestTrackerClient
from .events import from_body, to_event

SECRET_HEADER = "X-Contactguard-Secret"
SCRIP_EVENTS = {"ticket.created": "Create", "ticket.correspondence": "Correspond"}


class RequestTrackerAdapter(Adapter):
    """Request Tracker 5 (Debian's request-tracker5), with the scrip in adapters/request_tracker/scrip/."""

    key = "request_tracker"
    title = "Request Tracker"
    events = ("ticket.created", "ticket.customer_reply")
    settings_schema = schemas.Settings
    secrets_schema = schemas.Secrets

    def verify(self, headers, raw: bytes, secrets: dict, settings: dict, now: dt.datetime) -> None:
        """RT cannot sign: the scrip sends the connection's shared secret, compared in constant time."""
        if not secrets.get("shared_secret"):
            raise SignatureError("the connection has no shared_secret: every delivery is refused")
        check_shared_secret(headers, secrets, SECRET_HEADER)

    def parse(self, raw: bytes, headers, settings: dict) -> list[InboundEvent]:
        try:
            body = schemas.Body().load(loads(raw))
        except (ValueError, ValidationError) as exc:
            detail = exc.messages if isinstance(exc, ValidationError) else "not JSON"
            raise PayloadError(f"not a body from contactguard's RT scrip: {detail}") from None
        expected = SCRIP_EVENTS.get(body["event"])
        if expected is None:
            raise UnhandledEvent(body["event"])
        if body["transaction"]["type"] != expected:
            raise PayloadError(f"event {body['event']} with a transaction of type {body['transaction']['type']!r}")
        return [to_event(from_body(body), settings)]

    def client(self, settings: dict, secrets: dict) -> RequestTrackerClient:
        return RequestTrackerClient(settings, secrets)

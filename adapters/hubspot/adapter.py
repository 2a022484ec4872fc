"""HubSpot: batched app webhooks (ticket.creation, conversation.newMessage) signed v3, or v1/v2 where sent.

v3: base64(HMAC-SHA256(client secret, METHOD + URI + BODY + TIMESTAMP)), timestamp in ms, 5 minutes.
v2: hex(SHA-256(secret + METHOD + URI + BODY)); v1: hex(SHA-256(secret + BODY)) (no timestamp).
The payload names objects only; who wrote is looked up by the worker (needs_lookup).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from urllib.parse import unquote

from ..base import FIELD_LIMITS, Adapter, InboundEvent, content_key, from_epoch, header, loads, matches
from ..errors import PayloadError, SignatureError, UnhandledEvent
from . import schemas
from .client import HubSpotClient

REPLAY_WINDOW = dt.timedelta(minutes=5)
# What names one event in a batch. HubSpot's webhook reference: eventId "is not guaranteed to be unique";
# subscriptionId, objectId and occurredAt (and a new message's messageId) name the event with it. attemptNumber
# counts the retries of one event, so it is left out: a retry must collapse into the first delivery.
EVENT_FIELDS = ("eventId", "subscriptionId", "objectId", "occurredAt", "messageId")


def v3_signature(secret: str, method: str, uri: str, raw: bytes, timestamp: str) -> str:
    source = method.encode() + unquote(uri).encode() + raw + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), source, hashlib.sha256).digest()).decode()


def legacy_signature(secret: str, version: str, method: str, uri: str | None, raw: bytes) -> str:
    source = secret.encode() + (raw if version == "v1" else method.encode() + (uri or "").encode() + raw)
    return hashlib.sha256(source).hexdigest()


class HubSpotAdapter(Adapter):
    """HubSpot Service Hub tickets and the Conversations inbox."""

    key = "hubspot"
    title = "HubSpot"
    signs_request_url = True  # v2 and v3 signatures cover the method and the URL
    events = ("ticket.created", "ticket.customer_reply")
    settings_schema = schemas.Settings
    secrets_schema = schemas.Secrets

    def verify(self, headers, raw: bytes, secrets: dict, settings: dict, now: dt.datetime) -> None:
        keys = [s for s in (secrets.get("client_secret"), secrets.get("client_secret_previous")) if s]
        method = settings.get("_request_method", "POST")
        uri = settings.get("webhook_url") or settings.get("_request_url") or ""
        v3 = header(headers, "X-HubSpot-Signature-v3")
        if v3:
            stamp = header(headers, "X-HubSpot-Request-Timestamp") or ""
            if (
                not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 15)
                or abs(now.timestamp() * 1000 - int(stamp)) > REPLAY_WINDOW.total_seconds() * 1000
            ):
                raise SignatureError("stale or missing X-HubSpot-Request-Timestamp (window 5 minutes)")
            expected = [v3_signature(k, method, uri, raw, stamp) for k in keys]
            given = v3
        else:
            version = header(headers, "X-HubSpot-Signature-Version") or "v1"
            if version not in ("v1", "v2"):
                raise SignatureError(f"unknown X-HubSpot-Signature-Version {version}")
            expected = [legacy_signature(k, version, method, uri, raw) for k in keys]
            given = header(headers, "X-HubSpot-Signature") or ""
        if not any(matches(given, e) for e in expected):
            raise SignatureError("missing or wrong HubSpot signature")

    def parse(self, raw: bytes, headers, settings: dict) -> list[InboundEvent]:
        try:
            batch = loads(raw)
        except ValueError:
            raise PayloadError("not JSON: HubSpot sends a JSON array of events") from None
        if not isinstance(batch, list) or not batch or not all(isinstance(e, dict) and e.get("eventId") for e in batch):
            raise PayloadError("expected a JSON array of events, each with an eventId")
        events = [e for e in (_event(item) for item in batch) if e is not None]
        if not events:
            raise UnhandledEvent(", ".join(sorted({str(item.get("subscriptionType")) for item in batch})))
        return events

    def client(self, settings: dict, secrets: dict) -> HubSpotClient:
        return HubSpotClient(settings, secrets)


def _event(item: dict) -> InboundEvent | None:
    kind = item.get("subscriptionType")
    at = from_epoch(item.get("occurredAt"), milliseconds=True)
    if kind in ("ticket.creation", "object.creation") and str(item.get("objectTypeId", "0-5")) == "0-5":
        return InboundEvent(
            delivery_key=_delivery_key(item),
            event_type="ticket.created",
            ticket_id=str(item["objectId"]),
            at=at,
            needs_lookup=True,
            lookup={"object": "ticket", "id": str(item["objectId"])},
        )
    if kind == "conversation.newMessage":
        ignore = "internal comment" if item.get("messageType") == "COMMENT" else None
        return InboundEvent(
            delivery_key=_delivery_key(item),
            event_type="ticket.customer_reply",
            ticket_id=f"thread-{item['objectId']}",
            at=at,
            ignore_reason=ignore,
            channel="chat",
            needs_lookup=ignore is None,
            lookup={"object": "thread", "id": str(item["objectId"]), "message": item.get("messageId")},
        )
    return None


def _delivery_key(item: dict) -> str:
    """The fields that identify one event, joined; hashed if that would not fit the database's column."""
    values = [item.get(name) for name in EVENT_FIELDS]
    key = "event:" + ":".join("" if v is None else str(v) for v in values).rstrip(":")
    return key if len(key) <= FIELD_LIMITS["delivery_key"] else content_key(key.encode())

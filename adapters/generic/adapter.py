"""Generic JSON: for helpdesks without their own adapter. Fields by JSON pointer, HMAC-SHA256 signed."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

from ..base import TICKET_ACTIONS, Adapter, InboundEvent, content_key, from_epoch, header, loads, matches
from ..errors import PayloadError, PermanentFailure, SignatureError, UnhandledEvent
from ..http import check_connection, make_session, send
from . import schemas
from .schemas import normalise_channel


def resolve_pointer(document, pointer: str | None):
    """RFC 6901: '/ticket/requester/email' -> value, None when absent."""
    if not pointer:
        return None
    if not pointer.startswith("/"):
        raise PayloadError(f"JSON pointer {pointer!r} must start with '/'")
    node = document
    for part in pointer[1:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def sign(secret: str, raw: bytes) -> str:
    """Hex HMAC-SHA256 of the raw body."""
    return hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


class GenericJsonAdapter(Adapter):
    """Any helpdesk that can POST JSON and sign it with HMAC-SHA256."""

    key = "generic"
    title = "Generic JSON webhook"
    events = ("ticket.created", "ticket.customer_reply")
    settings_schema = schemas.Settings
    secrets_schema = schemas.Secrets

    def verify(self, headers, raw: bytes, secrets: dict, settings: dict, now: dt.datetime) -> None:
        given = (header(headers, settings.get("signature_header", "X-Signature-SHA256")) or "").removeprefix("sha256=")
        candidates = [s for s in (secrets.get("signing_secret"), secrets.get("signing_secret_previous")) if s]
        if not any(matches(given, sign(s, raw)) for s in candidates):
            raise SignatureError("missing or wrong HMAC-SHA256 signature")

    def parse(self, raw: bytes, headers, settings: dict) -> list[InboundEvent]:
        try:
            body = loads(raw)
        except ValueError:
            raise PayloadError("body is not JSON") from None
        m = settings["mapping"]
        get = lambda name: resolve_pointer(body, m.get(name))  # noqa: E731
        ticket_id = get("ticket_id")
        if ticket_id in (None, ""):
            raise PayloadError(f"no ticket id at {m['ticket_id']}")
        raw_type = get("event_type")
        event_type = settings["event_types"].get(str(raw_type), raw_type) if raw_type else "ticket.created"
        if event_type not in self.events:
            raise UnhandledEvent(str(raw_type))
        delivery = get("delivery_id")
        return [
            InboundEvent(
                delivery_key=f"id:{delivery}" if delivery else content_key(raw),
                event_type=event_type,
                ticket_id=str(ticket_id),
                emails=_tuple(get("requester_email")),
                phones=_tuple(get("requester_phone")),
                helpdesk_user_id=_str(get("requester_id")),
                assigned_agent_id=_str(get("addressee")),
                channel=_channel(get("channel"), settings),
                subject=_str(get("subject")) or "",
                text=_str(get("text")) or "",
                at=_when(get("occurred_at")),
            )
        ]

    def client(self, settings: dict, secrets: dict) -> GenericCallbackClient:
        return GenericCallbackClient(settings, secrets)


def _str(value) -> str | None:
    return None if value in (None, "") else str(value)


def _channel(value, settings: dict) -> str | None:
    """The helpdesk's channel name through `channels`, else normalised itself; None when unknown."""
    if value in (None, ""):
        return None
    mapped = {str(k).strip().lower(): v for k, v in (settings.get("channels") or {}).items()}
    return mapped.get(str(value).strip().lower()) or normalise_channel(value)


def _when(value) -> dt.datetime | None:
    """ISO 8601 (naive means UTC) or Unix time in seconds or milliseconds; None when absent or unreadable."""
    if value in (None, "") or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return from_epoch(value, milliseconds=abs(value) > 1e11)
    try:
        parsed = dt.datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def idempotency_key(ticket_id, action: dict) -> str:
    """The action's own key when the outbox gives one, else a stable digest of ticket and action content."""
    if action.get("idempotency_key"):
        return str(action["idempotency_key"])
    canonical = json.dumps({"ticket_id": ticket_id, "action": action}, sort_keys=True, separators=(",", ":"))
    return "cg-" + hashlib.sha256(canonical.encode()).hexdigest()


def _tuple(value) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    return tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)


class GenericCallbackClient:
    """Outbound: POST each action (every kind, clear_flag included) as signed JSON to the callback URL; with
    `actions_together`, a ticket's consecutive actions in one POST."""

    actions = TICKET_ACTIONS  # the receiving system decides what each means

    def __init__(self, settings: dict, secrets: dict):
        self.url = settings.get("callback_url")
        self.header = settings.get("signature_header", "X-Signature-SHA256")
        self.secret = secrets["signing_secret"]
        self.session = make_session(settings=settings)
        # The kinds the outbox may hand apply_together (the drain asks): every ticket action, if the receiver said
        # it takes a list; none otherwise, so a receiver written for one action per POST never sees a list.
        self.applies_together = TICKET_ACTIONS if settings.get("actions_together") else frozenset()

    def apply(self, ticket_id: str, action: dict) -> None:
        if self.applies_together:  # the receiver takes lists: every POST is one, a lone action a list of one
            self.apply_together(ticket_id, [action])
        else:
            self._post({"ticket_id": ticket_id, "action": action}, idempotency_key(ticket_id, action))

    def apply_together(self, ticket_id: str, actions: list[dict]) -> None:
        """A ticket's actions in one POST, `{"ticket_id": ..., "actions": [...]}`, in the order to apply them.

        Each action carries its own idempotency_key; the header's key is the same for the same list."""
        keys = "\n".join(idempotency_key(ticket_id, action) for action in actions)
        self._post({"ticket_id": ticket_id, "actions": actions}, "cg-" + hashlib.sha256(keys.encode()).hexdigest())

    def _post(self, body: dict, key: str) -> None:
        if not self.url:
            raise PermanentFailure("no callback_url configured: actions cannot be delivered")
        raw = json.dumps(body, sort_keys=True).encode()
        send(
            self.session,
            "POST",
            self.url,
            data=raw,
            headers={
                "Content-Type": "application/json",
                self.header: "sha256=" + sign(self.secret, raw),
                "Idempotency-Key": key,
            },
        )

    def test_connection(self) -> None:
        if self.url:
            check_connection(
                lambda: self.session.post(self.url, json={"ping": True}),
                label="the callback",
                where="callback_url",
                credentials="signing_secret",
            )

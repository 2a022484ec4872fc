"""The adapter contract: verify raw bytes, parse into InboundEvents, and a client for outbound actions."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass, field

from marshmallow import Schema

NOTE_MARKER = "[contactguard]"

# The actions the outbox hands a client's apply(ticket_id, action); each is safe to repeat.
ACTION_KINDS = {
    "set_flag": "show the arrangement on the ticket: {'value': str} (a custom field or property)",
    "clear_flag": "remove the arrangement from the ticket's field or property (the restriction ended): {}",
    "add_tags": "add tags without removing others: {'tags': [str]}",
    "remove_tags": "remove only these tags: {'tags': [str]}",
    "add_note": "internal note, never public, no title: {'text': str, 'marker': str}; skip if marker present",
    "assign": "assign to an agent: {'agent_id': str}",
    "move_queue": "route to a group/queue/inbox: {'queue': str|int}",
    "set_status": "set the ticket status: {'status': str}",
    "create_task": "a new internal ticket/task (ticket_id is None): {'queue', 'title', 'text', 'agent_id'?}",
}


@dataclass(frozen=True)
class InboundEvent:
    """A helpdesk event reduced to what the policy needs."""

    delivery_key: str
    event_type: str
    ticket_id: str
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    helpdesk_user_id: str | None = None
    assigned_agent_id: str | None = None
    addressed_inbox: str | None = None
    channel: str | None = None
    queue: str | None = None
    subject: str = ""
    text: str = ""
    at: dt.datetime | None = None
    ignore_reason: str | None = None  # our own note, or a staff reply: not a customer contact
    # The payload does not say who wrote (HubSpot): the worker asks the helpdesk, then decides.
    needs_lookup: bool = False
    lookup: dict = field(default_factory=dict)  # what the client needs for that (message id, thread id)
    current: dict = field(default_factory=dict)  # ticket state the client may need (e.g. existing tags)


def content_key(raw: bytes) -> str:
    """A delivery key for helpdesks that send no delivery id: the body's SHA-256."""
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def header(headers, name: str) -> str | None:
    """A header, case-insensitively, from a dict or werkzeug Headers."""
    if hasattr(headers, "get") and not isinstance(headers, dict):
        return headers.get(name)
    lowered = {k.lower(): v for k, v in headers.items()}
    return lowered.get(name.lower())


def check_shared_secret(headers, secrets: dict, header_name: str) -> None:
    """Where a helpdesk cannot sign: an optional shared-secret header, compared in constant time."""
    from .errors import SignatureError

    expected = [s for s in (secrets.get("shared_secret"), secrets.get("shared_secret_previous")) if s]
    if not expected:
        return
    given = header(headers, header_name) or ""
    if not any(hmac.compare_digest(given.encode(), e.encode()) for e in expected):
        raise SignatureError(f"missing or wrong {header_name} header")


def check_hub_signature(headers, raw: bytes, secrets: list[str | None], header_name: str = "X-Hub-Signature") -> None:
    """WebSub style: `sha1=<hex HMAC-SHA1(secret, raw body)>` (Zammad, Intercom); any active secret matches."""
    from .errors import SignatureError

    given = header(headers, header_name) or ""
    if not given.startswith("sha1="):
        raise SignatureError(f"missing or malformed {header_name}")
    digests = ["sha1=" + hmac.new(s.encode(), raw, hashlib.sha1).hexdigest() for s in secrets if s]
    if not any(hmac.compare_digest(given, d) for d in digests):
        raise SignatureError(f"wrong {header_name}")


def now_ms() -> int:
    """Milliseconds since the epoch (HubSpot's timestamps)."""
    import time

    return int(time.time() * 1000)


def strip_html(text: str | None) -> str:
    """Message bodies arrive as HTML; the screen and notes want text."""
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", " ", text or "")).strip()


class Adapter:
    """Base for adapters. Subclasses set key, title, events and schemas, and implement the methods."""

    key: str = ""
    title: str = ""
    events: tuple[str, ...] = ()
    settings_schema: type[Schema]
    secrets_schema: type[Schema]

    def verify(self, headers, raw: bytes, secrets: dict, settings: dict, now: dt.datetime) -> None:
        """Raise SignatureError unless the raw bytes are authentic."""
        raise NotImplementedError

    def parse(self, raw: bytes, headers, settings: dict) -> list[InboundEvent]:
        """The events in the body; PayloadError when malformed, UnhandledEvent when not ours."""
        raise NotImplementedError

    def handshake(self, headers, raw: bytes, settings: dict) -> dict | None:
        """A verified set-up request the helpdesk expects a specific answer to (e.g. Front's challenge)."""
        return None

    def client(self, settings: dict, secrets: dict):
        """An outbound client for this connection.

        Besides apply(ticket_id, action) and test_connection(), a client whose adapter emits events with
        needs_lookup implements lookup(ticket_id, lookup) -> dict of InboundEvent fields (emails, phones,
        assigned_agent_id, text, ignore_reason...)."""
        raise NotImplementedError


class ActionClient:
    """Outbound clients dispatch each outbox action to a `_do_<kind>` method; unknown kinds are dead-lettered."""

    label = "this helpdesk"

    def apply(self, ticket_id: str | None, action: dict) -> None:
        """Carry out one outbox action; every handler is safe to repeat."""
        from .errors import PermanentFailure

        handler = getattr(self, f"_do_{action['kind']}", None)
        if handler is None:
            raise PermanentFailure(f"{self.label} cannot {action['kind']}")
        handler(ticket_id, action)

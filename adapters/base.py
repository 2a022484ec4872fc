"""The adapter contract: verify raw bytes, parse into InboundEvents, and a client for outbound actions."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import json
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, get_type_hints

from marshmallow import Schema

from .errors import PayloadError, PermanentFailure, SignatureError

NOTE_MARKER = "[contactguard]"


class ActionKind(str, enum.Enum):
    """The actions the outbox hands a client's apply(ticket_id, action); each is safe to repeat.

    A client declares the kinds it carries out in its `actions` (tests/adapters/test_action_support.py holds
    each declaration to the handlers it has); the outbox writer (plugin/services/outbox.py) skips the rest."""

    SET_FLAG = "set_flag"
    CLEAR_FLAG = "clear_flag"
    ADD_TAGS = "add_tags"
    REMOVE_TAGS = "remove_tags"
    ADD_NOTE = "add_note"
    ASSIGN = "assign"
    MOVE_QUEUE = "move_queue"
    SET_STATUS = "set_status"
    SET_PRIORITY = "set_priority"
    CREATE_TASK = "create_task"
    LOOKUP = "lookup"


ACTION_KINDS = {
    ActionKind.SET_FLAG: "show the arrangement on the ticket: {'value': str} (a custom field or property)",
    ActionKind.CLEAR_FLAG: "remove the arrangement from the ticket's field or property (the restriction ended): {}",
    ActionKind.ADD_TAGS: "add tags without removing others: {'tags': [str]}",
    ActionKind.REMOVE_TAGS: "remove only these tags: {'tags': [str]}",
    ActionKind.ADD_NOTE: "internal note, never public, no title: {'text': str, 'marker': str}; skip if marker present",
    ActionKind.ASSIGN: (
        "assign to an agent: {'agent_id': str, 'only_from'?: str}; with only_from (the sole point of contact "
        "changed), only a ticket still open and held by that agent is reassigned (the client's holder())"
    ),
    ActionKind.MOVE_QUEUE: "route to a group/queue/inbox: {'queue': str|int}",
    ActionKind.SET_STATUS: "set the ticket status: {'status': str}",
    ActionKind.SET_PRIORITY: (
        "raise the ticket to the priority a safeguarding concern needs: {'priority': 'urgent'} "
        "(the client maps it to the helpdesk's own highest level, a connection setting may name another)"
    ),
    ActionKind.CREATE_TASK: "a new internal ticket/task (ticket_id is None): {'queue', 'title', 'text', 'agent_id'?}",
    ActionKind.LOOKUP: "ask who wrote (the client's lookup(ticket_id, lookup)), then decide: {'event': {...}}",
}


# Every kind that writes to a ticket (or creates one): what a client with all the handlers declares.
TICKET_ACTIONS = frozenset(ActionKind) - {ActionKind.LOOKUP}


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


def matches(given, expected: str) -> bool:
    """Constant-time comparison of a header value with what we expect, safe for any bytes a client sends.

    hmac.compare_digest refuses str with non-ASCII characters (TypeError): compare the UTF-8 bytes instead."""
    if not isinstance(given, str) or not given:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number out of range: {text[:20]}")
    return value


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def loads(raw: bytes):
    """A webhook body as JSON, strictly: NaN, Infinity and numbers beyond a float are refused (ValueError), as
    are integers of over 4300 digits (Python's own limit); RecursionError when nested too deeply."""
    return json.loads(raw, parse_float=_finite, parse_constant=_no_constant)


def header(headers, name: str) -> str | None:
    """A header, case-insensitively, from a dict or werkzeug Headers."""
    if hasattr(headers, "get") and not isinstance(headers, dict):
        return headers.get(name)
    lowered = {k.lower(): v for k, v in headers.items()}
    return lowered.get(name.lower())


def check_shared_secret(headers, secrets: dict, header_name: str) -> None:
    """Where a helpdesk cannot sign: an optional shared-secret header, compared in constant time."""
    expected = [s for s in (secrets.get("shared_secret"), secrets.get("shared_secret_previous")) if s]
    if not expected:
        return
    given = header(headers, header_name) or ""
    if not any(matches(given, e) for e in expected):
        raise SignatureError(f"missing or wrong {header_name} header")


def check_hub_signature(headers, raw: bytes, secrets: list[str | None], header_name: str = "X-Hub-Signature") -> None:
    """WebSub style: `sha1=<hex HMAC-SHA1(secret, raw body)>` (Zammad, Intercom); any active secret matches."""
    given = header(headers, header_name) or ""
    if not given.startswith("sha1="):
        raise SignatureError(f"missing or malformed {header_name}")
    digests = ["sha1=" + hmac.new(s.encode(), raw, hashlib.sha1).hexdigest() for s in secrets if s]
    if not any(matches(given, d) for d in digests):
        raise SignatureError(f"wrong {header_name}")


def from_epoch(value, milliseconds: bool = False) -> dt.datetime | None:
    """Unix time (seconds, or milliseconds) as an aware UTC time; None when absent, not a number or out of range
    (datetime.fromtimestamp raises ValueError, OverflowError or OSError on values a helpdesk never sends)."""
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        seconds = float(value) / (1000 if milliseconds else 1)
        return dt.datetime.fromtimestamp(seconds, dt.timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


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
    # The signature covers the URL and method as the helpdesk called them: the receiver passes them to
    # verify() in settings as `_request_url` and `_request_method` (worked out only for such adapters).
    signs_request_url: bool = False
    # A helpdesk that needs its own answer to every accepted delivery (Salesforce's SOAP <Ack>true</Ack>):
    # (body, mimetype), sent in place of the receiver's JSON; the same whatever the delivery held.
    acknowledgement: tuple[bytes, str] | None = None

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
        """An outbound client for this connection; annotate its class as the return type (supported_actions).

        Besides apply(ticket_id, action) and test_connection(), a client whose adapter emits events with
        needs_lookup implements lookup(ticket_id, lookup) -> dict of InboundEvent fields (emails, phones,
        assigned_agent_id, text, ignore_reason...). A client that can apply several of a ticket's actions in
        one call sets `applies_together` (the kinds it combines) and implements apply_together(ticket_id,
        actions): all applied, or an error for the whole call (plugin/worker/outbox.py)."""
        raise NotImplementedError

    def client_class(self) -> Any:
        """The class client() returns (its annotation), to ask what it can do without a connection."""
        return get_type_hints(type(self).client)["return"]

    def supported_actions(self) -> frozenset[ActionKind]:
        """The action kinds this adapter's client declares: the `actions` of the class client() returns."""
        return frozenset(self.client_class().actions)


class ActionClient:
    """Outbound clients dispatch each outbox action to a `_do_<kind>` method; unknown kinds are dead-lettered.

    `actions` declares the kinds a client carries out: one `_do_<kind>` each, and ActionKind.LOOKUP when it
    has lookup(); the outbox writer does not queue the other kinds for its connections."""

    label = "this helpdesk"
    actions: ClassVar[frozenset[ActionKind]] = frozenset()

    def apply(self, ticket_id: str | None, action: dict) -> None:
        """Carry out one outbox action; every handler is safe to repeat."""
        handler = getattr(self, f"_do_{action['kind']}", None)
        if handler is None:
            raise PermanentFailure(f"{self.label} cannot {action['kind']}")
        if action.get("only_from") is not None and not self._still_held_by(ticket_id, str(action["only_from"])):
            return  # someone else took the ticket, or it was closed: theirs to keep
        handler(ticket_id, action)

    def holder(self, ticket_id: str) -> Holder:
        """Who holds the ticket now and whether it is still open (for a conditional assignment)."""
        raise PermanentFailure(f"{self.label} cannot tell who holds a ticket")

    def _still_held_by(self, ticket_id: str | None, agent_id: str) -> bool:
        if ticket_id is None:
            return False
        held = self.holder(ticket_id)
        return held.open and held.agent_id == agent_id


@dataclass(frozen=True)
class Holder:
    """A ticket's assignee (None when nobody holds it) and whether it is still open."""

    agent_id: str | None
    open: bool


# What the database stores of an event (webhook_events and outbox_actions columns), and how many identities
# one event may name: a body is at most 1 MB, but an event naming thousands of addresses is not a contact.
FIELD_LIMITS = {"delivery_key": 128, "event_type": 64, "ticket_id": 64}
TEXT_FIELDS = (
    "delivery_key",
    "event_type",
    "ticket_id",
    "helpdesk_user_id",
    "assigned_agent_id",
    "addressed_inbox",
    "channel",
    "queue",
    "subject",
    "text",
    "ignore_reason",
)
MAX_IDENTITIES = 20
EARLIEST, LATEST = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc), dt.datetime(2200, 1, 1, tzinfo=dt.timezone.utc)


def _text(name: str, value, required: bool = False) -> str | None:
    """One value as text the database accepts: no NUL (PostgreSQL refuses it), valid Unicode, within its column."""
    if value is None or value == "":
        if required:
            raise PayloadError(f"{name} is missing")
        return value
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise PayloadError(f"{name} must be text, not {type(value).__name__}")
    value = str(value)
    if "\x00" in value:
        raise PayloadError(f"{name} contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PayloadError(f"{name} is not valid Unicode (a lone surrogate)") from None
    limit = FIELD_LIMITS.get(name)
    if limit and len(value) > limit:
        raise PayloadError(f"{name} is longer than {limit} characters")
    return value


def _plain(name: str, value, depth: int = 0):
    """Lookup and current state: JSON of text, numbers and booleans, checked like the fields."""
    if depth > 8:
        raise PayloadError(f"{name} is nested too deeply")
    if isinstance(value, dict):
        return {_text(f"{name} key", k, required=True): _plain(f"{name}.{k}", v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(name, v, depth + 1) for v in value]
    if isinstance(value, str):
        return _text(name, value)
    if (
        value is None
        or isinstance(value, (bool, int))
        or (isinstance(value, float) and value == value and abs(value) != float("inf"))
    ):
        return value
    raise PayloadError(f"{name} holds a value that is not JSON ({type(value).__name__})")


def check_event(event: InboundEvent) -> InboundEvent:
    """The event as the database can store it, or PayloadError naming the field (never a 500 later on).

    Every adapter's events pass here in the receiver: NUL characters and lone surrogates are refused, ids are
    text within their columns, identities are lists of text, and the time is a real, aware time."""
    changes: dict[str, Any] = {
        name: _text(name, getattr(event, name), required=name in FIELD_LIMITS) for name in TEXT_FIELDS
    }
    changes["subject"], changes["text"] = changes["subject"] or "", changes["text"] or ""
    for name in ("emails", "phones"):
        values = getattr(event, name)
        if not isinstance(values, (tuple, list)):
            raise PayloadError(f"{name} must be a list of text")
        if len(values) > MAX_IDENTITIES:
            raise PayloadError(f"more than {MAX_IDENTITIES} {name} in one event")
        changes[name] = tuple(v for v in (_text(name, v) for v in values) if v)
    at = event.at
    if at is not None:
        if not isinstance(at, dt.datetime) or at.tzinfo is None or at.utcoffset() is None:
            raise PayloadError("the event time has no zone")
        if not EARLIEST <= at <= LATEST:
            raise PayloadError("the event time is out of range")
    changes["lookup"] = _plain("lookup", event.lookup or {})
    changes["current"] = _plain("current", event.current or {})
    return replace(event, **changes)

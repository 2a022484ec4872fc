"""POST /webhooks/<token>: fail closed, lose nothing, act once, and tell the caller nothing it may not know.

Order matters: the connection is looked up before the body is read (an unknown or inactive URL costs nothing);
the body is read in chunks up to MAX_BODY (a chunked body without Content-Length is cut off at the limit, never
read whole); the raw bytes are verified before they are parsed; each event is checked (NUL characters, lengths,
types) before it reaches the database; then each event is stored with one insert, keyed for de-duplication,
and committed before the answer goes back (on SQLite together with the other requests waiting, in one
transaction: webhooks/group_commit.py). Deciding (matching the register, the policy's decision, the
helpdesk actions and the audit entry) is the worker's job (plugin/worker/decisions.py), woken at once by
the commit; the request does the minimum, the same on every database. The answer is the same whatever the
event is: anyone holding the URL must not learn whether an address is on the register.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.exc import DataError
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

from adapters import get_adapter
from adapters.base import check_event
from adapters.errors import PayloadError, SignatureError, UnhandledEvent
from plugin.clock import utcnow

from .connection_cache import ConnectionCache
from .group_commit import EventStore

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__)
MAX_BODY = 1024 * 1024
CHUNK = 64 * 1024
MAX_EVENTS = 1000  # HubSpot batches up to 100; more in one delivery is not a helpdesk
# What hostile or broken input makes parsing code raise: each is a malformed payload (400), never a 500.
UNREADABLE = (
    ValueError,
    TypeError,
    AttributeError,
    KeyError,
    IndexError,
    LookupError,
    RecursionError,
    OverflowError,
    UnicodeError,
    ArithmeticError,
    OSError,
)


ACCEPTED = '{"events": %d, "status": "accepted"}\n'  # jsonify's answer, without its encoder on the hot path


class TooLarge(Exception):
    """The body is over MAX_BODY."""


def _error(status: int, code: str, message: str):
    return jsonify(code=code, status=status, message=message, errors={}), status


def _event_store() -> EventStore:
    """This app's event store (one writer thread per process on SQLite; on PostgreSQL its own pool of
    connections, not pinged before each webhook: the store retries once on a closed one)."""
    store = current_app.extensions.get("contactguard.event_store")
    if store is None:
        store = EventStore(current_app.extensions["contactguard.webhook_engine"])
        current_app.extensions["contactguard.event_store"] = store
    return store


def _cache() -> ConnectionCache:
    cache = current_app.extensions.get("contactguard.connections")
    if cache is None:
        cache = current_app.extensions["contactguard.connections"] = ConnectionCache(current_app.config["CONTACTGUARD"])
    return cache


def read_body(limit: int = MAX_BODY) -> bytes:
    """The raw body, read in chunks and never more than limit + 1 bytes (TooLarge beyond the limit).

    With Content-Length (checked first) werkzeug ends the stream there, so the whole body comes in one read
    and a shorter body raises ClientDisconnected. A chunked body has none, so the stream itself is limited:
    werkzeug's max_content_length wraps it when the server terminates the stream (gunicorn and werkzeug do),
    but its read() of everything stops silently at the limit (a truncated body, not a 413), so the count is
    ours."""
    if request.content_length is None:
        request.max_content_length = limit + 1  # our count sees limit + 1 bytes and refuses
    elif request.content_length > limit:
        raise TooLarge()
    stream = request.stream
    parts, size = [], 0
    try:
        while size <= limit:
            chunk = stream.read(min(CHUNK, limit + 1 - size))
            if not chunk:
                break
            parts.append(chunk)
            size += len(chunk)
    except RequestEntityTooLarge:
        raise TooLarge() from None
    if size > limit:
        raise TooLarge()
    return b"".join(parts)


@bp.post("/webhooks/<token>")
def receive(token: str):
    """Receive one helpdesk delivery."""
    sessions = current_app.extensions["contactguard.sessions"]
    connection = _cache().get(sessions, token) if len(token) <= 64 else None
    if connection is None or not connection.active:
        log.warning("webhook for unknown or inactive connection")
        return _error(404, "unknown_connection", "no such webhook")
    try:
        raw = read_body()
    except TooLarge:
        log.warning("webhook body over %d bytes connection=%s", MAX_BODY, connection.id[:6])
        return _error(413, "too_large", f"body over {MAX_BODY} bytes")
    except ClientDisconnected:
        return _error(400, "malformed_payload", "the body ended early")
    adapter = get_adapter(connection.adapter)
    try:
        events = _verified_events(adapter, connection, raw)
    except SignatureError as exc:
        log.warning("webhook refused connection=%s reason=%s", connection.id[:6], exc)
        return _error(401, "bad_signature", str(exc))
    except PayloadError as exc:
        log.warning("webhook malformed connection=%s reason=%s", connection.id[:6], exc)
        return _error(400, "malformed_payload", str(exc))
    except UnhandledEvent as exc:
        log.info("webhook not handled connection=%s type=%.64s", connection.id[:6], exc.event_type)
        return jsonify(status="ignored", reason=str(exc)[:200]), 200
    if isinstance(events, dict):  # the handshake's answer
        log.info("webhook handshake connection=%s", connection.id[:6])
        return jsonify(events), 200
    try:
        _event_store().store(connection.id, events, utcnow())
    except DataError as exc:  # a value the database refused that check_event did not foresee
        log.warning(
            "webhook value refused by the database connection=%s: %s", connection.id[:6], type(exc.orig).__name__
        )
        return _error(400, "malformed_payload", "a value in the payload cannot be stored")
    # Never the outcome, nor whether the delivery was new: only that it was received.
    if adapter.acknowledgement is not None:  # the helpdesk's own answer (Salesforce resends unacknowledged messages)
        body, mimetype = adapter.acknowledgement
        return current_app.response_class(body, mimetype=mimetype)
    return current_app.response_class(ACCEPTED % len(events), mimetype="application/json")


def _verified_events(adapter, connection, raw: bytes):
    """Verify, answer a handshake (a dict) or parse and check the events; SignatureError / PayloadError otherwise."""
    try:
        seen_as = connection.settings
        if adapter.signs_request_url:  # the URL and method as the helpdesk called them (HubSpot v2/v3)
            seen_as = {**seen_as, "_request_url": request.url, "_request_method": request.method}
        adapter.verify(request.headers, raw, connection.secrets, seen_as, utcnow())
    except UNREADABLE as exc:
        log.warning("webhook signature unreadable connection=%s error=%s", connection.id[:6], type(exc).__name__)
        raise SignatureError("unreadable signature headers") from None
    try:
        answer = adapter.handshake(request.headers, raw, connection.settings)
        if answer is not None:
            return answer
        events = adapter.parse(raw, request.headers, connection.settings)
        if len(events) > MAX_EVENTS:
            raise PayloadError(f"more than {MAX_EVENTS} events in one delivery")
        return [check_event(event) for event in events]
    except RecursionError:
        raise PayloadError("the JSON is nested too deeply") from None
    except UnicodeError:
        raise PayloadError("the body is not valid UTF-8 JSON") from None
    except UNREADABLE as exc:
        log.warning("webhook unreadable connection=%s error=%s", connection.id[:6], type(exc).__name__)
        raise PayloadError(f"not a {adapter.title} webhook body this adapter can read ({type(exc).__name__})") from None

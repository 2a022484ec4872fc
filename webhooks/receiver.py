"""POST /webhooks/<connection-id>: fail closed, lose nothing, act once.

Order matters: the raw body is verified before it is parsed; the event, its decision, the
outbox actions and the audit entry are committed together before the answer goes back.
"""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.exc import IntegrityError

from adapters import get_adapter
from adapters.errors import PayloadError, SignatureError, UnhandledEvent
from plugin.clock import utcnow
from plugin.services import Actor, Context
from plugin.services.pipeline import ingest, record_if_unrestricted

from .connection_cache import ConnectionCache

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__)
MAX_BODY = 1024 * 1024


def _error(status: int, code: str, message: str):
    return jsonify(code=code, status=status, message=message, errors={}), status


def _cache() -> ConnectionCache:
    cache = current_app.extensions.get("contactguard.connections")
    if cache is None:
        cache = current_app.extensions["contactguard.connections"] = ConnectionCache(current_app.config["CONTACTGUARD"])
    return cache


@bp.post("/webhooks/<connection_id>")
def receive(connection_id: str):
    """Receive one helpdesk delivery."""
    if (request.content_length or 0) > MAX_BODY:
        return _error(413, "too_large", f"body over {MAX_BODY} bytes")
    raw = request.get_data(cache=True)
    sessions = current_app.extensions["contactguard.sessions"]
    with sessions() as session:
        connection = _cache().get(session, connection_id)
        session.rollback()  # end the read; each event is written in its own transaction
        if connection is None or not connection.active:
            log.warning("webhook for unknown or inactive connection")
            return _error(404, "unknown_connection", "no such webhook")
        adapter = get_adapter(connection.adapter)
        try:
            # Some schemes sign the URL and method as the helpdesk called them (HubSpot v2/v3).
            seen_as = {**connection.settings, "_request_url": request.url, "_request_method": request.method}
            adapter.verify(request.headers, raw, connection.secrets, seen_as, utcnow())
            answer = adapter.handshake(request.headers, raw, connection.settings)
            if answer is not None:
                log.info("webhook handshake connection=%s", connection_id[:6])
                return jsonify(answer), 200
            events = adapter.parse(raw, request.headers, connection.settings)
        except SignatureError as exc:
            log.warning("webhook refused connection=%s reason=%s", connection_id[:6], exc)
            return _error(401, "bad_signature", str(exc))
        except PayloadError as exc:
            log.warning("webhook malformed connection=%s", connection_id[:6])
            return _error(400, "malformed_payload", str(exc))
        except UnhandledEvent as exc:
            log.info("webhook not handled connection=%s type=%s", connection_id[:6], exc.event_type)
            return jsonify(status="ignored", reason=str(exc)), 200
        ctx = Context(session, Actor.system("webhook"), current_app.config["CONTACTGUARD"])
        results = [_ingest_one(ctx, connection, event) for event in events]
    return jsonify(status="accepted", results=results), 200


def _ingest_one(ctx: Context, connection, event) -> dict:
    """Commit one event; a duplicate (a retry, a replay, a concurrent twin) loses on the unique key."""
    try:
        if _fast_allow(connection, event):
            return {"delivery": event.delivery_key, "status": "processed", "outcome": "allow"}
        with ctx.session.begin():
            result = ingest(ctx, connection, event)
    except IntegrityError:
        ctx.session.rollback()
        log.info("duplicate delivery connection=%s delivery=%s", connection.id[:6], event.delivery_key)
        return {"delivery": event.delivery_key, "status": "duplicate"}
    return {"delivery": event.delivery_key, "status": result.status, "outcome": result.outcome}


def _fast_allow(connection, event) -> bool:
    """On PostgreSQL most contacts (not restricted) are recorded by one autocommit statement."""
    engine = current_app.extensions["contactguard.engine"]
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return record_if_unrestricted(conn, connection.id, event, utcnow())

"""Liveness and readiness for load balancers and the operator on call."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import text

from adapters.base import matches

from .. import __version__
from ..clock import utcnow
from ..config import settings_of
from ..secretbox import KeyLost, check_key
from ..services import outbox as outbox_service
from ..worker import decisions, outbox

UNDECIDED_TOO_LONG = dt.timedelta(minutes=2)  # the worker decides within a second; this long means it is not

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process is up."""
    return jsonify(status="ok", version=__version__)


def monitoring_allowed() -> bool:
    """The request carries the MONITORING_TOKEN (constant-time compare); never when no token is set."""
    token = settings_of(current_app).MONITORING_TOKEN
    given = request.headers.get("Authorization", "")
    return token is not None and given.startswith("Bearer ") and matches(given[len("Bearer ") :], token)


@bp.get("/readyz")
def readyz():
    """The database answers (else 503 with the reason); with the monitoring token, the detail shows what needs a
    person's attention (counts of waiting and dead-lettered actions are not for anyone who asks).

    Dead-lettered helpdesk actions do not make the service unready (it still receives webhooks), but
    they are named here so the operator on call sees them.
    """
    try:
        with current_app.extensions["contactguard.sessions"]() as session:
            session.execute(text("SELECT 1"))
            queue = outbox.summary(session)
            outages = outbox_service.outages(session)
            undecided = decisions.waiting(session, utcnow() - UNDECIDED_TOO_LONG)
            check_key(session, settings_of(current_app))
    except KeyLost as exc:
        current_app.logger.error("readiness check failed: the secret key cannot open the stored secrets")
        return jsonify(status="unavailable", reason=f"secret key: {exc}"), 503
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        current_app.logger.warning("readiness check failed: %s", type(exc).__name__)
        return jsonify(status="unavailable", reason=f"database: {type(exc).__name__}"), 503
    attention = []
    if undecided:
        attention.append(
            f"{undecided} webhook event(s) waiting over {UNDECIDED_TOO_LONG.seconds // 60} minutes "
            "for a decision: is `contactguard worker` running? (its log names any event it cannot decide)"
        )
    for o in outages:
        attention.append(
            f"helpdesk {o.name} unreachable since {o.since.isoformat()}: {o.waiting} action(s) waiting "
            "(probed every few seconds; they go out in order when it answers)"
        )
    if queue["dead"]:
        attention.append(
            f"{queue['dead']} helpdesk action(s) refused for good and need a person: "
            "the admin outbox page (/admin/outbox) retries or discards them"
        )
    if not monitoring_allowed():
        return jsonify(status="ready")
    return jsonify(
        status="ready", detail={"database": "ok", "outbox": queue, "undecided_events": undecided}, attention=attention
    )

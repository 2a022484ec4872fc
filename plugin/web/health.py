"""Liveness and readiness for load balancers and the operator on call."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from .. import __version__
from ..clock import utcnow
from ..config import settings_of
from ..secretbox import KeyLost, check_key
from ..worker import decisions, outbox

UNDECIDED_TOO_LONG = dt.timedelta(minutes=2)  # the worker decides within a second; this long means it is not

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process is up."""
    return jsonify(status="ok", version=__version__)


@bp.get("/readyz")
def readyz():
    """The database answers (else 503 with the reason); the detail shows what needs a person's attention.

    Dead-lettered helpdesk actions do not make the service unready (it still receives webhooks), but
    they are named here so the operator on call sees them.
    """
    try:
        with current_app.extensions["contactguard.sessions"]() as session:
            session.execute(text("SELECT 1"))
            queue = outbox.summary(session)
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
    if queue["dead"]:
        attention.append(
            f"{queue['dead']} helpdesk action(s) gave up and need a person: "
            "`contactguard outbox dead`, then `contactguard outbox retry`"
        )
    return jsonify(
        status="ready", detail={"database": "ok", "outbox": queue, "undecided_events": undecided}, attention=attention
    )

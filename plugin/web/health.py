"""Liveness and readiness for load balancers and the operator on call."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from .. import __version__

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process is up."""
    return jsonify(status="ok", version=__version__)


@bp.get("/readyz")
def readyz():
    """The database answers; 503 with the reason when it does not."""
    try:
        with current_app.extensions["contactguard.engine"].connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        current_app.logger.warning("readiness check failed: %s", type(exc).__name__)
        return jsonify(status="unavailable", reason=f"database: {type(exc).__name__}"), 503
    return jsonify(status="ready")

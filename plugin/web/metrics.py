"""GET /metrics: Prometheus text format (plugin/metrics.py says what is counted and how)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from .. import metrics
from ..config import settings_of
from .health import monitoring_allowed

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def scrape():
    """The metrics, for a request with the monitoring token (CONTACTGUARD_MONITORING_TOKEN) only."""
    if not monitoring_allowed():
        configured = settings_of(current_app).MONITORING_TOKEN is not None
        message = (
            "send the monitoring token: Authorization: Bearer <token>"
            if configured
            else "metrics are off: set CONTACTGUARD_MONITORING_TOKEN and send it as a Bearer token"
        )
        reply = jsonify(code="unauthenticated", status=401, message=message, errors={})
        return reply, 401, {"WWW-Authenticate": 'Bearer realm="contactguard monitoring"'}
    registry = current_app.extensions.get("contactguard.metrics")
    if registry is None:
        registry = current_app.extensions["contactguard.metrics"] = metrics.registry_for(
            current_app.extensions["contactguard.sessions"]
        )
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


@bp.after_app_request
def count_webhook_responses(response):
    """Every answer to a webhook delivery, refused ones included, by status class."""
    if request.method == "POST" and request.path.startswith("/webhooks/"):
        metrics.observe_webhook_response(response.status_code)
    return response

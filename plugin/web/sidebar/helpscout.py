"""Help Scout's Dynamic App: POST /sidebar/<connection id>/helpscout, signed like Help Scout's webhooks, answers {"html"}."""

from __future__ import annotations

import logging

from flask import current_app, jsonify, render_template, request

from adapters import REGISTRY
from adapters.errors import SignatureError

from ...clock import utcnow
from ...config import settings_of
from ...services import connections as conns
from ...services import sidebar as sb
from ...services.context import Actor, Context
from ..auth import csrf
from . import bp, connection_or_404, json_or_none

log = logging.getLogger(__name__)


@bp.post("/<connection_id>/helpscout")
@csrf.exempt
def helpscout(connection_id: str):
    """Help Scout's Dynamic App: a JSON body signed like its webhooks; the answer is {"html": ...}.

    The app's secret key is the connection's webhook secret (current or previous, as for webhooks).
    """
    settings = settings_of(current_app)
    raw = request.get_data()
    with current_app.extensions["contactguard.sessions"]() as session, session.begin():
        connection = connection_or_404(session, connection_id, adapter="helpscout")
        ctx = Context(session, Actor.system(f"sidebar:{connection.id[:6]}"), settings)
        try:
            REGISTRY["helpscout"].verify(
                request.headers, raw, conns.secrets_of(ctx, connection), connection.settings, utcnow()
            )
        except SignatureError:
            log.info("sidebar request refused connection=%s adapter=helpscout status=403", connection.id[:6])
            return _refused_json(403, "The request's X-HelpScout-Signature is not valid for this connection.")
        body = json_or_none(raw)
        if not isinstance(body, dict):
            return _refused_json(400, "Expected Help Scout's JSON with the customer and the ticket.")
        customer, ticket = body.get("customer") or {}, body.get("ticket") or {}
        emails = [e for e in [customer.get("email"), *(customer.get("emails") or [])] if isinstance(e, str) and e]
        found = sb.panel_for(
            ctx,
            connection,
            emails=emails,
            helpdesk_user_id=str(customer["id"]) if customer.get("id") else None,
            ticket_id=str(ticket["id"]) if ticket.get("id") else None,
        )
        return jsonify(html=render_template("sidebar/_panel_body.html", panel=found))


def _refused_json(status: int, message: str):
    html = render_template("sidebar/_refused_body.html", message=message)
    return jsonify(html=html, status=status, message=message), status

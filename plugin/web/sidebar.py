"""The panel beside the ticket, as a small signed page any helpdesk can show (django-helpdesk and others).

GET /sidebar/<connection url token>/panel?ticket=ID&email=...&exp=UNIX&sig=HEX, where sig is the hex
HMAC-SHA256 of the canonical query under the connection's sidebar key (plugin/services/sidebar.py;
`contactguard connections sidebar-link ID` prints the template). No sign-in: the signature is the
permission, so a link that is unsigned, expired or tampered with gets a small page saying so, never the data.
The page is self-contained (inline CSS, no JavaScript, no external assets) so it can sit in an iframe.
"""

from __future__ import annotations

import json
import logging

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from sqlalchemy import select

from adapters import REGISTRY
from adapters.errors import SignatureError

from ..clock import utcnow
from ..models import Connection
from ..services import connections as conns
from ..services import sidebar as sb
from ..services.context import Actor, Context
from .auth import csrf

log = logging.getLogger(__name__)
bp = Blueprint("sidebar", __name__, url_prefix="/sidebar", template_folder="sidebar_templates")

# The panel is meant to be framed by the helpdesk; it still holds personal data, so never cached.
PANEL_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors *",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@bp.get("/<token>/panel")
def panel(token: str):
    """The panel for the ticket's customer, if the link is signed and in date."""
    settings = current_app.config["CONTACTGUARD"]
    with current_app.extensions["contactguard.sessions"]() as session, session.begin():
        connection = _connection_or_404(session, token)
        params = list(request.args.items(multi=True))
        try:
            sb.check_link(settings, connection, params, utcnow())
        except sb.LinkRefused as refused:
            log.info("sidebar link refused connection=%s status=%s", connection.id[:6], refused.status)
            return _page("sidebar/refused.html", refused.status, message=refused.message)
        ctx = Context(session, Actor.system(f"sidebar:{connection.id[:6]}"), settings)
        found = sb.panel_for(
            ctx,
            connection,
            emails=request.args.getlist("email"),
            phones=request.args.getlist("phone"),
            helpdesk_user_id=request.args.get("user"),
            ticket_id=request.args.get("ticket"),
        )
        return _page("sidebar/panel.html", 200, panel=found)


@bp.post("/<token>/helpscout")
@csrf.exempt
def helpscout(token: str):
    """Help Scout's Dynamic App: a JSON body signed like its webhooks; the answer is {"html": ...}.

    The app's secret key is the connection's webhook secret (current or previous, as for webhooks).
    """
    settings = current_app.config["CONTACTGUARD"]
    raw = request.get_data()
    with current_app.extensions["contactguard.sessions"]() as session, session.begin():
        connection = _connection_or_404(session, token, adapter="helpscout")
        ctx = Context(session, Actor.system(f"sidebar:{connection.id[:6]}"), settings)
        try:
            REGISTRY["helpscout"].verify(
                request.headers, raw, conns.secrets_of(ctx, connection), connection.settings, utcnow()
            )
        except SignatureError:
            log.info("sidebar request refused connection=%s adapter=helpscout status=403", connection.id[:6])
            return _refused_json(403, "The request's X-HelpScout-Signature is not valid for this connection.")
        body = _json_or_none(raw)
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


def _json_or_none(raw: bytes):
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _refused_json(status: int, message: str):
    html = render_template("sidebar/_refused_body.html", message=message)
    return jsonify(html=html, status=status, message=message), status


def _connection_or_404(session, token: str, adapter: str | None = None) -> Connection:
    connection = session.scalar(select(Connection).where(Connection.url_token == token, Connection.active.is_(True)))
    if connection is None or (adapter is not None and connection.adapter != adapter):
        abort(404)
    return connection


def _page(template: str, status: int, **values):
    return render_template(template, **values), status, PANEL_HEADERS

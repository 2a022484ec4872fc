"""The Freshdesk app's back end: POST /sidebar/<connection id>/freshdesk answers {"html": ...} for the ticket sidebar.

The app (plugin/sidebar_apps/freshdesk/, packed by plugin/services/sidebar_packages.py) runs in Freshdesk's
`ticket_sidebar` placeholder and calls this endpoint through its request template, which Freshworks' platform sends
from its own servers with the secure installation parameter `sidebar_secret` in the X-Contactguard-Sidebar-Secret
header (https://developers.freshworks.com/docs/app-sdk/v3.0/support_ticket/advanced-interfaces/request-method/;
secure iparams are usable only in request templates, never read by the browser). Freshworks does not sign these
requests, so the secret is the permission: compared in constant time with the connection's own, which is derived from
the app's key, the connection's id and its token generation (`connections rotate-url` revokes it). The body is the app's JSON:
{"ticket": {"id"}, "requester": {"id", "email", "phone", "mobile"}}.
"""

from __future__ import annotations

from flask import jsonify, render_template, request

from adapters.base import header, matches

from ...services import sidebar as sb
from ...services.sidebar_packages import FRESHDESK_SECRET_HEADER, freshdesk_secret
from ..auth import csrf
from . import bp, json_or_none
from .panel_words import log_refusal, object_or_empty, sidebar_request, text_or_none, texts


@bp.post("/<connection_id>/freshdesk")
@csrf.exempt
def freshdesk(connection_id: str):
    """The HTML panel for the ticket's requester; a missing or wrong secret gets no data."""
    with sidebar_request(connection_id, "freshdesk") as (connection, ctx):
        given = header(request.headers, FRESHDESK_SECRET_HEADER) or ""
        if not matches(given, freshdesk_secret(ctx.settings, connection)):
            log_refusal(connection, 403)
            return _refused(403, f"The request's {FRESHDESK_SECRET_HEADER} is not valid for this connection.")
        body = json_or_none(request.get_data())
        if not isinstance(body, dict):
            return _refused(400, "Expected the app's JSON with the ticket and its requester.")
        requester, ticket = object_or_empty(body.get("requester")), object_or_empty(body.get("ticket"))
        found = sb.panel_for(
            ctx,
            connection,
            emails=texts(requester.get("email")),
            phones=texts(requester.get("phone"), requester.get("mobile")),
            helpdesk_user_id=text_or_none(requester.get("id")),
            ticket_id=text_or_none(ticket.get("id")),
        )
        return jsonify(html=render_template("sidebar/_panel_body.html", panel=found))


def _refused(status: int, message: str):
    html = render_template("sidebar/_refused_body.html", message=message)
    return jsonify(html=html, status=status, message=message), status

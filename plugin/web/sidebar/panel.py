"""The plain signed-link panel, for django-helpdesk and any helpdesk that can show a link or an iframe.

GET /sidebar/<connection id>/panel?ticket=ID&email=...&exp=UNIX&sig=HEX, where sig is the hex
HMAC-SHA256 of the canonical query under the connection's sidebar key (plugin/services/sidebar.py;
`contactguard connections sidebar-link ID` prints the template). No sign-in: the signature is the
permission, so a link that is unsigned, expired or tampered with gets a small page saying so, never the data.
The page is self-contained (inline CSS, no JavaScript, no external assets) so it can sit in an iframe.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from flask import current_app, request, url_for

from ...clock import utcnow
from ...config import settings_of
from ...services import sidebar as sb
from ...services.context import Actor, Context
from . import bp, connection_or_404, page

log = logging.getLogger(__name__)


@bp.get("/<connection_id>/panel")
def panel(connection_id: str):
    """The panel for the ticket's customer, if the link is signed and in date."""
    settings = settings_of(current_app)
    with current_app.extensions["contactguard.sessions"]() as session, session.begin():
        connection = connection_or_404(session, connection_id)
        params = list(request.args.items(multi=True))
        try:
            sb.check_link(settings, connection, params, utcnow())
        except sb.LinkRefused as refused:
            log.info("sidebar link refused connection=%s status=%s", connection.id[:6], refused.status)
            return page("sidebar/refused.html", refused.status, message=refused.message)
        ctx = Context(session, Actor.system(f"sidebar:{connection.id[:6]}"), settings)
        found = sb.panel_for(
            ctx,
            connection,
            emails=request.args.getlist("email"),
            phones=request.args.getlist("phone"),
            helpdesk_user_id=request.args.get("user"),
            ticket_id=request.args.get("ticket"),
        )
        if found.link is None and found.customer_reference:
            # This page is served by contactguard itself: without PUBLIC_URL the link is still right as a path.
            found = replace(found, link=url_for("casework.customer", reference=found.customer_reference))
        return page("sidebar/panel.html", 200, panel=found)

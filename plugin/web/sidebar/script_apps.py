"""What the script-driven apps (Zendesk's ticket sidebar app, Front's plugin) share: their page and the panel fetch.

Each app's first request is checked by its helpdesk's own scheme (zendesk.py, front.py) and answered with a small
page: the helpdesk's SDK (from the origin its documentation names), contactguard's own scripts from static/, and a
short-lived panel token (plugin/services/sidebar_tokens.py). The script reads the customer's address from the SDK and
POSTs it with the token to /sidebar/<connection id>/<app>/panel, which answers the panel's HTML fragment. The page's CSP lets
scripts come only from contactguard itself and that one SDK origin, fetches go only to contactguard, and only the
helpdesk may frame it.
"""

from __future__ import annotations

from pathlib import Path

from flask import render_template, request, send_from_directory, url_for

from ...clock import utcnow
from ...models import Connection
from ...services import sidebar as sb
from ...services import sidebar_tokens
from ...services.context import Context
from . import PANEL_HEADERS, bp, json_or_none
from .panel_words import log_refusal, sidebar_request, text_or_none, texts

STATIC = Path(__file__).resolve().parent / "static"
TOKEN_HEADER = "Authorization"
TOKEN_SCHEME = "Bearer "
MOST_EMAILS = 10  # a customer has a few addresses; a long list is not a panel request


def app_page(connection: Connection, ctx: Context, app: str, *, sdk_url: str, frame_ancestors: str):
    """The app's page for a request its helpdesk's check accepted: the SDK, static/panel_fetch.js and
    static/<app>_panel.js, and a fresh panel token."""
    values = {
        "app": app,
        "sdk_url": sdk_url,
        "fetch_url": url_for(f"sidebar.{app}_panel", connection_id=connection.id),
        "panel_token": sidebar_tokens.mint(ctx.settings, connection, app, utcnow()),
    }
    return render_template("sidebar/app_page.html", **values), 200, _headers(sdk_url, frame_ancestors)


def _headers(sdk_url: str, frame_ancestors: str) -> dict[str, str]:
    sdk_origin = "/".join(sdk_url.split("/", 3)[:3])  # https://host
    policy = (
        f"default-src 'none'; script-src 'self' {sdk_origin}; connect-src 'self'; style-src 'unsafe-inline'; "
        f"img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors {frame_ancestors}"
    )
    return {**PANEL_HEADERS, "Content-Security-Policy": policy}


def panel_fragment(connection_id: str, app: str):
    """POST /sidebar/<connection id>/<app>/panel: the panel's HTML for {"ticket", "emails", "user"}, if the token is good."""
    with sidebar_request(connection_id, app) as (connection, ctx):
        given = request.headers.get(TOKEN_HEADER, "")
        panel_token = given[len(TOKEN_SCHEME) :] if given.startswith(TOKEN_SCHEME) else None
        try:
            sidebar_tokens.check(ctx.settings, connection, app, panel_token, utcnow())
        except sb.LinkRefused as refused:
            log_refusal(connection, refused.status)
            return _fragment("sidebar/_refused_body.html", refused.status, message=refused.message)
        body = json_or_none(request.get_data())
        if not isinstance(body, dict):
            message = "Expected JSON with the ticket and the customer's addresses."
            return _fragment("sidebar/_refused_body.html", 400, message=message)
        found = sb.panel_for(
            ctx,
            connection,
            emails=texts(*body["emails"][:MOST_EMAILS]) if isinstance(body.get("emails"), list) else [],
            helpdesk_user_id=text_or_none(body.get("user")),
            ticket_id=text_or_none(body.get("ticket")),
        )
        return _fragment("sidebar/_panel_body.html", 200, panel=found)


def _fragment(template: str, status: int, **values):
    return render_template(template, **values), status, {**PANEL_HEADERS, "Content-Type": "text/html; charset=utf-8"}


@bp.get("/static/<path:filename>")
def app_script(filename: str):
    """contactguard's own scripts for the apps' pages (no build step): the CSP's 'self'."""
    return send_from_directory(STATIC, filename, max_age=300)

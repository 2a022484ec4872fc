"""The panel beside the ticket, one module per helpdesk's own way of showing it.

Every app shows the same need-to-know panel (plugin/services/sidebar.py); each module checks its helpdesk's own
signing scheme before showing anything: `panel` is the plain signed link (django-helpdesk and any other helpdesk),
`helpscout` Help Scout's Dynamic App. A request that fails its helpdesk's check gets a small refusal, never data.
"""

from __future__ import annotations

import json

from flask import Blueprint, abort, render_template

from ...models import Connection

bp = Blueprint("sidebar", __name__, url_prefix="/sidebar", template_folder="templates")

# The panel is meant to be framed by the helpdesk; it still holds personal data, so never cached.
PANEL_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors *",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def connection_or_404(session, connection_id: str, adapter: str | None = None) -> Connection:
    """The active connection with this public id (and of this adapter, when one is named), or 404. The id only
    names the connection: each app's own check (a signature, a secret, a signed token) is the permission."""
    connection = session.get(Connection, connection_id)
    if connection is None or not connection.active or (adapter is not None and connection.adapter != adapter):
        abort(404)
    return connection


def page(template: str, status: int, **values):
    """A self-contained page for an iframe, with the panel's headers."""
    return render_template(template, **values), status, PANEL_HEADERS


def json_or_none(raw: bytes):
    try:
        return json.loads(raw)
    except ValueError:
        return None


from . import freshdesk, front, helpscout, hubspot, intercom, panel, zendesk  # noqa: E402  (the routes register themselves on bp)

__all__ = [
    "PANEL_HEADERS",
    "bp",
    "connection_or_404",
    "freshdesk",
    "front",
    "helpscout",
    "hubspot",
    "intercom",
    "json_or_none",
    "page",
    "panel",
    "zendesk",
]

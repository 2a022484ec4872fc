"""Front's sidebar plugin: GET /sidebar/<connection id>/front, the plugin's URL, checked by Front's auth_secret.

Front loads a plugin's URL in a sandboxed iframe and, to let the plugin verify that Front requested it, adds the
plugin's authentication secret as the `auth_secret` query parameter (https://dev.frontapp.com/docs/security; the
secret is shown in the plugin's settings and is unique to the instance). The connection keeps it as the secret
`plugin_auth_secret`; it is compared in constant time. Front's scheme has no signature or expiry of its own, so the
page holds only a short-lived panel token (script_apps.py), and Front's documented frame-ancestors
(https://*.frontapp.com https://*.frontapplication.com) are the only ones allowed. The page reads the selected
conversation's recipient through the Plugin SDK's `Front.contextUpdates`
(https://dev.frontapp.com/reference/context-updates, https://dev.frontapp.com/reference/plugin-sdk-context), loaded
as the documented UMD build from dl.frontapp.com (https://dev.frontapp.com/docs/plugin-sdk-reference).
"""

from __future__ import annotations

from flask import request

from adapters.base import matches

from ...services import connections as conns
from ...services import sidebar as sb
from ..auth import csrf
from . import bp, page
from .panel_words import log_refusal, sidebar_request
from .script_apps import app_page, panel_fragment

APP = "front"
FRONT_SDK = "https://dl.frontapp.com/libs/plugin-sdk-1.8.1.min.js"
FRONT_FRAME_ANCESTORS = "https://*.frontapp.com https://*.frontapplication.com"


@bp.get("/<connection_id>/front")
def front(connection_id: str):
    """The plugin's page, if the request carries the connection's auth_secret; else a refusal, no data."""
    with sidebar_request(connection_id, APP) as (connection, ctx):
        try:
            _check_auth_secret(conns.secrets_of(ctx, connection), request.args.get("auth_secret"))
        except sb.LinkRefused as refused:
            log_refusal(connection, refused.status)
            return page("sidebar/refused.html", refused.status, message=refused.message)
        return app_page(connection, ctx, APP, sdk_url=FRONT_SDK, frame_ancestors=FRONT_FRAME_ANCESTORS)


def _check_auth_secret(secrets: dict, given: str | None) -> None:
    expected = secrets.get("plugin_auth_secret")
    if not expected:
        raise sb.LinkRefused(
            503,
            "The panel is not set up for this Front yet: an admin must store the plugin's auth secret "
            "(contactguard connections set-secret ID plugin_auth_secret).",
        )
    if not given:
        raise sb.LinkRefused(401, "The request carries no auth_secret. Open the panel from Front.")
    if not matches(given, expected):
        raise sb.LinkRefused(403, "The request's auth_secret is not this plugin's.")


@bp.post("/<connection_id>/front/panel")
@csrf.exempt
def front_panel(connection_id: str):
    """The panel fragment the plugin's page fetches with its short-lived token."""
    return panel_fragment(connection_id, APP)

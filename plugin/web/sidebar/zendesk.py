"""Zendesk's ticket sidebar app: POST /sidebar/<connection id>/zendesk, the app's iframe URL, with Zendesk's signed URL.

The app (plugin/sidebar_apps/zendesk/, packed by plugin/services/zendesk_app.py) is a remote app whose manifest names
this URL in the `ticket_sidebar` location with `"signedUrls": true`
(https://developer.zendesk.com/documentation/apps/app-developer-guide/manifest/), so Zendesk POSTs the form field
`token`, a JWT signed RS256 with the app's key, on the iframe's first request
(https://developer.zendesk.com/documentation/apps/build-an-app/building-a-server-side-app/part-5-secure-the-app/;
checked by adapters/zendesk/signed_urls.py against the key and installation stored on the connection). The token
carries no requester, so the answer is a page that reads `ticket.id` and the requester through the ZAF SDK
(https://developer.zendesk.com/documentation/apps/app-developer-guide/using-the-apps-framework/, loaded from
static.zdassets.com as documented) and fetches the panel with a short-lived token (script_apps.py).
"""

from __future__ import annotations

from flask import request

from adapters.zendesk.signed_urls import SignedUrlRefused, verify

from ...clock import utcnow
from ..auth import csrf
from . import bp, page
from .panel_words import log_refusal, sidebar_request
from .script_apps import app_page, panel_fragment

APP = "zendesk"
ZAF_SDK = "https://static.zdassets.com/zendesk_app_framework_sdk/2.0/zaf_sdk.min.js"


@bp.post("/<connection_id>/zendesk")
@csrf.exempt
def zendesk(connection_id: str):
    """The app's page, if Zendesk signed this request for the connection's installation; else a refusal, no data."""
    with sidebar_request(connection_id, APP) as (connection, ctx):
        try:
            verify(connection.settings, request.form.get("token"), utcnow())
        except SignedUrlRefused as refused:
            log_refusal(connection, refused.status)
            return page("sidebar/refused.html", refused.status, message=refused.message)
        agent_ui = f"https://{connection.settings['subdomain']}.zendesk.com"
        return app_page(connection, ctx, APP, sdk_url=ZAF_SDK, frame_ancestors=agent_ui)


@bp.post("/<connection_id>/zendesk/panel")
@csrf.exempt
def zendesk_panel(connection_id: str):
    """The panel fragment the app's page fetches with its short-lived token."""
    return panel_fragment(connection_id, APP)

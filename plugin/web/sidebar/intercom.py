"""Intercom's inbox app (Canvas Kit): POST /sidebar/<connection id>/intercom answers a canvas beside the conversation.

The scheme followed is Intercom's documented Canvas Kit (https://developers.intercom.com/docs/canvas-kit): for an
app in the conversation details, Intercom POSTs an initialize request (and a submit request when a button with a
submit action is clicked) carrying `workspace_id`, `admin`, `conversation` and `contact` (the customer viewed;
`customer` in older versions), signed in X-Body-Signature (adapters/intercom/canvas.py). The answer is
`{"canvas": {"content": {"components": [...]}}}`: text, data-table, list, divider and button components
(https://developers.intercom.com/docs/references/canvas-kit/responseobjects/canvas). The same URL serves as the
app's initialize and submit URL: the only submit is "Refresh", which answers the panel as it is now.
"""

from __future__ import annotations

from flask import jsonify, request

from adapters.errors import SignatureError
from adapters.intercom.canvas import check_body_signature

from ...services import connections as conns
from ...services import sidebar as sb
from ..auth import csrf
from . import bp, json_or_none
from .panel_words import (
    PanelWords,
    log_refusal,
    object_or_empty,
    sidebar_request,
    text_or_none,
    texts,
    words_for,
)

REFRESH = "refresh"


@bp.post("/<connection_id>/intercom")
@csrf.exempt
def intercom(connection_id: str):
    """The panel for the contact Intercom names, as a Canvas Kit canvas; a bad signature gets no data."""
    raw = request.get_data()
    with sidebar_request(connection_id, "intercom") as (connection, ctx):
        try:
            check_body_signature(request.headers, raw, conns.secrets_of(ctx, connection))
        except SignatureError:
            log_refusal(connection, 403)
            return _refused(403, "The request's X-Body-Signature is not valid for this connection.")
        body = json_or_none(raw)
        if not isinstance(body, dict):
            return _refused(400, "Expected Intercom's Canvas Kit JSON with the conversation and the contact.")
        contact = object_or_empty(body.get("contact")) or object_or_empty(body.get("customer"))
        found = sb.panel_for(
            ctx,
            connection,
            emails=texts(contact.get("email")),
            phones=texts(contact.get("phone")),
            helpdesk_user_id=text_or_none(contact.get("id")),
            ticket_id=text_or_none(object_or_empty(body.get("conversation")).get("id")),
        )
        return jsonify(canvas=canvas(words_for(found)))


def canvas(words: PanelWords) -> dict:
    """A static canvas: what an agent reads, top to bottom, in Canvas Kit components."""
    components: list[dict] = [
        {"type": "text", "id": "title", "text": "Contact arrangement", "style": "header"},
        {"type": "text", "id": "status", "text": f"**{words.status}**", "style": _status_style(words.tone)},
        {"type": "text", "id": "summary", "text": words.summary},
    ]
    if words.rows:
        components.append(
            {
                "type": "data-table",
                "id": "arrangement",
                "items": [{"type": "field-value", "field": field, "value": value} for field, value in words.rows],
            }
        )
    components += [
        {"type": "divider", "id": "ticket-divider"},
        {"type": "text", "id": "ticket-title", "text": "This ticket", "style": "header"},
        {"type": "list", "id": "ticket", "items": [{"type": "item", "id": "outcome", "title": words.ticket}]},
    ]
    if words.link:
        components.append(
            {
                "type": "button",
                "id": "open-contactguard",
                "label": "Officers: open in contactguard",
                "style": "secondary",
                "action": {"type": "url", "url": words.link},
            }
        )
    components.append(
        {"type": "button", "id": REFRESH, "label": "Refresh", "style": "link", "action": {"type": "submit"}}
    )
    return {"content": {"components": components}}


def _status_style(tone: str) -> str:
    """Canvas Kit's text styles are header, paragraph, muted and error: a restriction is shown as an error."""
    return {"danger": "error", "neutral": "muted"}.get(tone, "paragraph")


def _refused(status: int, message: str):
    """A canvas saying why, so the agent sees a message rather than a broken app, and never any data."""
    components = [
        {"type": "text", "id": "title", "text": "Panel not available", "style": "header"},
        {"type": "text", "id": "message", "text": message, "style": "error"},
    ]
    return jsonify(canvas={"content": {"components": components}}, status=status, message=message), status

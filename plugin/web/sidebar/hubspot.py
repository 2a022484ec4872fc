"""HubSpot's card beside a contact or ticket: GET or POST /sidebar/<connection id>/hubspot answers the card's JSON.

Two documented ways to put a card on a HubSpot record end up here, both signed v3 (adapters/hubspot/cards.py):

- a legacy public app's CRM card (https://developers.hubspot.com/docs/api/crm/extensions/custom-cards, "Data
  request"): HubSpot sends a GET to the card's data fetch URL with `userId`, `userEmail`, `associatedObjectId`,
  `associatedObjectType`, `portalId` and the record properties chosen in `propertiesToSend` (here `email`, `phone`,
  `mobilephone`). HubSpot no longer supports new legacy cards since 16 June 2025 and retires them on 31 October 2026;
- an app card (UI extension) on the developer platform, whose React code calls hubspot.fetch() with
  POST and a JSON body {"objectId", "objectType", "emails", "phones"}
  (https://developers.hubspot.com/docs/apps/developer-platform/add-features/ui-extensibility/fetching-data).

Both get the legacy card's documented response: `results`, one item with `objectId`, `title`, `link` (into
contactguard, for officers; null without PUBLIC_URL) and `properties` of `label`, `dataType` and `value` (STATUS
with an `optionType` for restricted or not). No `primaryAction`: an IFRAME action would frame contactguard's signed-in
pages, which refuse to be framed; the link opens them in a tab instead.
"""

from __future__ import annotations

from flask import jsonify, request

from adapters.errors import SignatureError
from adapters.hubspot.cards import check_card_request

from ...clock import utcnow
from ...config import Settings
from ...services import connections as conns
from ...services import sidebar as sb
from ..auth import csrf
from . import bp, json_or_none
from .panel_words import PanelWords, log_refusal, sidebar_request, text_or_none, texts, words_for

OPTION_TYPES = {"danger": "DANGER", "neutral": "DEFAULT", "fine": "SUCCESS"}


@bp.route("/<connection_id>/hubspot", methods=["GET", "POST"])
@csrf.exempt
def hubspot(connection_id: str):
    """The card for the record HubSpot names; a request not signed v3 within 5 minutes gets no data."""
    raw = request.get_data()
    with sidebar_request(connection_id, "hubspot") as (connection, ctx):
        try:
            secrets = conns.secrets_of(ctx, connection)
            check_card_request(request.headers, raw, secrets, request.method, _urls(ctx.settings), utcnow())
        except SignatureError as refused:
            log_refusal(connection, 403)
            return _refused(403, f"HubSpot's signature is not valid for this connection: {refused}.")
        asked = _asked(raw)
        if asked is None:
            return _refused(400, 'Expected a JSON object {"objectId", "objectType", "emails", "phones"}.')
        object_id, object_type, emails, phones = asked
        found = sb.panel_for(
            ctx,
            connection,
            emails=emails,
            phones=phones,
            helpdesk_user_id=object_id if object_type in ("CONTACT", "0-1") else None,
            ticket_id=object_id if object_type in ("TICKET", "0-5") else None,
        )
        return jsonify(card(words_for(found), object_id))


def _urls(settings: Settings) -> list[str]:
    """The URL as HubSpot signed it: under PUBLIC_URL when set, and as this request arrived."""
    query = request.query_string.decode("latin-1")
    path = request.path + (f"?{query}" if query else "")
    public = settings.PUBLIC_URL
    return ([public.rstrip("/") + path] if public else []) + [request.url]


def _asked(raw: bytes) -> tuple[str | None, str, list[str], list[str]] | None:
    """The record and the customer's addresses: from the query (legacy data fetch) or the JSON body (app card)."""
    if request.method == "GET":
        args = request.args
        return (
            text_or_none(args.get("associatedObjectId")),
            str(args.get("associatedObjectType", "")).upper(),
            texts(args.get("email")),
            texts(args.get("phone"), args.get("mobilephone")),
        )
    body = json_or_none(raw)
    if not isinstance(body, dict):
        return None
    return (
        text_or_none(body.get("objectId")),
        str(text_or_none(body.get("objectType")) or "").upper(),
        texts(*_listed(body.get("emails"))),
        texts(*_listed(body.get("phones"))),
    )


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def card(words: PanelWords, object_id: str | None) -> dict:
    """One result, as HubSpot's CRM card documents it."""
    properties = [
        {"label": "Status", "dataType": "STATUS", "value": words.status, "optionType": OPTION_TYPES[words.tone]},
        {"label": "Summary", "dataType": "STRING", "value": words.summary},
        *(_property(words, field, value) for field, value in words.rows),
        {"label": "This ticket", "dataType": "STRING", "value": words.ticket},
    ]
    result = {
        "objectId": int(object_id) if object_id and object_id.isascii() and object_id.isdigit() else 0,
        "title": f"Contact arrangement: {words.status}",
        "link": words.link,
        "properties": properties,
    }
    return {"results": [result]}


def _property(words: PanelWords, field: str, value: str) -> dict:
    """A row as a property: DATE (ISO yyyy-mm-dd, as documented; HubSpot shows it in the user's format) for the review
    and end dates, STRING for the rest and for "not set"."""
    if field in words.dates:
        return {"label": field, "dataType": "DATE", "value": words.dates[field]}
    return {"label": field, "dataType": "STRING", "value": value}


def _refused(status: int, message: str):
    return jsonify(results=[], status=status, message=message), status

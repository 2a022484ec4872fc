"""HubSpot's card data fetches (the card beside a record), accepted only with the v3 signature.

HubSpot signs its outgoing requests "such as those for webhooks or CRM cards" with X-HubSpot-Signature-v3 and
X-HubSpot-Request-Timestamp (https://developers.hubspot.com/changelog/introducing-version-3-of-webhook-signatures;
https://developers.hubspot.com/docs/api/webhooks/validating-requests): base64 HMAC-SHA256, keyed with the app's
client secret, of method + URI + body + timestamp, refused when older than 5 minutes. That covers both kinds of
card: a legacy CRM card's GET data fetch (https://developers.hubspot.com/docs/api/crm/extensions/custom-cards)
and an app card's hubspot.fetch() call to its back end
(https://developers.hubspot.com/docs/apps/developer-platform/add-features/ui-extensibility/fetching-data).
The older v1/v2 signatures carry no timestamp, so a card request without v3 is refused.
"""

from __future__ import annotations

import datetime as dt

from ..base import header
from ..errors import SignatureError
from .adapter import HubSpotAdapter

V3_HEADER = "X-HubSpot-Signature-v3"


def check_card_request(headers, raw: bytes, secrets: dict, method: str, urls: list[str], now: dt.datetime) -> None:
    """Accept a v3-signed request for any of the URLs it may have been sent to (as HubSpot saw it), or raise.

    The URL HubSpot signs is the public one; behind a TLS-terminating proxy the app may see another scheme or host,
    so the caller offers both. The timestamp and the signature are the webhook verifier's own checks.
    """
    if not header(headers, V3_HEADER):
        raise SignatureError(f"missing {V3_HEADER} (cards are accepted only with HubSpot's v3 signature)")
    refused = SignatureError("missing or wrong HubSpot signature")
    for url in dict.fromkeys(urls):
        try:
            HubSpotAdapter().verify(headers, raw, secrets, {"_request_method": method, "_request_url": url}, now)
            return
        except SignatureError as error:
            refused = error
    raise refused

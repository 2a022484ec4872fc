"""Intercom's Canvas Kit requests (the inbox app beside a conversation): `X-Body-Signature`, checked on raw bytes.

Intercom signs every Canvas Kit request (initialize, submit, ...) in the header X-Body-Signature: the hex
HMAC-SHA256 of the JSON body, keyed with the app's OAuth client_secret from the app's Basic Info page
(https://developers.intercom.com/docs/canvas-kit, "Requests & Responses"; Intercom's answers at
https://community.intercom.com/apps-integrations-25/how-to-set-up-auth-for-messenger-app-lifecycle-flow-6342 and
https://community.intercom.com/api-webhooks-23/how-do-i-authenticate-a-request-e-g-initialize-request-coming-from-a-canvas-kit-app-on-our-back-end-2258).
It is the same client secret that keys the webhooks' X-Hub-Signature, so the connection's `client_secret` (and
`client_secret_previous` while rotating) serve both. The requests carry no timestamp.
"""

from __future__ import annotations

import hashlib
import hmac

from ..base import header, matches
from ..errors import SignatureError

SIGNATURE_HEADER = "X-Body-Signature"


def body_signature(secret: str, raw: bytes) -> str:
    return hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def check_body_signature(headers, raw: bytes, secrets: dict) -> None:
    """Accept a Canvas Kit request signed with any active client secret, or raise SignatureError."""
    given = (header(headers, SIGNATURE_HEADER) or "").strip().lower()
    if not given:
        raise SignatureError(f"missing {SIGNATURE_HEADER}")
    keys = [s for s in (secrets.get("client_secret"), secrets.get("client_secret_previous")) if s]
    if not any(matches(given, body_signature(k, raw)) for k in keys):
        raise SignatureError(f"wrong {SIGNATURE_HEADER}")

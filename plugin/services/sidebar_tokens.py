"""Short-lived panel tokens: how a helpdesk app's page, once its helpdesk's own check has passed, fetches the panel.

Zendesk's signed URL (a JWT in the first POST) and Front's auth_secret (in the plugin URL) prove the page came from
the helpdesk, but the customer's address is known only later, in the browser, from the helpdesk's SDK. So the page
that passed the check carries a token minted here, and its script sends it with the address it read. The token is
`<expiry unix time>.<hex HMAC-SHA256>` over the app's name, the connection's id and the expiry, under a key derived
from the connection's sidebar key (plugin/services/sidebar.py): bound to one connection and one app, valid for
minutes, revoked with every other panel link by `connections rotate-url`. Nothing is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from ..config import Settings
from ..models import Connection
from .sidebar import LinkRefused, sidebar_key

PANEL_TOKEN_LIFETIME = dt.timedelta(minutes=10)


def mint(settings: Settings, connection: Connection, app: str, now: dt.datetime) -> str:
    """A token for this connection's `app` page, valid for PANEL_TOKEN_LIFETIME from now."""
    expires = int((now + PANEL_TOKEN_LIFETIME).timestamp())
    return f"{expires}.{_signature(settings, connection, app, expires)}"


def check(settings: Settings, connection: Connection, app: str, token: str | None, now: dt.datetime) -> None:
    """Accept a token minted for this connection's `app`, or raise LinkRefused (401 missing or expired, 403 forged)."""
    if not token:
        raise LinkRefused(401, "The panel request carries no token. Reload the app.")
    expires_text, _, signature = token.partition(".")
    if not expires_text.isdigit() or not signature:
        raise LinkRefused(403, "The panel token is not valid. Reload the app.")
    expected = _signature(settings, connection, app, int(expires_text))
    if not hmac.compare_digest(expected, signature.lower()):
        raise LinkRefused(403, "The panel token is not valid. Reload the app.")
    expires = dt.datetime.fromtimestamp(int(expires_text), dt.timezone.utc)
    if expires <= now:
        raise LinkRefused(401, "The panel token has expired. Reload the app.")
    if expires > now + PANEL_TOKEN_LIFETIME:
        raise LinkRefused(403, "The panel token lasts longer than contactguard allows. Reload the app.")


def _signature(settings: Settings, connection: Connection, app: str, expires: int) -> str:
    key = hmac.new(sidebar_key(settings, connection), b"panel-token-v1", hashlib.sha256).digest()
    message = f"{app}\n{connection.id}\n{expires}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()

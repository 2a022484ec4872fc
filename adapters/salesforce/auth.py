"""The REST API's OAuth 2.0 token: the client credentials flow or the JWT bearer flow, from the org's My Domain.

Client credentials: "POST https://<MyDomain>.my.salesforce.com/services/oauth2/token" with grant_type
client_credentials, client_id and client_secret (Connect REST API quick start); the token acts as the External
Client App's run-as user. JWT bearer: grant_type urn:ietf:params:oauth:grant-type:jwt-bearer and an RS256
assertion (iss the consumer key, sub the username, aud login.salesforce.com or test.salesforce.com), signed with
the key whose certificate the app holds: no shared secret.
"""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

import jwt
import requests

from ..errors import PermanentFailure
from ..http import send
from ..ratelimit import Bucket

TOKEN_PATH = "/services/oauth2/token"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JWT_LIFETIME_SECONDS = 180  # the assertion is used at once; Salesforce takes it within a few minutes


def grant(settings: dict, secrets: dict) -> dict:
    """The token request's form for the connection's auth_flow; PermanentFailure when its secret is missing."""
    client_id = secrets["client_id"]
    if settings.get("auth_flow") == "jwt_bearer":
        key = secrets.get("private_key")
        if not key:
            raise PermanentFailure("auth_flow jwt_bearer needs the private_key secret")
        claims = {
            "iss": client_id,
            "sub": settings.get("jwt_username"),
            "aud": settings.get("jwt_audience") or "https://login.salesforce.com",
            "exp": int(time.time()) + JWT_LIFETIME_SECONDS,
        }
        try:
            assertion = jwt.encode(claims, key, algorithm="RS256")
        except (ValueError, TypeError, jwt.PyJWTError):
            raise PermanentFailure("the private_key secret is not a PEM RSA private key") from None
        return {"grant_type": JWT_GRANT, "assertion": assertion}
    client_secret = secrets.get("client_secret")
    if not client_secret:
        raise PermanentFailure("auth_flow client_credentials needs the client_secret secret")
    return {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}


def organization_of(identity_url) -> str:
    """The org id in a token answer's `id` (https://login.salesforce.com/id/<org>/<user>)."""
    parts = urlsplit(str(identity_url or "")).path.strip("/").split("/")
    return parts[1] if len(parts) >= 3 and parts[0] == "id" else ""


class TokenSource:
    """One token, requested when first needed and shared by the threads of a drain pass; forgotten on a 401.

    The outbox makes one client per drain pass, so a pass asks for one token (not an API call: it does not
    count against the org's allocation)."""

    def __init__(self, url: str, settings: dict, secrets: dict, session: requests.Session, bucket: Bucket | None):
        self.url, self.settings, self.secrets, self.session, self.bucket = url, settings, secrets, session, bucket
        self._token: str | None = None
        self._lock = threading.Lock()

    def token(self) -> str:
        """The current token, requesting one if there is none."""
        with self._lock:
            if self._token is None:
                answer = send(
                    self.session, "POST", self.url, bucket=self.bucket, data=grant(self.settings, self.secrets)
                )
                token = answer.json().get("access_token")
                if not token:
                    raise PermanentFailure("Salesforce's token answer has no access_token")
                self._token = str(token)
            return self._token

    def forget(self, token: str) -> None:
        """Drop `token` (its session ended); a newer one another thread got is kept."""
        with self._lock:
            if self._token == token:
                self._token = None

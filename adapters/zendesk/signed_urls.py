"""Zendesk's signed URLs for an app's iframe: the JWT Zendesk POSTs with the first request of the app's page.

With `"signedUrls": true` in the app's manifest, Zendesk requests the app's URL with an HTTP POST whose form field
`token` is a JWT signed with RS256 by the app's private key
(https://developer.zendesk.com/documentation/apps/build-an-app/building-a-server-side-app/part-5-secure-the-app/,
which verifies it with PyJWT and cryptography, and https://developer.zendesk.com/documentation/apps/app-developer-guide/
manifest/ for `signedUrls`). The app's public key is `GET /api/v2/apps/{app_id}/public_key.pem`; the token's claims
checked here are the ones that tie it to one account and one installation:

- `iss`: the account's host, `<subdomain>.zendesk.com`;
- `aud`: the installation, `https://<subdomain>.zendesk.com/api/v2/apps/installations/<installation id>.json`;
- `exp` (required) and `iat`/`nbf` when present, with a small leeway for clocks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import jwt

ALGORITHM = "RS256"
CLOCK_LEEWAY = dt.timedelta(seconds=30)


class SignedUrlRefused(Exception):
    """A request that must not be answered with data: `status` 401 (no token, expired), 403 (not this installation's
    or not signed by its key) or 503 (the connection has no app key yet)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def issuer(settings: dict) -> str:
    return f"{settings['subdomain']}.zendesk.com"


def audience(settings: dict) -> str:
    return f"https://{issuer(settings)}/api/v2/apps/installations/{settings['sidebar_installation_id']}.json"


def verify(settings: dict, token: str | None, now: dt.datetime) -> dict[str, Any]:
    """The token's claims if Zendesk signed it for this connection's installation, else SignedUrlRefused."""
    if not settings.get("sidebar_public_key") or not settings.get("sidebar_installation_id"):
        raise SignedUrlRefused(
            503,
            "The panel is not set up for this Zendesk yet: an admin must store the app's public key and installation "
            "id (contactguard connections sidebar-app-key).",
        )
    if not token:
        raise SignedUrlRefused(401, "The request carries no signed token. Open the panel from a Zendesk ticket.")
    try:
        return _decode(settings, token, now)
    except jwt.ExpiredSignatureError:
        raise SignedUrlRefused(401, "The signed token has expired. Reload the ticket.") from None
    except jwt.ImmatureSignatureError:
        raise SignedUrlRefused(401, "The signed token is not valid yet: check this server's clock.") from None
    except jwt.InvalidAudienceError:
        raise SignedUrlRefused(403, "The signed token is for another installation of the app.") from None
    except jwt.InvalidIssuerError:
        raise SignedUrlRefused(403, "The signed token is from another Zendesk account.") from None
    except jwt.MissingRequiredClaimError as missing:
        raise SignedUrlRefused(403, f"The signed token has no {missing.claim} claim.") from None
    except jwt.InvalidTokenError:
        raise SignedUrlRefused(403, "The signed token is not signed by this app's key.") from None


def _decode(settings: dict, token: str, now: dt.datetime) -> dict[str, Any]:
    """Signature, algorithm, audience and issuer by PyJWT; the times by _check_times, against contactguard's clock."""
    claims = jwt.decode(
        token,
        settings["sidebar_public_key"],
        algorithms=[ALGORITHM],
        audience=audience(settings),
        issuer=issuer(settings),
        options={"require": ["exp", "iss", "aud"], "verify_exp": False, "verify_iat": False, "verify_nbf": False},
    )
    _check_times(claims, now)
    return claims


def _check_times(claims: dict, now: dt.datetime) -> None:
    """exp, nbf and iat against contactguard's clock (tests freeze it), with CLOCK_LEEWAY either way."""
    stamp = now.timestamp()
    leeway = CLOCK_LEEWAY.total_seconds()
    try:
        expires = float(claims["exp"])
        not_before = float(claims.get("nbf", claims.get("iat", stamp)))
    except (TypeError, ValueError):
        raise jwt.InvalidTokenError("a time claim is not a number") from None
    if expires <= stamp - leeway:
        raise jwt.ExpiredSignatureError("expired")
    if not_before > stamp + leeway:
        raise jwt.ImmatureSignatureError("not yet valid")

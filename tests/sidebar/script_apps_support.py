"""What the Zendesk app's and the Front plugin's tests share: the app's key pair, Zendesk's signed token, the secrets.

A ZAF JWT as Zendesk makes one for signed URLs: RS256 under the app's private key, `iss` the account's host and `aud`
the installation (https://developer.zendesk.com/documentation/apps/build-an-app/building-a-server-side-app/
part-5-secure-the-app/). The key pairs are generated here with `cryptography`.
"""

import datetime as dt

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from plugin.clock import utcnow

SUBDOMAIN = "council"
INSTALLATION = 360001234
ISSUER = f"{SUBDOMAIN}.zendesk.com"
AUDIENCE = f"https://{ISSUER}/api/v2/apps/installations/{INSTALLATION}.json"
ZAF_SDK = "https://static.zdassets.com/zendesk_app_framework_sdk/2.0/zaf_sdk.min.js"

AUTH_SECRET = "5f1c0e7a9b2d4c6e8f0a1b3c5d7e9f10"
FRONT_SDK = "https://dl.frontapp.com/libs/plugin-sdk-1.8.1.min.js"
FRONT_SECRETS = {"api_token": "front-api", "signing_secret": "front-signing"}


def _key_pair():
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public.decode()


APP_KEY, APP_PUBLIC_PEM = _key_pair()
OTHER_KEY, _ = _key_pair()


def signed_token(key=APP_KEY, expires_in=dt.timedelta(minutes=5), **claims) -> str:
    """A ZAF JWT for this account and installation (claims may be overridden to make bad ones)."""
    now = utcnow()
    payload = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + expires_in).timestamp()),
        "sub": f"https://{ISSUER}/api/v2/users/42.json",
        **claims,
    }
    return jwt.encode(payload, key, algorithm="RS256")


def zendesk_settings(**extra) -> dict:
    return {"subdomain": SUBDOMAIN, "agent_email": "helpdesk.admin@council.example", **extra}

"""OpenID Connect sign-in against a stub provider: discovery, JWKS and token endpoint by `responses`,
ID tokens signed with a test RSA key. The verified `email` claim must be an active officer with an account."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from joserfc import jwt
from joserfc.jwk import RSAKey

from plugin.app import create_app, dispose
from tests.web.test_auth_support import email_of, give_account, page_text

ISSUER = "https://login.council.example"
CLIENT_ID = "contactguard-test"
DISCOVERY = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}/authorize",
    "token_endpoint": f"{ISSUER}/token",
    "jwks_uri": f"{ISSUER}/jwks",
    "id_token_signing_alg_values_supported": ["RS256"],
    "response_types_supported": ["code"],
    "subject_types_supported": ["public"],
}


@pytest.fixture(scope="module")
def signing_key():
    return RSAKey.generate_key(2048, parameters={"kid": "test-key"})


@pytest.fixture
def oidc_app(settings):
    app = create_app(
        {
            "DATABASE_URL": settings.DATABASE_URL,
            "INSTANCE_PATH": settings.INSTANCE_PATH,
            "TESTING": True,
            "OIDC_ISSUER": ISSUER,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": "client-secret-for-tests",
            "PUBLIC_URL": "http://cg.council.example",
        }
    )
    yield app
    dispose(app)


def _id_token(key, nonce: str, **claims) -> str:
    now = int(time.time())
    body = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": "user-123",
        "iat": now,
        "exp": now + 300,
        "nonce": nonce,
        "email": email_of("senior"),
        "email_verified": True,
        **claims,
    }
    return jwt.encode({"alg": "RS256", "kid": key.kid}, body, key)


def _sign_in_with_provider(client, key, signed_by=None, **claims):
    """Start at /sign-in/oidc, let the 'provider' answer, and come back to the callback."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as provider:
        provider.get(f"{ISSUER}/.well-known/openid-configuration", json=DISCOVERY)
        start = client.get("/sign-in/oidc")
        assert start.status_code == 302
        query = parse_qs(urlsplit(start.headers["Location"]).query)
        assert start.headers["Location"].startswith(f"{ISSUER}/authorize")
        assert query["redirect_uri"] == ["http://cg.council.example/sign-in/oidc/callback"]
        token = _id_token(signed_by or key, query["nonce"][0], **claims)
        provider.post(
            f"{ISSUER}/token", json={"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": token}
        )
        provider.get(f"{ISSUER}/jwks", json={"keys": [key.as_dict(private=False)]})
        return client.get("/sign-in/oidc/callback", query_string={"code": "the-code", "state": query["state"][0]})


def test_the_sign_in_page_offers_the_council_account_when_oidc_is_set(oidc_app, client):
    assert "Sign in with your council account" in page_text(oidc_app.test_client().get("/sign-in"))
    assert "Sign in with your council account" not in page_text(client.get("/sign-in"))
    assert client.get("/sign-in/oidc").status_code == 404


def test_a_verified_email_of_an_officer_with_an_account_signs_in(cast, oidc_app, signing_key):
    give_account(cast, "senior")
    client = oidc_app.test_client()
    reply = _sign_in_with_provider(client, signing_key)
    assert reply.status_code == 302 and reply.headers["Location"] == "/"
    assert "Sam Senior (senior)" in page_text(client.get("/"))


def test_an_unverified_email_is_refused_with_a_message(cast, oidc_app, signing_key):
    give_account(cast, "senior")
    client = oidc_app.test_client()
    reply = _sign_in_with_provider(client, signing_key, email_verified=False)
    assert reply.status_code == 401
    assert "did not give a verified e-mail address" in page_text(reply)
    assert client.get("/").status_code == 302


def test_an_email_that_is_not_an_officer_with_an_account_is_refused(cast, oidc_app, signing_key):
    client = oidc_app.test_client()
    reply = _sign_in_with_provider(client, signing_key, email="someone.else@council.example")
    assert reply.status_code == 401
    assert "That account cannot sign in to contactguard" in page_text(reply)


def test_an_id_token_signed_by_another_key_or_for_another_client_is_refused(cast, oidc_app, signing_key):
    give_account(cast, "senior")
    other_key = RSAKey.generate_key(2048, parameters={"kid": "test-key"})
    for reply in (
        _sign_in_with_provider(oidc_app.test_client(), signing_key, signed_by=other_key),
        _sign_in_with_provider(oidc_app.test_client(), signing_key, aud="another-client"),
    ):
        assert reply.status_code == 401
        assert "The sign-in service did not confirm who you are" in page_text(reply)


def test_a_callback_without_a_matching_state_is_refused(cast, oidc_app):
    reply = oidc_app.test_client().get("/sign-in/oidc/callback", query_string={"code": "x", "state": "forged"})
    assert reply.status_code == 401
    assert "The sign-in service did not confirm who you are" in page_text(reply)

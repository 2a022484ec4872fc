"""The API's test client: a Bearer token per person of the cast, issued through the accounts service."""

from __future__ import annotations

import json

import pytest
from argon2 import PasswordHasher

from plugin.services import accounts
from tests.conftest import email_of

PASSWORD = "correct horse battery staple"


@pytest.fixture
def tokens(cast, monkeypatch):
    """`tokens("senior")`: that officer's raw token (an account and a token made on first use).

    Passwords are hashed with a cheap argon2 here: the API never sees them, and the matrix makes many accounts."""
    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1), raising=False
    )
    issued = {}

    def token_for(who: str) -> str:
        if who not in issued:
            with cast.act() as ctx:
                account = accounts.create_account(ctx, email_of(who), PASSWORD)
                issued[who] = accounts.issue_token(ctx, account.id, f"api tests ({who})")
        return issued[who]

    return token_for


class Api:
    """Calls to /api/v1 as one of the cast (`as_=None`: with no credentials at all)."""

    def __init__(self, client, tokens):
        self.client = client
        self.tokens = tokens

    def call(self, method: str, path: str, as_: str | None = "senior", body=None, query=None, headers=None):
        headers = dict(headers or {})
        if as_ is not None:
            headers["Authorization"] = f"Bearer {self.tokens(as_)}"
        url = path if path.startswith("/api/") else f"/api/v1{path}"
        return self.client.open(url, method=method, json=body, query_string=query, headers=headers)

    def get(self, path, as_="senior", **kw):
        return self.call("GET", path, as_, **kw)

    def post(self, path, body=None, as_="senior", **kw):
        return self.call("POST", path, as_, body=body if body is not None else {}, **kw)

    def patch(self, path, body=None, as_="senior", **kw):
        return self.call("PATCH", path, as_, body=body if body is not None else {}, **kw)

    def delete(self, path, as_="senior", **kw):
        return self.call("DELETE", path, as_, **kw)


@pytest.fixture
def api(client, tokens):
    return Api(client, tokens)


def ok(response, status: int = 200):
    """The JSON of a reply that must have succeeded; the error envelope in the failure message otherwise."""
    assert response.status_code == status, json.dumps(response.get_json(), indent=1)
    return response.get_json()


def assert_envelope(response, status: int, code: str | None = None) -> dict:
    """The reply is the one error envelope, with this status (and code)."""
    data = response.get_json()
    assert response.status_code == status, data
    assert set(data) == {"code", "status", "message", "errors"}, data
    assert data["status"] == status and isinstance(data["message"], str) and data["message"]
    if code is not None:
        assert data["code"] == code, data
    return data

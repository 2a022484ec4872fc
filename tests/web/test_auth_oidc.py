"""Signing in through the council's identity provider (issue 22 item 3): OpenID Connect against a real provider.

The provider is the npm package oidc-provider, started once for the session by tests/web/oidc_provider.py; the app is
served on a free port, and a `requests` browser goes through the authorization-code flow for real (the provider's own
sign-in pages, the code exchanged with PKCE and the client secret, the ID token checked against the provider's keys,
the e-mail and groups read from its userinfo endpoint). With OIDC_ROLE_MAP the groups claim decides the role at each
sign-in. Only the forged answers at the end (a token signed by another key, for another client, a forged state) use a
stub, because a real provider never sends them.
"""

from __future__ import annotations

import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from argon2 import PasswordHasher
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import select
from werkzeug.serving import make_server

from plugin.app import create_app, dispose
from plugin.models import Account, AuditEntry, Officer
from plugin.policy.vocabulary import Role
from plugin.services import accounts
from plugin.services.accounts import ProviderIdentity, role_from_claim
from plugin.web.auth import claim_values
from tests.web.oidc_provider import CLIENT_ID, CLIENT_SECRET, running_provider, sign_in_through
from tests.web.test_auth_support import csrf_from, email_of, give_account, page_text

ROLE_MAP = {"cg-agents": "agent", "cg-staff": "officer", "cg-seniors": "senior", "cg-admins": "admin"}


class _AppBehind:
    """The WSGI app the session's server passes each request to: each test puts its own app here."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@pytest.fixture(scope="session")
def served():
    """One threaded server on a free port for the session (so the provider knows one redirect URI); (base, behind)."""
    behind = _AppBehind()
    server = make_server("127.0.0.1", 0, behind, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", behind
    server.shutdown()
    thread.join(10)


@pytest.fixture(scope="session")
def provider(served, tmp_path_factory):
    base, _ = served
    with running_provider(tmp_path_factory.mktemp("oidc-provider"), f"{base}/sign-in/oidc/callback") as running:
        yield running


@pytest.fixture
def council(settings, served, provider, monkeypatch):
    """Serve this test's app, signing in through the provider; `council(OIDC_ROLE_MAP=...)` adds settings."""
    # A cheap argon2 for the random password of an account made at first sign-in (the parameters are in each hash).
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    base, behind = served
    made = []

    def serve(**more):
        app = create_app(
            {
                "DATABASE_URL": settings.DATABASE_URL,
                "INSTANCE_PATH": settings.INSTANCE_PATH,
                "TESTING": True,
                "PUBLIC_URL": base,
                "OIDC_ISSUER": provider.issuer,
                "OIDC_CLIENT_ID": CLIENT_ID,
                "OIDC_CLIENT_SECRET": CLIENT_SECRET,
                **more,
            }
        )
        made.append(app)
        behind.app = app
        return base

    yield serve
    behind.app = None
    for app in made:
        dispose(app)


def _sign_in(provider, base, who: str, browser: requests.Session | None = None) -> requests.Response:
    return sign_in_through(provider, browser or requests.Session(), base, who)


def _text(reply: requests.Response) -> str:
    return page_text(_Page(reply.text))


class _Page:
    """A requests answer as page_text (written for Flask's responses) reads it."""

    def __init__(self, text: str):
        self.text = text

    def get_data(self, as_text: bool = True) -> str:
        return self.text


def _audit(sessions, action: str) -> list[AuditEntry]:
    with sessions() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _sign_out(browser: requests.Session, base: str) -> None:
    page = browser.get(f"{base}/", timeout=30)
    reply = browser.post(f"{base}/sign-out", data={"csrf_token": csrf_from(page.text)}, timeout=30)
    assert "You have signed out" in _text(reply)


# -- the register decides the role (no OIDC_ROLE_MAP) -------------------------------------------------------------


def test_the_sign_in_page_offers_the_council_account_only_when_oidc_is_set(cast, council, client):
    base = council()
    assert "Sign in with your council account" in _text(requests.get(f"{base}/sign-in", timeout=30))
    assert "Sign in with your council account" not in page_text(client.get("/sign-in"))
    assert client.get("/sign-in/oidc").status_code == 404


def test_without_a_role_map_an_officer_with_an_account_signs_in_in_their_register_role(cast, council, provider):
    give_account(cast, "senior")
    provider.person("sam", email_of("senior"), groups=["cg-agents"])  # the groups are not read
    base = council()
    reply = _sign_in(provider, base, "sam")
    assert reply.url == f"{base}/" and "Sam Senior (senior)" in _text(reply)


def test_without_a_role_map_an_officer_without_an_account_is_refused(cast, council, provider):
    provider.person("olly", email_of("officer"), groups=["cg-staff"])
    reply = _sign_in(provider, council(), "olly")
    assert reply.status_code == 401
    assert "That account cannot sign in to contactguard" in _text(reply)


def test_an_unverified_email_is_refused_with_a_message(cast, council, provider):
    give_account(cast, "senior")
    provider.person("sam-unverified", email_of("senior"), groups=["cg-seniors"], email_verified=False)
    base = council(OIDC_ROLE_MAP=ROLE_MAP)
    browser = requests.Session()
    reply = _sign_in(provider, base, "sam-unverified", browser)
    assert reply.status_code == 401
    assert "did not give a verified e-mail address" in _text(reply)
    assert browser.get(f"{base}/", timeout=30).url.startswith(f"{base}/sign-in"), "not signed in"


def test_a_provider_that_sends_no_email_verified_signs_in_when_the_council_says_so(cast, council, provider):
    """Microsoft Entra ID sends no `email_verified` claim: with OIDC_REQUIRE_EMAIL_VERIFIED=false the tenant's own
    e-mail claim is trusted (and only then)."""
    give_account(cast, "senior")
    provider.person("sam-entra", email_of("senior"), groups=["cg-seniors"], email_verified=None)
    refused = _sign_in(provider, council(OIDC_ROLE_MAP=ROLE_MAP), "sam-entra")
    assert refused.status_code == 401 and "did not give a verified e-mail address" in _text(refused)
    base = council(OIDC_ROLE_MAP=ROLE_MAP, OIDC_REQUIRE_EMAIL_VERIFIED=False)
    reply = _sign_in(provider, base, "sam-entra")
    assert reply.url == f"{base}/" and "Sam Senior (senior)" in _text(reply)


# -- the provider's groups decide the role (OIDC_ROLE_MAP) ---------------------------------------------------------


def test_first_sign_in_of_a_known_officer_makes_their_account_in_the_role_of_their_group(
    cast, council, provider, sessions
):
    provider.person("dee", email_of("deputy"), groups=["everyone", "cg-seniors"])  # an officer on the register
    base = council(OIDC_ROLE_MAP=ROLE_MAP)
    browser = requests.Session()
    reply = _sign_in(provider, base, "dee", browser)
    assert reply.url == f"{base}/" and "Dee Deputy (senior)" in _text(reply)
    assert browser.get(f"{base}/reviews", timeout=30).status_code == 200, "a senior's page"
    with sessions() as s:
        officer = s.scalar(select(Officer).where(Officer.email == email_of("deputy")))
        assert officer.role == "senior"
        assert s.scalar(select(Account).where(Account.officer_id == officer.id)) is not None
    (made,) = _audit(sessions, "account.created")
    assert made.details == {"method": "oidc"}
    (changed,) = _audit(sessions, "officer.role_changed")
    assert changed.entity_id == officer.id
    assert changed.details == {"role": "senior", "previous_role": "officer", "by": "oidc", "claim": "groups"}
    assert [e.details for e in _audit(sessions, "account.signed_in")] == [{"method": "oidc"}]


def test_an_account_made_at_first_sign_in_has_no_password_anyone_knows(cast, council, provider, client):
    provider.person("ann", email_of("agent"), groups=["cg-agents"])
    _sign_in(provider, council(OIDC_ROLE_MAP=ROLE_MAP), "ann")
    for guess in ("", "password", CLIENT_SECRET):
        token = csrf_from(client.get("/sign-in").data)
        reply = client.post("/sign-in", data={"csrf_token": token, "email": email_of("agent"), "password": guess})
        assert reply.status_code in (400, 401)


def test_of_several_matching_groups_the_highest_role_wins(cast, council, provider):
    provider.person("ann", email_of("agent"), groups=["cg-staff", "cg-admins", "cg-agents"])
    reply = _sign_in(provider, council(OIDC_ROLE_MAP=ROLE_MAP), "ann")
    assert "Ann Agent (admin)" in _text(reply)


def test_no_group_that_gives_access_is_refused_with_a_page_saying_to_ask_for_access(cast, council, provider, sessions):
    provider.person("olly", email_of("officer"), groups=["everyone", "finance"])
    provider.person("dee-no-claim", email_of("deputy"))  # the provider releases no groups claim at all
    base = council(OIDC_ROLE_MAP=ROLE_MAP)
    for login in ("olly", "dee-no-claim"):
        browser = requests.Session()
        reply = _sign_in(provider, base, login, browser)
        assert reply.status_code == 403
        text = _text(reply)
        assert "Your council account is not in a group that gives access to contactguard" in text
        assert "ask a contactguard admin, or your IT service desk, for access" in text
        assert browser.get(f"{base}/", timeout=30).url.startswith(f"{base}/sign-in"), "not signed in"
    refused = [e.details for e in _audit(sessions, "account.sign_in_failed")]
    assert refused == [
        {"reason": "no_role", "method": "oidc", "claim_sent": True},
        {"reason": "no_role", "method": "oidc", "claim_sent": False},
    ]
    assert not _audit(sessions, "account.created"), "no account is made for someone refused"


def test_a_change_of_group_in_the_provider_changes_the_role_at_the_next_sign_in(cast, council, provider, sessions):
    give_account(cast, "senior")
    provider.person("sam", email_of("senior"), groups=["cg-seniors"])
    base = council(OIDC_ROLE_MAP=ROLE_MAP)
    browser = requests.Session()
    assert "Sam Senior (senior)" in _text(_sign_in(provider, base, "sam", browser))
    assert browser.get(f"{base}/reviews", timeout=30).status_code == 200
    assert not _audit(sessions, "officer.role_changed"), "the same role: nothing to record"

    provider.person("sam", email_of("senior"), groups=["cg-staff"])  # moved to another group in the provider
    assert browser.get(f"{base}/reviews", timeout=30).status_code == 200, "until the next sign-in, the role stays"
    _sign_out(browser, base)
    reply = _sign_in(provider, base, "sam", browser)  # still signed in to the provider: straight back
    assert "Sam Senior (officer)" in _text(reply)
    assert browser.get(f"{base}/reviews", timeout=30).status_code == 403
    (changed,) = _audit(sessions, "officer.role_changed")
    assert changed.details == {"role": "officer", "previous_role": "senior", "by": "oidc", "claim": "groups"}


def test_an_email_the_register_does_not_know_is_refused_unless_officers_may_be_made(cast, council, provider, sessions):
    provider.person("nia", "nia.newcomer@council.example", groups=["cg-staff"], name="Nia  Newcomer")
    reply = _sign_in(provider, council(OIDC_ROLE_MAP=ROLE_MAP), "nia")
    assert reply.status_code == 401
    assert "There is no officer with your e-mail address in contactguard: ask a contactguard admin" in _text(reply)

    reply = _sign_in(provider, council(OIDC_ROLE_MAP=ROLE_MAP, OIDC_CREATE_OFFICERS=True), "nia")
    assert "Nia Newcomer (officer)" in _text(reply)
    with sessions() as s:
        officer = s.scalar(select(Officer).where(Officer.email == "nia.newcomer@council.example"))
        assert (officer.name, officer.role, officer.active) == ("Nia Newcomer", "officer", True)
    (added,) = _audit(sessions, "officer.added")[-1:]
    assert added.entity_id == officer.id and added.details == {"role": "officer"}


def test_a_deactivated_officer_or_a_disabled_account_stays_out_whatever_the_group(cast, council, provider):
    from plugin.services import register

    account_id = give_account(cast, "senior")
    with cast.act() as ctx:
        accounts.disable_account(ctx, account_id)
        register.update_officer(ctx, email_of("officer"), {"active": False})
    provider.person("sam", email_of("senior"), groups=["cg-admins"])
    provider.person("olly", email_of("officer"), groups=["cg-admins"])
    base = council(OIDC_ROLE_MAP=ROLE_MAP)
    for login in ("sam", "olly"):
        reply = _sign_in(provider, base, login)
        assert reply.status_code == 401
        assert "Your access to contactguard has been switched off: ask a contactguard admin" in _text(reply)


def test_two_first_sign_ins_at_once_share_the_account_the_first_made(cast, sessions):
    """The second insert breaks the one-account-per-officer constraint: it takes the first's account, no error."""
    first = give_account(cast, "officer")
    with cast.act() as ctx:
        officer = ctx.session.scalar(select(Officer).where(Officer.email == email_of("officer")))
        assert accounts._account_from_provider(ctx, officer).id == first
    with sessions() as s:
        assert len(s.scalars(select(Account)).all()) == 1


# -- reading the claim (no provider needed) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "claims, name, values",
    [
        ({"groups": ["a", "b"]}, "groups", ("a", "b")),
        ({"roles": "senior-staff"}, "roles", ("senior-staff",)),
        ({"realm_access": {"roles": ["x"]}}, "realm_access.roles", ("x",)),
        ({"https://council.example/roles": ["y"]}, "https://council.example/roles", ("y",)),
        ({"groups": ["a", 7, None]}, "groups", ("a",)),
        ({"groups": {"not": "a list"}}, "groups", ()),
        ({"email": "x@council.example"}, "groups", None),
    ],
)
def test_the_claim_is_read_by_name_or_dotted_path(claims, name, values):
    assert claim_values(claims, name) == values


def test_the_highest_mapped_role_wins_and_no_match_gives_none():
    assert role_from_claim(["cg-staff", "cg-seniors"], ROLE_MAP) is Role.SENIOR
    assert role_from_claim(["cg-admins", "cg-agents"], ROLE_MAP) is Role.ADMIN
    assert role_from_claim(["finance"], ROLE_MAP) is None
    assert role_from_claim([], ROLE_MAP) is None
    assert ProviderIdentity("a@council.example").claim_values is None


# -- forged answers (a stub: a real provider never sends them) ----------------------------------------------------

ISSUER = "https://login.council.example"
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
def stub_app(settings):
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


def _forged_sign_in(client, key, signed_by, userinfo=None, **claims):
    """Start at /sign-in/oidc, let the stub 'provider' answer with a token signed by `signed_by` (and `userinfo` from
    its userinfo endpoint, if given), come back."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as stub:
        discovery = {**DISCOVERY, "userinfo_endpoint": f"{ISSUER}/userinfo"} if userinfo else DISCOVERY
        stub.get(f"{ISSUER}/.well-known/openid-configuration", json=discovery)
        if userinfo:
            stub.get(f"{ISSUER}/userinfo", json=userinfo)
        start = client.get("/sign-in/oidc")
        query = parse_qs(urlsplit(start.headers["Location"]).query)
        assert query["code_challenge_method"] == ["S256"], "PKCE as well as the client secret"
        now = int(time.time())
        body = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "sub": "user-123",
            "iat": now,
            "exp": now + 300,
            "nonce": query["nonce"][0],
            "email": email_of("senior"),
            "email_verified": True,
            **claims,
        }
        body = {name: value for name, value in body.items() if value is not None}  # a claim given as None: left out
        token = jwt.encode({"alg": "RS256", "kid": signed_by.kid}, body, signed_by)
        stub.post(f"{ISSUER}/token", json={"access_token": "at", "token_type": "Bearer", "id_token": token})
        stub.get(f"{ISSUER}/jwks", json={"keys": [key.as_dict(private=False)]})
        return client.get("/sign-in/oidc/callback", query_string={"code": "the-code", "state": query["state"][0]})


def test_an_id_token_signed_by_another_key_or_for_another_client_is_refused(cast, stub_app, signing_key):
    give_account(cast, "senior")
    other_key = RSAKey.generate_key(2048, parameters={"kid": "test-key"})
    assert _forged_sign_in(stub_app.test_client(), signing_key, signing_key).status_code == 302, "the genuine one"
    for reply in (
        _forged_sign_in(stub_app.test_client(), signing_key, other_key),
        _forged_sign_in(stub_app.test_client(), signing_key, signing_key, aud="another-client"),
    ):
        assert reply.status_code == 401
        assert "The sign-in service did not confirm who you are" in page_text(reply)


def test_a_callback_without_a_matching_state_is_refused(cast, stub_app):
    reply = stub_app.test_client().get("/sign-in/oidc/callback", query_string={"code": "x", "state": "forged"})
    assert reply.status_code == 401
    assert "The sign-in service did not confirm who you are" in page_text(reply)


def test_userinfo_about_another_subject_is_refused(cast, stub_app, signing_key):
    """OpenID Connect Core 5.3.2: the userinfo response's `sub` must be the ID token's, else it must not be used."""
    give_account(cast, "senior")
    about_someone_else = {"sub": "user-456", "email": email_of("senior"), "email_verified": True}
    reply = _forged_sign_in(
        stub_app.test_client(), signing_key, signing_key, userinfo=about_someone_else, email=None, email_verified=None
    )
    assert reply.status_code == 401
    assert "The sign-in service did not confirm who you are" in page_text(reply)
    genuine = {**about_someone_else, "sub": "user-123"}
    reply = _forged_sign_in(
        stub_app.test_client(), signing_key, signing_key, userinfo=genuine, email=None, email_verified=None
    )
    assert reply.status_code == 302, "the same subject: its e-mail is used"

"""Issue 21 item 2: sessions kept on the server, each revocable; the same refusal for a locked, wrong or unknown sign-in.

An independent probe found a cookie copied before sign-out or a password reset working until 8 hours idle (the
session lived in the signed cookie alone), and a locked account answering 429 "Too many failed..." where an unknown
address answered 401, in a tenth of the time: the lockout told which addresses have accounts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
import time_machine
from argon2 import PasswordHasher
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select

from plugin.app import create_app, dispose
from plugin.cli import cli
from plugin.models import AuditEntry, WebSession
from plugin.services import accounts
from plugin.services import register as reg
from plugin.web.auth import browser_of
from tests.web.test_auth_support import PASSWORD, csrf_from, email_of, give_account, page_text, sign_in

COOKIE = "contactguard_session"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1"
)


@pytest.fixture(autouse=True)
def _cheap_hashes(monkeypatch):
    """A cheap argon2 (its parameters travel in each hash): what is tested here is sessions, not hashing's cost."""
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _cookie(client) -> str:
    return client.get_cookie(COOKIE).value


def _copy(app, client):
    """Another browser holding a copy of this one's cookie (what someone who copied it would send)."""
    other = app.test_client()
    other.set_cookie(COOKIE, _cookie(client))
    return other


def _browser(app, address: str, agent: str):
    """A browser at this address, saying this User-Agent."""
    browser = app.test_client()
    browser.environ_base.update(REMOTE_ADDR=address, HTTP_USER_AGENT=agent)
    return browser


def _post(client, url: str, page: str = "/account/sessions"):
    return client.post(url, data={"csrf_token": csrf_from(client.get(page).data)})


def test_the_cookie_carries_a_random_id_and_the_server_keeps_only_its_hash(cast, client, sessions):
    account_id = give_account(cast, "senior")
    sign_in(client, "senior")
    raw = _cookie(client)
    assert len(raw) == 43 and "." not in raw  # 32 random bytes, URL-safe: no signed data in it
    with sessions() as s:
        row = s.scalars(select(WebSession)).one()
    assert row.account_id == account_id
    assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in (row.data, row.browser, row.address)


def test_a_cookie_of_the_old_kind_naming_an_account_signs_nobody_in(cast, app, client):
    """Before issue 21 the signed cookie named the account: one made with the same key no longer signs in."""
    account_id = give_account(cast, "senior")
    forged = (
        SecureCookieSessionInterface()
        .get_signing_serializer(app)
        .dumps({"account_id": account_id, "seen": dt.datetime.now(dt.timezone.utc).timestamp()})
    )
    client.set_cookie(COOKIE, forged)
    assert client.get("/").status_code == 302
    client.set_cookie(COOKIE, "A" * 43)  # the shape of an id, but none the server gave out
    assert client.get("/").status_code == 302


def _sign_out(app, client, cast):
    reply = _post(client, "/sign-out", page="/")
    assert reply.status_code == 302


def _password_changed(app, client, cast):
    with cast.act("admin") as ctx:
        accounts.set_password(ctx, accounts.account_for_email(ctx, email_of("senior")).id, "a brand new passphrase")


def _totp_reset(app, client, cast):
    with cast.act("senior") as ctx:
        accounts.enrol_totp(ctx, accounts.account_for_email(ctx, email_of("senior")).id)


def _disabled(app, client, cast):
    with cast.act("admin") as ctx:
        accounts.disable_account(ctx, accounts.account_for_email(ctx, email_of("senior")).id)


def _officer_deactivated(app, client, cast):
    with cast.act() as ctx:
        reg.update_officer(ctx, email_of("senior"), {"active": False})


@pytest.mark.parametrize(
    "revoke, reason",
    [
        (_sign_out, "signed_out"),
        (_password_changed, "password_changed"),
        (_totp_reset, "totp_reset"),
        (_disabled, "disabled"),
        (_officer_deactivated, "inactive"),
    ],
    ids=["sign-out", "password-change", "totp-reset", "account-disabled", "officer-deactivated"],
)
def test_a_copied_cookie_stops_working_when_the_session_is_revoked(cast, app, client, sessions, revoke, reason):
    give_account(cast, "senior")
    sign_in(client, "senior")
    copied = _copy(app, client)
    assert copied.get("/").status_code == 200  # the copy works while the session does

    revoke(app, client, cast)

    assert copied.get("/").status_code == 302
    assert copied.get("/reviews").headers["Location"] == "/sign-in?next=/reviews"
    assert client.get("/").status_code == 302
    with sessions() as s:
        row = s.scalars(select(WebSession)).one()
    assert (row.ended_reason, row.data) == (reason, "")


def test_a_disabled_account_cannot_sign_in_nor_use_its_tokens_until_enabled(cast, client, runner):
    account_id = give_account(cast, "senior")
    with cast.act("senior") as ctx:
        token = accounts.issue_token(ctx, account_id, "a script")
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/reviews", headers=bearer).status_code == 200

    result = runner.invoke(cli, ["users", "disable", email_of("senior")])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"account of {email_of('senior')} disabled; their sessions have ended")
    refused = sign_in(client, "senior")
    assert refused.status_code == 401
    assert "The e-mail address, password or code is not right" in page_text(refused)
    assert client.get("/reviews", headers=bearer).status_code == 302

    assert runner.invoke(cli, ["users", "enable", email_of("senior")]).output.startswith("account of")
    assert sign_in(client, "senior").status_code == 302
    assert client.get("/reviews", headers=bearer).status_code == 200


def test_a_session_past_its_absolute_lifetime_ends_even_if_used_every_minute(cast, settings):
    give_account(cast, "senior")
    app = create_app(
        {
            "DATABASE_URL": settings.DATABASE_URL,
            "INSTANCE_PATH": settings.INSTANCE_PATH,
            "TESTING": True,
            "SESSION_IDLE_MINUTES": 5,
            "SESSION_ABSOLUTE_HOURS": 1,
        }
    )
    try:
        browser = app.test_client()
        start = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.timezone.utc)
        with time_machine.travel(start, tick=False):
            sign_in(browser, "senior")
        for minute in range(1, 60):
            with time_machine.travel(start + dt.timedelta(minutes=minute), tick=False):
                assert browser.get("/account/sessions").status_code == 200, f"minute {minute}"
        with time_machine.travel(start + dt.timedelta(minutes=60), tick=False):
            reply = browser.get("/account/sessions", follow_redirects=True)
            assert "You were signed out because you signed in more than 1 hour ago" in page_text(reply)
            assert browser.get("/account/sessions").status_code == 302
    finally:
        dispose(app)


def test_your_sessions_lists_where_each_began_and_ends_another_one(cast, app, sessions):
    give_account(cast, "senior")
    office = _browser(app, "10.20.30.40", FIREFOX)
    phone = _browser(app, "192.0.2.7", SAFARI_IPHONE)
    start = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.timezone.utc)
    with time_machine.travel(start, tick=False):
        sign_in(phone, "senior")
    with time_machine.travel(start + dt.timedelta(minutes=30), tick=False):
        sign_in(office, "senior")
        dashboard = page_text(office.get("/"))
        assert "Your sessions" in dashboard and dashboard.index("Your sessions") < dashboard.index("Sign out")
        page = page_text(office.get("/account/sessions"))
    assert "Firefox on Windows This browser 10.20.30.40 30 Nov 2026 09:30 GMT 30 Nov 2026 09:30 GMT" in page
    assert "Safari on iPhone 192.0.2.7 30 Nov 2026 09:00 GMT 30 Nov 2026 09:00 GMT" in page

    with sessions() as s:
        phone_session = s.scalars(select(WebSession).where(WebSession.address == "192.0.2.7")).one()
    with time_machine.travel(start + dt.timedelta(minutes=31), tick=False):
        ended = _post(office, f"/account/sessions/{phone_session.id}/end")
        assert ended.status_code == 302 and ended.headers["Location"] == "/account/sessions"
        after = page_text(office.get("/account/sessions"))
        assert "That session has ended: the browser using it is signed out." in after
        assert "192.0.2.7" not in after and "Firefox on Windows" in after
        assert phone.get("/").status_code == 302
    with sessions() as s:
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "account.session_ended")).one()
    assert audit.details == {"session": phone_session.id, "reason": "ended_by_owner"}


def test_ending_this_session_signs_out_and_ending_the_others_keeps_this_one(cast, app):
    give_account(cast, "senior")
    here, laptop, tablet = app.test_client(), app.test_client(), app.test_client()
    for browser in (here, laptop, tablet):
        sign_in(browser, "senior")
    assert _post(here, "/account/sessions/end-others").status_code == 302
    assert "2 other sessions ended." in page_text(here.get("/account/sessions"))
    assert laptop.get("/").status_code == 302 and tablet.get("/").status_code == 302

    page = here.get("/account/sessions")
    assert "End this session and sign out" in page_text(page)
    own = page.get_data(as_text=True).split('action="/account/sessions/')[1].split("/end")[0]
    reply = here.post(f"/account/sessions/{own}/end", data={"csrf_token": csrf_from(page.data)}, follow_redirects=True)
    assert "You have signed out." in page_text(reply)
    assert here.get("/").status_code == 302


def test_nobody_sees_or_ends_another_officers_sessions(cast, app, sessions):
    give_account(cast, "senior")
    give_account(cast, "officer")
    senior, officer = _browser(app, "10.0.0.1", FIREFOX), app.test_client()
    sign_in(senior, "senior")
    sign_in(officer, "officer")
    assert "10.0.0.1" not in page_text(officer.get("/account/sessions"))
    with sessions() as s:
        seniors = s.scalars(select(WebSession.id).where(WebSession.address == "10.0.0.1")).one()
    refused = _post(officer, f"/account/sessions/{seniors}/end")
    assert refused.status_code == 404 and "Page not found" in page_text(refused)
    assert senior.get("/").status_code == 200
    assert officer.get("/account/sessions").status_code == 200  # the officer is still signed in too


def test_your_sessions_needs_sign_in_and_a_csrf_token(cast, client):
    assert client.get("/account/sessions").headers["Location"] == "/sign-in?next=/account/sessions"
    give_account(cast, "senior")
    sign_in(client, "senior")
    assert client.post("/account/sessions/end-others", data={}).status_code == 400
    assert client.get("/").status_code == 200


def _counting_verifications(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = accounts._hasher

    class Counting:
        time_cost, memory_cost, parallelism = real.time_cost, real.memory_cost, real.parallelism

        def hash(self, password):
            return real.hash(password)

        def verify(self, password_hash, password):
            calls.append(password_hash)
            return real.verify(password_hash, password)

    monkeypatch.setattr(accounts, "_hasher", Counting())
    return calls


def test_a_locked_account_a_wrong_password_and_an_unknown_address_get_the_same_answer(
    cast, client, sessions, monkeypatch
):
    """Same status, same page, and each checks one argon2 hash (the cost of a sign-in attempt), so neither the
    answer nor its time says which addresses have accounts or which are locked; only the audit trail says."""
    give_account(cast, "senior")
    give_account(cast, "officer")
    for _ in range(accounts.MAX_FAILED_ATTEMPTS):
        sign_in(client, "officer", password="not the password at all")
    verified = _counting_verifications(monkeypatch)

    answers = {}
    for case, who, password in [
        ("locked", "officer", PASSWORD),
        ("wrong", "senior", "not the password at all"),
        ("unknown", "nobody", PASSWORD),
    ]:
        before = len(verified)
        reply = sign_in(client, who, password=password)
        answers[case] = (reply.status_code, page_text(reply).replace(email_of(who), "EMAIL"))
        assert len(verified) == before + 1, f"{case}: one argon2 verification"
    assert answers["locked"] == answers["wrong"] == answers["unknown"]
    assert answers["locked"][0] == 401
    assert "There is a problem The e-mail address, password or code is not right" in answers["locked"][1]
    with sessions() as s:
        reasons = [
            e.details["reason"]
            for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "account.sign_in_failed"))
        ]
    assert reasons[-3:] == ["locked", "wrong_password", "unknown"]


def test_rows_of_sessions_ended_or_left_long_ago_are_removed_at_the_next_sign_in(cast, app, sessions):
    give_account(cast, "senior")
    start = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.timezone.utc)
    signed_out, left = app.test_client(), app.test_client()
    with time_machine.travel(start, tick=False):
        sign_in(signed_out, "senior")
        _post(signed_out, "/sign-out", page="/")
        sign_in(left, "senior")  # never used again, never signed out
    with time_machine.travel(start + dt.timedelta(days=29), tick=False):
        sign_in(app.test_client(), "senior")
        with sessions() as s:
            assert len(s.scalars(select(WebSession)).all()) == 3  # kept for 30 days: when and where, for its owner
    with time_machine.travel(start + dt.timedelta(days=31), tick=False):
        sign_in(app.test_client(), "senior")
    with sessions() as s:
        assert [r.created_at.day for r in s.scalars(select(WebSession).order_by(WebSession.id))] == [30, 2]


def test_signing_in_again_in_a_signed_in_browser_ends_its_previous_session(cast, app, client, sessions):
    give_account(cast, "senior")
    give_account(cast, "officer")
    sign_in(client, "senior")
    first = _cookie(client)
    copied = _copy(app, client)
    token = csrf_from(client.get("/").data)  # the sign-in page sends a signed-in browser on; the form posts anyway
    reply = client.post("/sign-in", data={"csrf_token": token, "email": email_of("officer"), "password": PASSWORD})
    assert reply.status_code == 302
    assert _cookie(client) != first
    assert copied.get("/").status_code == 302
    with sessions() as s:
        assert [r.ended_reason for r in s.scalars(select(WebSession).order_by(WebSession.id))] == ["signed_out", None]


def test_the_cli_lists_and_ends_an_officers_sessions(cast, app, runner):
    give_account(cast, "senior")
    office = _browser(app, "10.20.30.40", FIREFOX)
    sign_in(office, "senior")
    sign_in(_browser(app, "192.0.2.7", SAFARI_IPHONE), "senior")
    listed = runner.invoke(cli, ["users", "sessions", "list", email_of("senior")])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert len(lines) == 2 and "Firefox on Windows" in listed.output and "192.0.2.7" in listed.output
    data = json.loads(runner.invoke(cli, ["--json", "users", "sessions", "list", email_of("senior")]).output)
    assert sorted(d["browser"] for d in data) == ["Firefox on Windows", "Safari on iPhone"]
    first = lines[0].split()[0]
    one = runner.invoke(cli, ["users", "sessions", "end", email_of("senior"), first])
    assert one.output.startswith(f"session {first} ended")
    again = runner.invoke(cli, ["users", "sessions", "end", email_of("senior"), first])
    assert again.exit_code == 3 and f"no open session {first} for this account" in again.output
    rest = runner.invoke(cli, ["users", "sessions", "end", email_of("senior")])
    assert rest.output.startswith("1 session ended")
    assert office.get("/").status_code == 302
    assert runner.invoke(cli, ["users", "sessions", "list", email_of("senior")]).output.startswith("no sessions")


@pytest.mark.parametrize(
    "agent, shown",
    [
        (FIREFOX, "Firefox on Windows"),
        (SAFARI_IPHONE, "Safari on iPhone"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge on macOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        ("python-requests/2.32.3", "python-requests"),
        ("", "unknown browser"),
        ("<script>", "unknown browser"),
    ],
)
def test_a_browser_is_shown_in_short(agent, shown):
    assert browser_of(agent) == shown


def test_deactivating_an_officer_ends_their_sessions_at_once_not_at_their_next_use(cast, client, sessions):
    """A session left unused while the officer was inactive must not come back if they are reactivated."""
    give_account(cast, "senior")
    sign_in(client, "senior")
    with cast.act() as ctx:
        reg.update_officer(ctx, email_of("senior"), {"active": False})
    with sessions() as s:
        assert s.scalars(select(WebSession)).one().ended_reason == "inactive", "ended when deactivated"
    with cast.act() as ctx:
        reg.update_officer(ctx, email_of("senior"), {"active": True})
    assert client.get("/").status_code == 302, "reactivated, the old session stays ended"

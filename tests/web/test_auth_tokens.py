"""Personal API tokens: shown once, stored hashed, refused when revoked, expired or the officer is inactive."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from sqlalchemy import select

from plugin.models import ApiToken
from plugin.services import Forbidden, InvalidInput, accounts
from plugin.services import register as reg
from tests.web.test_auth_support import email_of, give_account, page_text, sign_in


def _issue(cast, who: str = "senior", expires_days: int | None = 90) -> str:
    account_id = give_account(cast, who)
    with cast.act(who) as ctx:
        return accounts.issue_token(ctx, account_id, "reporting script", expires_days)


def _bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def test_a_token_is_stored_only_as_its_hash_with_a_short_prefix(cast, sessions):
    raw = _issue(cast)
    with sessions() as s:
        token = s.scalars(select(ApiToken)).one()
    assert raw.startswith("cg_") and len(raw) > 40
    assert token.prefix == raw[:8] and raw not in (token.token_hash, token.name)
    assert token.expires_at.date() == (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=90)).date()


def test_a_valid_token_opens_pages_as_its_officer_without_a_csrf_token(cast, client, sessions):
    raw = _issue(cast)
    page = client.get("/reviews", headers=_bearer(raw))
    assert page.status_code == 200 and "Reviews due" in page_text(page)
    with sessions() as s:
        assert s.scalars(select(ApiToken)).one().last_used_at is not None
    assert "Set-Cookie" not in page.headers  # a script gets no session cookie
    assert client.post("/sign-out", headers=_bearer(raw)).status_code == 302  # and needs no CSRF token


def test_the_actor_of_a_token_is_the_officer_in_their_role(cast, sessions):
    raw = _issue(cast, "officer")
    with sessions() as s:
        actor = accounts.actor_for_token(s, raw)
    officer_id = cast.ids["officer"][0]
    assert actor.label == f"officer:{officer_id}" and actor.role == "officer" and actor.officer_id == officer_id


def test_a_revoked_token_is_refused(cast, client, sessions):
    raw = _issue(cast)
    with sessions() as s:
        token_id = s.scalars(select(ApiToken.id)).one()
    with cast.act("senior") as ctx:
        accounts.revoke_token(ctx, token_id)
    with sessions() as s:
        assert accounts.actor_for_token(s, raw) is None
    assert client.get("/reviews", headers=_bearer(raw)).status_code == 302  # not signed in


def test_an_expired_token_is_refused(cast, sessions):
    raw = _issue(cast, expires_days=1)
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1, minutes=1)
    with time_machine.travel(later, tick=False), sessions() as s:
        assert accounts.actor_for_token(s, raw) is None


def test_tokens_of_an_inactive_officer_and_unknown_tokens_are_refused(cast, sessions):
    raw = _issue(cast, "officer")
    with cast.act() as ctx:
        reg.update_officer(ctx, email_of("officer"), {"active": False})
    with sessions() as s:
        assert accounts.actor_for_token(s, raw) is None
        assert accounts.actor_for_token(s, raw[:-2] + "xx") is None
        assert accounts.actor_for_token(s, "") is None


def test_a_bad_bearer_token_never_falls_back_to_the_session_cookie(cast, client):
    give_account(cast, "senior")
    sign_in(client, "senior")
    assert client.get("/reviews").status_code == 200
    assert client.get("/reviews", headers=_bearer("cg_not-a-real-token")).status_code == 302


def test_only_the_owner_or_an_admin_issues_and_revokes_tokens(cast):
    account_id = give_account(cast, "senior")
    with cast.act("officer") as ctx, pytest.raises(Forbidden, match="needs an admin"):
        accounts.issue_token(ctx, account_id, "not mine")
    with cast.act("admin") as ctx:
        assert accounts.issue_token(ctx, account_id, "issued by the admin", None).startswith("cg_")


@pytest.mark.parametrize("name, days", [("", 90), ("x" * 101, 90), ("fine", 0), ("fine", 400)])
def test_a_token_needs_a_name_and_a_sensible_expiry(cast, name, days):
    account_id = give_account(cast, "senior")
    with cast.act("senior") as ctx, pytest.raises(InvalidInput):
        accounts.issue_token(ctx, account_id, name, days)

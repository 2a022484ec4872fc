"""`contactguard users ...` from the server's shell, and the account rules behind it."""

from __future__ import annotations

import pyotp
import pytest

from plugin.cli import cli
from plugin.services import Conflict, Forbidden, InvalidInput, NotFound, accounts
from tests.web.test_auth_support import PASSWORD, csrf_from, email_of, give_account, page_text, sign_in


def test_create_admin_adds_the_officer_and_an_account_that_signs_in(runner, app):
    result = runner.invoke(
        cli,
        ["users", "create-admin", "root.admin@council.example", "--name", "Rae Root", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("admin root.admin@council.example can now sign in (account 1)")
    client = app.test_client()
    token_page = client.get("/sign-in")
    assert token_page.status_code == 200
    reply = client.post(
        "/sign-in",
        data={"csrf_token": csrf_from(token_page.data), "email": "root.admin@council.example", "password": PASSWORD},
        follow_redirects=True,
    )
    assert "Rae Root (admin)" in page_text(reply)


def test_create_admin_prompts_twice_and_refuses_a_short_password(runner, monkeypatch):
    monkeypatch.setattr("plugin.cli.users.stdin_is_a_terminal", lambda: True)  # typed at a terminal: the prompt
    result = runner.invoke(
        cli,
        ["users", "create-admin", "root.admin@council.example", "--name", "Rae Root"],
        input="too short\ntoo short\n",
    )
    assert result.exit_code == 2
    assert "error: the password must be at least 12 characters long" in result.output
    mismatch = runner.invoke(
        cli,
        ["users", "create-admin", "root.admin@council.example", "--name", "Rae Root"],
        input=f"{PASSWORD}\nsomething else entirely\n",
    )
    assert "Error: The two entered values do not match." in mismatch.output


def test_create_admin_will_not_turn_another_officer_into_an_admin(cast, runner):
    result = runner.invoke(
        cli, ["users", "create-admin", email_of("senior"), "--name", "Sam", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert result.exit_code == 5
    assert "is an officer with role senior, not an admin" in result.output


def test_add_totp_and_tokens_from_the_shell(cast, runner, sessions):
    assert runner.invoke(
        cli, ["users", "add", email_of("officer"), "--password-stdin"], input=PASSWORD + "\n"
    ).output.startswith(f"{email_of('officer')} can now sign in as officer")
    again = runner.invoke(cli, ["users", "add", email_of("officer"), "--password-stdin"], input=PASSWORD + "\n")
    assert again.exit_code == 5 and "has an account already" in again.output

    totp = runner.invoke(cli, ["users", "totp", email_of("officer")])
    uri = totp.output.splitlines()[0]
    assert pyotp.parse_uri(uri).name == email_of("officer")

    issued = runner.invoke(cli, ["users", "tokens", "issue", email_of("officer"), "--name", "reports"])
    raw = issued.output.splitlines()[0]
    listed = runner.invoke(cli, ["users", "tokens", "list", email_of("officer")]).output
    assert raw[:8] + "..." in listed and "reports" in listed and raw not in listed
    assert runner.invoke(cli, ["users", "tokens", "revoke", "1"]).output.startswith("token 1 revoked")
    assert "REVOKED" in runner.invoke(cli, ["users", "tokens", "list", email_of("officer")]).output
    with sessions() as s:
        assert accounts.actor_for_token(s, raw) is None


def test_set_password_lifts_a_lockout(cast, runner, client):
    give_account(cast, "senior")
    for _ in range(accounts.MAX_FAILED_ATTEMPTS):
        sign_in(client, "senior", password="the wrong password")
    assert sign_in(client, "senior").status_code == 401  # locked (the page does not say so: issue 21)
    result = runner.invoke(
        cli, ["users", "set-password", email_of("senior"), "--password-stdin"], input="a brand new passphrase\n"
    )
    assert result.output.startswith(f"password changed for {email_of('senior')}")
    assert sign_in(client, "senior", password="a brand new passphrase").status_code == 302


def test_only_an_admin_or_the_shell_creates_accounts(cast):
    with cast.act("senior") as ctx, pytest.raises(Forbidden, match="creating an account needs an admin"):
        accounts.create_account(ctx, email_of("officer"), PASSWORD)
    with cast.act("admin") as ctx:
        assert accounts.create_account(ctx, email_of("officer"), PASSWORD).officer.email == email_of("officer")


def test_account_rules_refuse_clearly(cast):
    with cast.act() as ctx, pytest.raises(NotFound, match=r"no officer with e-mail nobody@council\.example"):
        accounts.create_account(ctx, "nobody@council.example", PASSWORD)
    with cast.act() as ctx, pytest.raises(InvalidInput, match="at least 12 characters"):
        accounts.create_account(ctx, email_of("officer"), "elevenchars")
    give_account(cast, "officer")
    with cast.act() as ctx, pytest.raises(Conflict, match="has an account already"):
        accounts.create_account(ctx, email_of("officer"), PASSWORD)


def test_authenticate_gives_the_officer_actor_and_refuses_with_stable_codes(cast):
    give_account(cast, "senior")
    with cast.act() as ctx:
        actor = accounts.authenticate(ctx, "  SENIOR@council.example ", PASSWORD)
    assert (actor.label, actor.role, actor.officer_id) == (
        f"officer:{cast.ids['senior'][0]}",
        "senior",
        cast.ids["senior"][0],
    )
    for email, password in (
        (email_of("senior"), "wrong password!"),
        ("nobody@council.example", PASSWORD),
        ("", PASSWORD),
        (email_of("senior"), ""),
    ):
        with cast.act() as ctx, pytest.raises(accounts.InvalidCredentials) as refused:
            accounts.authenticate(ctx, email, password)
        assert (refused.value.code, refused.value.status) == ("invalid_credentials", 401)

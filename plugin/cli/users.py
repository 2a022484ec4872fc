"""`contactguard users`: sign-in accounts, TOTP and personal API tokens, from the server's shell.

`users create-admin` is how the first person gets in: it adds the admin officer if missing and gives
them an account. Passwords are asked for twice at a hidden prompt in a terminal, or read from one line of
standard input when it is not a terminal or with `--password-stdin` (for scripts; never put a password on the
command line, where `ps` and the shell history would show it). Run without `--as`, these commands act as the
operator at the shell.
"""

from __future__ import annotations

import sys

import click

from ..services import accounts
from .base import cli, unit_of_work


def _read_password(_ctx: click.Context, _param, from_stdin: bool) -> str:
    """The new password (before any transaction): typed twice at a hidden prompt on a terminal, else one line of
    standard input. A prompt with standard input piped would wait on the terminal, not read the pipe."""
    if from_stdin or not stdin_is_a_terminal():
        return _line_from_stdin()
    return click.prompt("Password (at least 12 characters)", hide_input=True, confirmation_prompt=True)


def stdin_is_a_terminal() -> bool:
    """Someone types at this command (a terminal), rather than a pipe, a file or nothing feeding it."""
    return sys.stdin is not None and sys.stdin.isatty()


def _line_from_stdin() -> str:
    line = sys.stdin.readline() if sys.stdin is not None else ""
    if not line:
        raise click.UsageError("no password on standard input: pipe one line to this command, or run it in a terminal")
    return line.rstrip("\r\n")


def password_option(func):
    return click.option(
        "--password-stdin",
        "password",
        is_flag=True,
        callback=_read_password,
        help="Read the password from one line of standard input (the default when it is not a terminal).",
    )(func)


@cli.group()
def users() -> None:
    """Accounts for signing in to the web pages and the API."""


@users.command("create-admin")
@click.argument("email")
@click.option("--name", required=True, help="The admin's full name.")
@password_option
@unit_of_work(actor_required=False)
def users_create_admin(state, ctx, email, name, password):
    """Add an admin officer (if missing) and their account: the first way in to a new installation."""
    account = accounts.create_admin(ctx, email, name, password)
    return f"admin {account.officer.email} can now sign in (account {account.id})", _account_data(account)


@users.command("add")
@click.argument("email")
@password_option
@unit_of_work(actor_required=False)
def users_add(state, ctx, email, password):
    """Give an existing officer an account; they sign in with their role (agent, officer, senior or admin)."""
    account = accounts.create_account(ctx, email, password)
    return (
        f"{account.officer.email} can now sign in as {account.officer.role} (account {account.id})",
        _account_data(account),
    )


@users.command("set-password")
@click.argument("email")
@password_option
@unit_of_work(actor_required=False)
def users_set_password(state, ctx, email, password):
    """Replace an officer's password; this also lifts a lockout and ends every session signed in as them."""
    account = accounts.set_password(ctx, accounts.account_for_email(ctx, email).id, password)
    return f"password changed for {account.officer.email}; their sessions have ended", _account_data(account)


@users.command("disable")
@click.argument("email")
@unit_of_work(actor_required=False)
def users_disable(state, ctx, email):
    """Stop an account at once: it cannot sign in, its sessions end and its API tokens are refused."""
    account = accounts.disable_account(ctx, accounts.account_for_email(ctx, email).id)
    return f"account of {account.officer.email} disabled; their sessions have ended", _account_data(account)


@users.command("enable")
@click.argument("email")
@unit_of_work(actor_required=False)
def users_enable(state, ctx, email):
    """Let a disabled account sign in again (its ended sessions stay ended; its tokens work again)."""
    account = accounts.enable_account(ctx, accounts.account_for_email(ctx, email).id)
    return f"account of {account.officer.email} enabled", _account_data(account)


@users.command("totp")
@click.argument("email")
@unit_of_work(actor_required=False)
def users_totp(state, ctx, email):
    """Enrol the officer in TOTP: prints the otpauth:// URI for their authenticator app (shown once)."""
    uri = accounts.enrol_totp(ctx, accounts.account_for_email(ctx, email).id)
    text = (
        f"{uri}\nGive this to the officer only (it is their second factor); from now on they sign in with "
        "a code from their authenticator app. Their sessions have ended."
    )
    return text, {"otpauth_uri": uri}


@users.group("sessions")
def sessions() -> None:
    """Browsers signed in as an officer: list them, end them."""


@sessions.command("list")
@click.argument("email")
@unit_of_work(actor_required=False)
def sessions_list(state, ctx, email):
    """An officer's live sessions: id, browser, address, when signed in and last used."""
    rows = [_session_data(s) for s in accounts.list_sessions(ctx, accounts.account_for_email(ctx, email).id)]
    text = "\n".join(
        f"{s['id']:5} {s['browser']:30} {s['address']:40} signed in {s['created_at']:%Y-%m-%d %H:%M} UTC; "
        f"last used {s['last_seen_at']:%Y-%m-%d %H:%M} UTC"
        for s in rows
    )
    return text or "no sessions", rows


@sessions.command("end")
@click.argument("email")
@click.argument("session_id", type=int, required=False)
@unit_of_work(actor_required=False)
def sessions_end(state, ctx, email, session_id):
    """End one of an officer's sessions (by id), or all of them: those browsers are signed out."""
    account_id = accounts.account_for_email(ctx, email).id
    if session_id is not None:
        accounts.end_session(ctx, account_id, session_id)
        return f"session {session_id} ended", {"ended": [session_id]}
    count = accounts.end_sessions(ctx, account_id)
    return f"{count} session{'' if count == 1 else 's'} ended", {"ended": count}


@users.group("tokens")
def tokens() -> None:
    """Personal API tokens (Authorization: Bearer ...), acting with the officer's role."""


@tokens.command("issue")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for, e.g. 'reporting script'.")
@click.option("--expires-days", type=int, default=90, show_default=True)
@click.option("--no-expiry", is_flag=True, help="A token that never expires (revoke it when no longer needed).")
@unit_of_work(actor_required=False)
def tokens_issue(state, ctx, email, name, expires_days, no_expiry):
    """Issue a token; it is printed once and cannot be shown again."""
    account = accounts.account_for_email(ctx, email)
    raw = accounts.issue_token(ctx, account.id, name, None if no_expiry else expires_days)
    return f"{raw}\nThis token is shown once: store it now.", {"token": raw}


@tokens.command("list")
@click.argument("email")
@unit_of_work(actor_required=False)
def tokens_list(state, ctx, email):
    """An officer's tokens: id, prefix, name, expiry, revocation and last use (never the token)."""
    rows = [_token_data(t) for t in accounts.list_tokens(ctx, accounts.account_for_email(ctx, email).id)]
    text = "\n".join(
        f"{t['id']:5} {t['prefix']}... {t['name']:30} expires {t['expires_at'] or 'never'}"
        f"{' REVOKED' if t['revoked_at'] else ''}; last used {t['last_used_at'] or 'never'}"
        for t in rows
    )
    return text or "no tokens", rows


@tokens.command("revoke")
@click.argument("token_id", type=int)
@unit_of_work(actor_required=False)
def tokens_revoke(state, ctx, token_id):
    """Revoke a token at once."""
    accounts.revoke_token(ctx, token_id)
    return f"token {token_id} revoked", {"id": token_id, "revoked": True}


def _account_data(account) -> dict:
    return {
        "id": account.id,
        "officer": account.officer.email,
        "role": account.officer.role,
        "totp": account.totp_secret_encrypted is not None,
        "disabled": account.disabled_at is not None,
    }


def _session_data(summary) -> dict:
    return {
        "id": summary.id,
        "browser": summary.browser,
        "address": summary.address,
        "created_at": summary.created_at,
        "last_seen_at": summary.last_seen_at,
    }


def _token_data(token) -> dict:
    return {
        "id": token.id,
        "prefix": token.prefix,
        "name": token.name,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "last_used_at": token.last_used_at,
    }

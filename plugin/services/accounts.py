"""Accounts: who may sign in, how (password, TOTP, OpenID Connect), and personal API tokens.

Every way in ends in the same Actor an officer has everywhere else (`officer:ID` with the officer's
role), so the web pages, the API and the CLI enforce the same rules. Sign-in never says whether an
e-mail address has an account: an unknown address, a wrong password and an inactive officer all get
the same `invalid_credentials`. After MAX_FAILED_ATTEMPTS wrong passwords in a row the account is
locked for LOCKOUT; the failed attempt is committed before the error is raised, so the count holds
whatever the caller then does with its transaction. The audit trail records sign-ins by account and
officer id, never the address typed or the password.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import NoReturn, TypeGuard

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from ..clock import utcnow
from ..models import Account, ApiToken, AuditEntry, Officer
from ..policy.vocabulary import Role
from ..secretbox import SecretBox
from .context import Actor, Context
from .errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError
from .lookup import officer_by_email, require_admin

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # argon2 hashes anything; this stops a megabyte "password" costing CPU
MAX_FAILED_ATTEMPTS = 5
LOCKOUT = dt.timedelta(minutes=15)
TOKEN_PREFIX = "cg_"
TOKEN_SHOWN_CHARS = 8
TOTP_ISSUER = "contactguard"

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so a wrong address costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class InvalidCredentials(ServiceError):
    """The e-mail, the password or the code is wrong (which one is not said)."""

    status = 401
    code = "invalid_credentials"


class TotpRequired(ServiceError):
    """The password was right and the account has TOTP: ask for the code."""

    status = 401
    code = "totp_required"


class AccountLocked(ServiceError):
    """Too many wrong passwords: the account is locked for a while."""

    status = 429
    code = "locked"


def officer_actor(officer: Officer) -> Actor:
    """The actor a signed-in officer is everywhere: `officer:ID` in their role."""
    return Actor(label=f"officer:{officer.id}", role=Role(officer.role), officer_id=officer.id)


# -- accounts ---------------------------------------------------------------------------------------------


def create_admin(ctx: Context, email: str, name: str, password: str) -> Account:
    """The first way in to a new installation: an admin officer (added if missing) and their account."""
    from . import register

    officer = register.find_officer(ctx.session, email)
    if officer is None:
        officer = register.add_officer(ctx, {"email": email, "name": name, "role": Role.ADMIN.value})
    elif officer.role != Role.ADMIN.value:
        raise Conflict(
            f"{officer.email} is an officer with role {officer.role}, not an admin: use `users add` to "
            "give them an account, or `officers update` to change their role",
            errors={"email": ["not admin"]},
        )
    return create_account(ctx, officer.email, password)


def create_account(ctx: Context, officer_email: str, password: str) -> Account:
    """Give an existing officer an account with this password (an admin, or the server's shell)."""
    require_admin(ctx, "creating an account")
    officer = officer_by_email(ctx, officer_email, field="email")
    _check_password(password)
    if ctx.session.scalar(select(Account).where(Account.officer_id == officer.id)):
        raise Conflict(f"{officer.email} has an account already", errors={"email": ["has an account"]})
    account = Account(officer=officer, password_hash=_hasher.hash(password), failed_attempts=0)
    ctx.session.add(account)
    ctx.audit("account.created", account)
    return account


def set_password(ctx: Context, account_id: int, password: str) -> Account:
    """Replace an account's password and clear any lockout (an admin, or the server's shell)."""
    require_admin(ctx, "setting a password")
    account = _account(ctx, account_id)
    _check_password(password)
    account.password_hash = _hasher.hash(password)
    account.failed_attempts, account.locked_until = 0, None
    ctx.audit("account.password_set", account)
    return account


def account_for_email(ctx: Context, email: str) -> Account:
    """The account of the officer with this e-mail, NotFound otherwise (for administration)."""
    officer = officer_by_email(ctx, email, field="email")
    account = ctx.session.scalar(select(Account).where(Account.officer_id == officer.id))
    if account is None:
        raise NotFound(f"{officer.email} has no account; add one first", errors={"email": ["no account"]})
    return account


def _check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"the password must be at least {MIN_PASSWORD_LENGTH} characters long",
            errors={"password": [f"at least {MIN_PASSWORD_LENGTH} characters"]},
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"the password must be at most {MAX_PASSWORD_LENGTH} characters long",
            errors={"password": [f"at most {MAX_PASSWORD_LENGTH} characters"]},
        )


def _account(ctx: Context, account_id: int) -> Account:
    account = ctx.session.get(Account, account_id) if account_id is not None else None
    if account is None:
        raise NotFound(f"no account with id {account_id}")
    return account


# -- TOTP -------------------------------------------------------------------------------------------------


def enrol_totp(ctx: Context, account_id: int) -> str:
    """Give an account a new TOTP secret (sealed at rest); returns the otpauth:// URI to scan, once."""
    account = _account(ctx, account_id)
    _require_self_or_admin(ctx, account, "enrolling TOTP")
    secret = pyotp.random_base32()
    account.totp_secret_encrypted = SecretBox(ctx.settings).seal({"totp": secret})
    account.totp_last_step = None
    ctx.audit("account.totp_enrolled", account)
    return pyotp.TOTP(secret).provisioning_uri(name=account.officer.email, issuer_name=TOTP_ISSUER)


def _totp_secret(ctx: Context, account: Account) -> str | None:
    if account.totp_secret_encrypted is None:
        return None
    return SecretBox(ctx.settings).open(account.totp_secret_encrypted)["totp"]


def _accept_totp(ctx: Context, account: Account, secret: str, code: str) -> bool:
    """True for the current code (or the one either side of it), once only."""
    totp = pyotp.TOTP(secret)
    code = "".join(str(code).split())
    now = ctx.now()
    for drift in (0, -1, 1):
        at = now + dt.timedelta(seconds=drift * totp.interval)
        step = totp.timecode(at)
        if secrets.compare_digest(totp.at(at), code) and (account.totp_last_step or -1) < step:
            account.totp_last_step = step
            return True
    return False


# -- signing in -------------------------------------------------------------------------------------------


def authenticate(ctx: Context, email: str, password: str, totp_code: str | None = None) -> Actor:
    """The officer signing in with this e-mail and password (and TOTP code when enrolled), as an Actor."""
    account = _signable_account(ctx, email)
    now = ctx.now()
    if account is not None and account.locked_until is not None and account.locked_until > now:
        _fail(
            ctx,
            account,
            "locked",
            AccountLocked(
                "too many failed sign-in attempts: try again in 15 minutes, or ask an admin to reset the password"
            ),
        )
    if not _password_matches(account, password):
        _count_failure(ctx, account, now)
    secret = _totp_secret(ctx, account)
    if secret is not None:
        if not totp_code:
            raise TotpRequired("enter the 6-digit code from your authenticator app", errors={"totp_code": ["required"]})
        if not _accept_totp(ctx, account, secret, totp_code):
            _count_failure(ctx, account, now)
    return _signed_in(ctx, account, now, "password")


def sign_in_officer(ctx: Context, email: str, method: str) -> Actor:
    """An officer proven by someone else (OpenID Connect's verified `email`): the same rules as a password.

    The officer must be active and have an account; refused with `invalid_credentials` otherwise.
    """
    account = _signable_account(ctx, email)
    if account is None:
        _fail(
            ctx,
            None,
            "unknown",
            InvalidCredentials(
                "that account cannot sign in to contactguard: ask an admin to give your officer record an account"
            ),
        )
    return _signed_in(ctx, account, ctx.now(), method)


def _signable_account(ctx: Context, email: str) -> Account | None:
    """The account of an active officer with this e-mail, or None (which of the two is never said)."""
    if not isinstance(email, str) or not email.strip():
        return None
    query = (
        select(Account)
        .join(Officer, Officer.id == Account.officer_id)
        .where(Officer.email == email.strip().lower(), Officer.active.is_(True))
    )
    return ctx.session.scalar(query)


def _password_matches(account: Account | None, password) -> TypeGuard[Account]:
    if not isinstance(password, str) or not password or len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return _hasher.verify(account.password_hash if account else _DUMMY_HASH, password) and account is not None
    except (VerificationError, InvalidHashError):
        return False


def _count_failure(ctx: Context, account: Account | None, now: dt.datetime) -> NoReturn:
    """One more wrong password or code: lock the account after MAX_FAILED_ATTEMPTS in a row."""
    if account is not None:
        account.failed_attempts = (account.failed_attempts or 0) + 1
        if account.failed_attempts >= MAX_FAILED_ATTEMPTS:
            account.locked_until, account.failed_attempts = now + LOCKOUT, 0
    _fail(
        ctx,
        account,
        "wrong_password" if account else "unknown",
        InvalidCredentials("the e-mail address, password or code is not right", errors={"password": ["not right"]}),
    )


def _fail(ctx: Context, account: Account | None, reason: str, error: ServiceError) -> NoReturn:
    """Audit the failed sign-in, commit it (the lockout must count it), and raise `error`."""
    details = {"reason": reason}
    if account is not None and account.locked_until is not None and reason != "locked":
        details["locked_until"] = account.locked_until.isoformat()
    ctx.session.add(
        AuditEntry(
            actor=ctx.actor.label,
            actor_officer_id=None,
            action="account.sign_in_failed",
            entity_type="accounts",
            entity_id=account.id if account else None,
            details=details,
        )
    )
    ctx.session.commit()
    raise error


def _signed_in(ctx: Context, account: Account, now: dt.datetime, method: str) -> Actor:
    actor = officer_actor(account.officer)
    account.failed_attempts, account.locked_until, account.last_sign_in_at = 0, None, now
    ctx.session.add(
        AuditEntry(
            actor=actor.label,
            actor_officer_id=actor.officer_id,
            action="account.signed_in",
            entity_type="accounts",
            entity_id=account.id,
            details={"method": method},
        )
    )
    return actor


def account_id_of(ctx: Context, actor: Actor) -> int | None:
    """The id of the signed-in officer's account (what a web session remembers), None without one."""
    if actor.officer_id is None:
        return None
    return ctx.session.scalar(select(Account.id).where(Account.officer_id == actor.officer_id))


def actor_for_account(session, account_id: int) -> Actor | None:
    """The actor for a signed-in session's account, or None when the account or its officer is gone or inactive."""
    account = session.get(Account, account_id) if account_id is not None else None
    if account is None or not account.officer.active:
        return None
    return officer_actor(account.officer)


# -- API tokens -------------------------------------------------------------------------------------------


def issue_token(ctx: Context, account_id: int, name: str, expires_days: int | None = 90) -> str:
    """A new personal API token for the account; the raw token is returned once and never stored."""
    account = _account(ctx, account_id)
    _require_self_or_admin(ctx, account, "issuing an API token")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput("give the token a name of 1 to 100 characters", errors={"name": ["1 to 100 characters"]})
    if expires_days is not None and not 1 <= expires_days <= 366:
        raise InvalidInput("a token expires after 1 to 366 days", errors={"expires_days": ["1 to 366"]})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        account_id=account.id,
        name=name,
        prefix=raw[:TOKEN_SHOWN_CHARS],
        token_hash=_digest(raw),
        expires_at=ctx.now() + dt.timedelta(days=expires_days) if expires_days else None,
    )
    ctx.session.add(token)
    ctx.audit("api_token.issued", token, account_id=account.id, expires_at=token.expires_at)
    return raw


def revoke_token(ctx: Context, token_id: int) -> None:
    """Revoke a token at once (its owner or an admin); revoking twice changes nothing."""
    token = ctx.session.get(ApiToken, token_id) if token_id is not None else None
    if token is None:
        raise NotFound(f"no API token with id {token_id}")
    _require_self_or_admin(ctx, token.account, "revoking an API token")
    if token.revoked_at is None:
        token.revoked_at = ctx.now()
        ctx.audit("api_token.revoked", token, account_id=token.account_id)


def list_tokens(ctx: Context, account_id: int) -> list[ApiToken]:
    """An account's tokens, oldest first (prefix, name, dates: never the token)."""
    account = _account(ctx, account_id)
    _require_self_or_admin(ctx, account, "listing API tokens")
    return list(account.tokens)


def actor_for_token(session, raw_token: str) -> Actor | None:
    """The actor a Bearer token stands for; None when unknown, revoked, expired or its officer is inactive."""
    if not isinstance(raw_token, str) or not raw_token.startswith(TOKEN_PREFIX) or len(raw_token) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(raw_token)))
    now = utcnow()
    if token is None or token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return None
    actor = actor_for_account(session, token.account_id)
    if actor is not None:
        token.last_used_at = now
    return actor


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _require_self_or_admin(ctx: Context, account: Account, what: str) -> None:
    if ctx.actor.officer_id == account.officer_id:
        return
    if not (ctx.actor.is_system or ctx.actor.role == Role.ADMIN):
        raise Forbidden(f"{what} for another officer needs an admin")

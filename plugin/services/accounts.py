"""Accounts: who may sign in, how (password, TOTP, OpenID Connect), and personal API tokens.

Every way in ends in the same Actor an officer has everywhere else (`officer:ID` with the officer's
role), so the web pages, the API and the CLI enforce the same rules. Sign-in never says whether an
e-mail address has an account, nor whether it is locked: an unknown address, a wrong password or code,
a locked account and an inactive officer all get the same `invalid_credentials` (401), and each costs
one argon2 verification, so they take the same time too. Only the audit trail says which it was.
Through the council's identity provider the person is already proven, so a refusal says why; with
OIDC_ROLE_MAP the provider's groups set the officer's role at each sign-in (`sign_in_with_provider`).

The lockout holds against parallel requests: an attempt is counted by one conditional UPDATE *before*
the password is checked and committed at once, so of any number of simultaneous attempts at most
MAX_FAILED_ATTEMPTS are checked; the one that makes the count locks the account for LOCKOUT, and every
later attempt is refused unchecked until it ends. A success sets the count back to 0. A TOTP code is
used by another conditional UPDATE of the account's last time step, so of parallel requests with one
code exactly one signs in. The audit trail records sign-ins by account and officer id, never the
address typed or the password.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple, NoReturn, TypeGuard

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import case, literal, select, update
from sqlalchemy.exc import IntegrityError

from ..clock import utcnow
from ..models import Account, ApiToken, AuditEntry, Officer
from ..models.base import UTCDateTime
from ..offload import off_the_event_loop
from ..policy.vocabulary import Role
from ..secretbox import SecretBox
from . import web_sessions
from .context import Actor, Context
from .errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError
from .lookup import officer_by_email, require_admin

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # argon2 hashes anything; this stops a megabyte "password" costing CPU
MAX_FAILED_ATTEMPTS = 5
LOCKOUT = dt.timedelta(minutes=15)
TOKEN_PREFIX = "cg_"
TOKEN_SHOWN_CHARS = 8
TOTP_ISSUER = "contactguard"

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so a wrong address costs as long as a wrong password: one per
# hasher's parameters (argon2 takes them from the hash), the default's made at start-up (_dummy_hash).
_dummy_hashes: dict[tuple[int, int, int], str] = {}


class InvalidCredentials(ServiceError):
    """The e-mail, the password or the code is wrong (which one is not said)."""

    status = 401
    code = "invalid_credentials"


class TotpRequired(ServiceError):
    """The password was right and the account has TOTP: ask for the code."""

    status = 401
    code = "totp_required"


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
    """Replace an account's password, clear any lockout and end its sessions (an admin, or the server's shell)."""
    require_admin(ctx, "setting a password")
    account = _account(ctx, account_id)
    _check_password(password)
    account.password_hash = _hasher.hash(password)
    account.failed_attempts, account.locked_until = 0, None
    ctx.audit("account.password_set", account)
    web_sessions.end_all(ctx, account.id, web_sessions.PASSWORD_CHANGED)
    return account


def disable_account(ctx: Context, account_id: int) -> Account:
    """Stop an account at once: no sign-in, its sessions ended, its tokens refused (an admin, or the server's shell)."""
    require_admin(ctx, "disabling an account")
    account = _account(ctx, account_id)
    if account.disabled_at is None:
        account.disabled_at = ctx.now()
        ctx.audit("account.disabled", account)
    web_sessions.end_all(ctx, account.id, web_sessions.DISABLED)
    return account


def enable_account(ctx: Context, account_id: int) -> Account:
    """Let a disabled account sign in again (its ended sessions stay ended)."""
    require_admin(ctx, "enabling an account")
    account = _account(ctx, account_id)
    if account.disabled_at is not None:
        account.disabled_at = None
        ctx.audit("account.enabled", account)
    return account


def unlock_account(ctx: Context, account_id: int) -> Account:
    """Lift a lockout after too many failed sign-ins, and set the count of failures back to 0 (an admin)."""
    require_admin(ctx, "unlocking an account")
    account = _account(ctx, account_id)
    was_locked = account.locked_until is not None and account.locked_until > ctx.now()
    account.failed_attempts, account.locked_until = 0, None
    ctx.audit("account.unlocked", account, was_locked=was_locked)
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
    """Give an account a new TOTP secret (sealed at rest); returns the otpauth:// URI to scan, once.

    A new secret is a reset: whoever held the old one may have signed in with it, so every session ends."""
    account = _account(ctx, account_id)
    _require_self_or_admin(ctx, account, "enrolling TOTP")
    secret = pyotp.random_base32()
    account.totp_secret_encrypted = SecretBox(ctx.settings).seal({"totp": secret})
    account.totp_last_step = None
    ctx.audit("account.totp_enrolled", account)
    web_sessions.end_all(ctx, account.id, web_sessions.TOTP_RESET)
    return pyotp.TOTP(secret).provisioning_uri(name=account.officer.email, issuer_name=TOTP_ISSUER)


def _totp_secret(ctx: Context, account: Account) -> str | None:
    if account.totp_secret_encrypted is None:
        return None
    return SecretBox(ctx.settings).open(account.totp_secret_encrypted)["totp"]


def _accept_totp(ctx: Context, account_id: int, secret: str, code: str) -> bool:
    """True for the current code (or the one either side of it), once only."""
    totp = pyotp.TOTP(secret)
    code = "".join(str(code).split())
    now = ctx.now()
    for drift in (0, -1, 1):
        at = now + dt.timedelta(seconds=drift * totp.interval)
        if secrets.compare_digest(totp.at(at), code):
            return _use_totp_step(ctx, account_id, totp.timecode(at))
    return False


def _use_totp_step(ctx: Context, account_id: int, step: int) -> bool:
    """Record `step` as the last one used, if it is later than the last: one UPDATE, so of parallel requests with
    one code only one finds the row to change (on PostgreSQL the others wait for its commit, then find it moved)."""
    used = ctx.session.execute(
        update(Account)
        .where(Account.id == account_id, (Account.totp_last_step.is_(None)) | (Account.totp_last_step < step))
        .values(totp_last_step=step)
        .returning(Account.id)
        .execution_options(synchronize_session=False)
    ).first()
    return used is not None


# -- signing in -------------------------------------------------------------------------------------------


def authenticate(ctx: Context, email: str, password: str, totp_code: str | None = None) -> Actor:
    """The officer signing in with this e-mail and password (and TOTP code when enrolled), as an Actor.

    Commits the attempt's count before checking anything, and the refusal's audit entry before raising."""
    account = _signable_account(ctx, email)
    now = ctx.now()
    claim = _count_attempt(ctx, account.id, now) if account is not None else None
    ctx.session.commit()  # counted for every parallel attempt at once; and no lock held while hashing
    matches = _password_matches(account, password)  # one argon2 verification, whichever way this ends
    if account is None:
        _refuse(ctx, None, "unknown")
    if claim is None:
        _refuse(ctx, account, "locked")
    if not matches:
        _refuse(ctx, account, "wrong_password", claim)
    secret = _totp_secret(ctx, account)
    if secret is not None:
        if not totp_code:  # the attempt stays counted: asking for the code is no way round the lockout
            raise TotpRequired("enter the 6-digit code from your authenticator app", errors={"totp_code": ["required"]})
        if not _accept_totp(ctx, account.id, secret, totp_code):
            _refuse(ctx, account, "wrong_code", claim)
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


# -- the council's identity provider decides the role (OIDC_ROLE_MAP) --------------------------------------

ROLE_ORDER = (Role.AGENT, Role.OFFICER, Role.SENIOR, Role.ADMIN)  # lowest first: several matches give the last


class NoAccess(ServiceError):
    """The identity provider vouched for the person, but none of their groups (roles) gives access."""

    status = 403
    code = "no_access"


@dataclass(frozen=True)
class ProviderIdentity:
    """Who the identity provider says signed in: the verified e-mail, a display name, the role claim's values.

    `claim_values` is None when the provider sent no such claim (which the audit trail tells from an empty one)."""

    email: str
    name: str | None = None
    claim_values: tuple[str, ...] | None = None


def role_from_claim(values: Iterable[str], role_map: Mapping[str, str]) -> Role | None:
    """The highest role that any of the claim's values maps to in OIDC_ROLE_MAP, None when none does."""
    roles = {Role(role_map[value]) for value in values if value in role_map}
    return max(roles, key=ROLE_ORDER.index, default=None)


def sign_in_with_provider(ctx: Context, who: ProviderIdentity) -> Actor:
    """An officer proven by the council's identity provider (OpenID Connect), in the role it gives them.

    Without OIDC_ROLE_MAP, as `sign_in_officer`: the register's role, and the account must exist. With it, the
    role comes from the claim at every sign-in (a change is written to the officer and audited); no matching
    value is refused (`no_access`, 403); the account is made at the first sign-in of an active officer; an
    e-mail that is no officer is refused, or becomes one when OIDC_CREATE_OFFICERS is set. A deactivated
    officer or a disabled account stays refused whatever the provider says.
    """
    if not ctx.settings.OIDC_ROLE_MAP:
        return sign_in_officer(ctx, who.email, "oidc")
    role = role_from_claim(who.claim_values or (), ctx.settings.OIDC_ROLE_MAP)
    officer = _officer_with_email(ctx, who.email)
    account = _account_of(ctx, officer)
    if role is None:
        _fail(ctx, account, "no_role", _no_access(), method="oidc", claim_sent=who.claim_values is not None)
    if officer is None:
        if not ctx.settings.OIDC_CREATE_OFFICERS:
            _fail(ctx, None, "unknown", InvalidCredentials(_NOT_AN_OFFICER), method="oidc")
        officer = _officer_from_provider(ctx, who, role)
    if not officer.active or (account is not None and account.disabled_at is not None):
        reason = "inactive" if not officer.active else "disabled"
        _fail(ctx, account, reason, InvalidCredentials(_SWITCHED_OFF), method="oidc")
    if account is None:
        account = _account_from_provider(ctx, officer)
    _take_role_from_provider(ctx, officer, role)
    return _signed_in(ctx, account, ctx.now(), "oidc")


_NOT_AN_OFFICER = "there is no officer with your e-mail address in contactguard: ask a contactguard admin to add you"
_SWITCHED_OFF = "your access to contactguard has been switched off: ask a contactguard admin"


def _no_access() -> NoAccess:
    return NoAccess(
        "your council account is not in a group that gives access to contactguard: ask a contactguard admin, "
        "or your IT service desk, for access",
        errors={"email": ["no group gives access"]},
    )


def _officer_with_email(ctx: Context, email: str) -> Officer | None:
    return ctx.session.scalar(select(Officer).where(Officer.email == email.strip().lower()))


def _account_of(ctx: Context, officer: Officer | None) -> Account | None:
    if officer is None:
        return None
    return ctx.session.scalar(select(Account).where(Account.officer_id == officer.id))


def _officer_from_provider(ctx: Context, who: ProviderIdentity, role: Role) -> Officer:
    """A new officer for an e-mail the register did not know (OIDC_CREATE_OFFICERS), named as the provider names them."""
    from . import register

    name = " ".join((who.name or "").split())[:200] or who.email.split("@", 1)[0]
    officer = register.add_officer(ctx, {"email": who.email.strip().lower(), "name": name, "role": role.value})
    log.info("officer made at first sign-in officer=%s method=oidc", officer.id)
    return officer


def _account_from_provider(ctx: Context, officer: Officer) -> Account:
    """The officer's account, made at their first sign-in through the provider. Its password is random and never
    told, so only the provider signs them in (an admin's `users set-password` adds a password later).

    Two first sign-ins at once: the second insert breaks the one-account-per-officer constraint, so it takes the
    account the first made (a savepoint keeps the rest of the sign-in)."""
    account = Account(
        officer=officer, password_hash=off_the_event_loop(_hasher.hash, secrets.token_urlsafe(32)), failed_attempts=0
    )
    try:
        with ctx.session.begin_nested():
            ctx.session.add(account)
    except IntegrityError:
        made = _account_of(ctx, officer)
        if made is None:
            raise
        return made
    ctx.audit("account.created", account, method="oidc")
    return account


def _take_role_from_provider(ctx: Context, officer: Officer, role: Role) -> None:
    """The provider's role becomes the officer's; a change is audited (from, to, and the claim it came from)."""
    if officer.role == role.value:
        return
    previous, officer.role = officer.role, role.value
    ctx.audit(
        "officer.role_changed",
        officer,
        role=role,
        previous_role=previous,
        by="oidc",
        claim=ctx.settings.OIDC_ROLE_CLAIM,
    )
    log.info("officer role changed officer=%s from=%s to=%s by=oidc", officer.id, previous, role.value)


def _signable_account(ctx: Context, email: str) -> Account | None:
    """The account of an active officer with this e-mail, or None (which of the two is never said)."""
    if not isinstance(email, str) or not email.strip():
        return None
    query = (
        select(Account)
        .join(Officer, Officer.id == Account.officer_id)
        .where(Officer.email == email.strip().lower(), Officer.active.is_(True), Account.disabled_at.is_(None))
    )
    return ctx.session.scalar(query)


def _count_attempt(ctx: Context, account_id: int, now: dt.datetime) -> _Claim | None:
    """Count one attempt, unless the account is locked (then None): one UPDATE, so parallel attempts count one by
    one. The attempt that makes MAX_FAILED_ATTEMPTS locks the account for LOCKOUT (a success unlocks it)."""
    locks = Account.failed_attempts + 1 >= MAX_FAILED_ATTEMPTS
    counted = ctx.session.execute(
        update(Account)
        .where(Account.id == account_id, (Account.locked_until.is_(None)) | (Account.locked_until <= now))
        .values(
            failed_attempts=case((locks, 0), else_=Account.failed_attempts + 1),
            locked_until=case((locks, literal(now + LOCKOUT, UTCDateTime())), else_=None),
        )
        .returning(Account.locked_until)
        .execution_options(synchronize_session=False)
    ).first()
    return None if counted is None else _Claim(locked_until=counted[0])


class _Claim(NamedTuple):
    """An attempt counted: `locked_until` is set when this attempt was the one that locked the account."""

    locked_until: dt.datetime | None


def _password_matches(account: Account | None, password) -> TypeGuard[Account]:
    """Whether the password is the account's: one argon2 verification whatever is given (a dummy hash for no account,
    or a password that cannot be right), so a refusal takes as long whichever way it comes."""
    usable = isinstance(password, str) and bool(password) and len(password) <= MAX_PASSWORD_LENGTH
    matches = _verify(
        account.password_hash if account is not None and usable else _dummy_hash(), password if usable else "-"
    )
    return usable and account is not None and matches


def _verify(password_hash: str, password: str) -> bool:
    """One argon2 check (about half a second), off the served app's event loop (plugin/offload.py)."""
    return off_the_event_loop(_verify_here, password_hash, password)


def _verify_here(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _dummy_hash() -> str:
    key = (_hasher.time_cost, _hasher.memory_cost, _hasher.parallelism)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = _hasher.hash(secrets.token_urlsafe(16))
    return _dummy_hashes[key]


_dummy_hash()  # made at start-up, so the first unknown address costs no more than the next


def _refuse(ctx: Context, account: Account | None, reason: str, claim: _Claim | None = None) -> NoReturn:
    """The one refusal every failed sign-in gets, whatever `reason` (which only the audit trail records)."""
    if claim is not None and claim.locked_until is not None:
        log.warning("account locked account=%s until=%s", account.id if account else None, claim.locked_until)
    _fail(
        ctx,
        account,
        reason,
        InvalidCredentials("the e-mail address, password or code is not right", errors={"password": ["not right"]}),
        locked_until=claim.locked_until if claim is not None else None,
    )


def _fail(
    ctx: Context,
    account: Account | None,
    reason: str,
    error: ServiceError,
    locked_until: dt.datetime | None = None,
    **facts: object,
) -> NoReturn:
    """Audit the failed sign-in (with `facts`: codes and flags, never what was typed), commit it, and raise `error`."""
    details: dict[str, object] = {"reason": reason, **facts}
    if locked_until is not None:
        details["locked_until"] = locked_until.isoformat()
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
    # A statement, not the loaded object's attributes: the count was moved by _count_attempt's UPDATE since.
    ctx.session.execute(
        update(Account)
        .where(Account.id == account.id)
        .values(failed_attempts=0, locked_until=None, last_sign_in_at=now)
        .execution_options(synchronize_session=False)
    )
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
    """The actor for an account, or None when the account is gone or disabled, or its officer inactive."""
    account = session.get(Account, account_id) if account_id is not None else None
    if account is None or account.disabled_at is not None or not account.officer.active:
        return None
    return officer_actor(account.officer)


# -- browser sessions (plugin/services/web_sessions.py) ---------------------------------------------------


def list_sessions(ctx: Context, account_id: int, current_raw: str | None = None) -> list[web_sessions.Summary]:
    """An account's live browser sessions, most recently used first (its owner or an admin); `current` marks the
    one `current_raw` names."""
    account = _account(ctx, account_id)
    _require_self_or_admin(ctx, account, "listing sessions")
    return web_sessions.live(ctx, account.id, current_raw)


def end_session(ctx: Context, account_id: int, session_id: int, current_raw: str | None = None) -> bool:
    """End one live session of the account (its owner or an admin); True if it is the one `current_raw` names."""
    account = _account(ctx, account_id)
    _require_self_or_admin(ctx, account, "ending a session")
    return web_sessions.end_one(ctx, account.id, session_id, _ended_by(ctx, account), current_raw)


def end_sessions(ctx: Context, account_id: int, keep_raw: str | None = None) -> int:
    """End every live session of the account but the one `keep_raw` names (its owner or an admin); how many."""
    account = _account(ctx, account_id)
    _require_self_or_admin(ctx, account, "ending sessions")
    return web_sessions.end_all(ctx, account.id, _ended_by(ctx, account), keep_raw)


def _ended_by(ctx: Context, account: Account) -> str:
    owner = ctx.actor.officer_id == account.officer_id
    return web_sessions.ENDED_BY_OWNER if owner else web_sessions.ENDED_BY_ADMIN


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

"""Signed-in browser sessions, kept on the server: the cookie carries a random id and nothing else.

The table keeps the id's SHA-256 only, so a copy of the table signs nobody in. A session ends, for good, when its
owner signs out or ends it from "Your sessions", when the account's password or TOTP is reset or the account is
disabled, and when it is next used after SESSION_IDLE_MINUTES without a request or SESSION_ABSOLUTE_HOURS after it
began, however often it was used meanwhile. An ended session's data is emptied at once; its row (when and where it
was used) is removed 30 days after it ended or was last used, when its owner next signs in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from ..clock import utcnow
from ..config import Settings
from ..models import Account, Officer, WebSession
from .context import Context
from .errors import NotFound

ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32): 256 random bits
KEEP_ENDED = dt.timedelta(days=30)

# Why a session ended (web_sessions.ended_reason, and the audit trail's `reason`).
SIGNED_OUT = "signed_out"
ENDED_BY_OWNER = "ended_by_owner"
ENDED_BY_ADMIN = "ended_by_admin"
PASSWORD_CHANGED = "password_changed"
TOTP_RESET = "totp_reset"
DISABLED = "disabled"
IDLE = "idle"
ABSOLUTE = "absolute"
INACTIVE = "inactive"  # found at its next use: the officer deactivated, or the account disabled
TIMED_OUT = (IDLE, ABSOLUTE)  # the sign-in page says why; for the others it says nothing


@dataclass(frozen=True)
class Resumed:
    """A live session named by a cookie: whose it is, and the data the pages kept in it."""

    session_id: int
    account_id: int
    officer: Officer
    data: str


@dataclass(frozen=True)
class Summary:
    """One of a person's live sessions, as "Your sessions" lists it."""

    id: int
    created_at: dt.datetime
    last_seen_at: dt.datetime
    address: str
    browser: str
    current: bool


def looks_like_id(raw: object) -> bool:
    """Whether a cookie's value has the shape of a session id (anything else is not looked up)."""
    return isinstance(raw, str) and ID_PATTERN.fullmatch(raw) is not None


def start(ctx: Context, account_id: int, address: str | None, browser: str | None) -> str:
    """A new session for the account signing in; returns its id, once (the table keeps only its hash)."""
    raw = secrets.token_urlsafe(32)
    now = ctx.now()
    ctx.session.add(
        WebSession(
            account_id=account_id,
            token_hash=_digest(raw),
            created_at=now,
            last_seen_at=now,
            address=(address or "")[:45] or None,
            browser=(browser or "")[:100] or None,
            data="",
        )
    )
    long_ago = now - KEEP_ENDED  # ended then, or left unused since then (over, whether or not marked so)
    ctx.session.execute(
        delete(WebSession).where(
            WebSession.account_id == account_id, or_(WebSession.ended_at < long_ago, WebSession.last_seen_at < long_ago)
        )
    )
    ctx.session.flush()
    return raw


def resume(db: Session, raw: str, settings: Settings) -> Resumed | str:
    """The live session a cookie names, its last use moved to now; else why not (`unknown`, `ended`, or the reason
    it ends now: idle, absolute, inactive). The caller commits."""
    if not looks_like_id(raw):
        return "unknown"
    found = db.execute(
        select(WebSession, Account, Officer)
        .join(Account, Account.id == WebSession.account_id)
        .join(Officer, Officer.id == Account.officer_id)
        .where(WebSession.token_hash == _digest(raw))
    ).first()
    if found is None:
        return "unknown"
    row, account, officer = found
    if row.ended_at is not None:
        return "ended"
    now = utcnow()
    reason = _why_over(row, settings, now) or (INACTIVE if account.disabled_at or not officer.active else None)
    if reason:
        _end(row, now, reason)
        return reason
    row.last_seen_at = now
    return Resumed(session_id=row.id, account_id=row.account_id, officer=officer, data=row.data)


def keep_data(db: Session, raw: str, data: str) -> None:
    """Store what the pages keep in a live session (a no-op once it has ended). The caller commits."""
    db.execute(
        update(WebSession)
        .where(WebSession.token_hash == _digest(raw), WebSession.ended_at.is_(None))
        .values(data=data)
        .execution_options(synchronize_session=False)
    )


def end_current(ctx: Context, raw: str, reason: str = SIGNED_OUT) -> None:
    """End the session this cookie names (signing out); ending it twice changes nothing."""
    row = ctx.session.scalar(select(WebSession).where(WebSession.token_hash == _digest(raw)))
    if row is not None and row.ended_at is None:
        _end(row, ctx.now(), reason)
        ctx.audit("account.session_ended", _account(ctx, row.account_id), session=row.id, reason=reason)


def end_all(ctx: Context, account_id: int, reason: str, keep_raw: str | None = None) -> int:
    """End every live session of an account (but the one `keep_raw` names, if given); how many ended."""
    kept = _digest(keep_raw) if keep_raw else None
    rows = ctx.session.scalars(
        select(WebSession).where(WebSession.account_id == account_id, WebSession.ended_at.is_(None))
    ).all()
    now = ctx.now()
    ended = [row for row in rows if row.token_hash != kept]
    for row in ended:
        _end(row, now, reason)
    if ended:
        ctx.audit("account.sessions_ended", _account(ctx, account_id), reason=reason, sessions=[r.id for r in ended])
    return len(ended)


def live(ctx: Context, account_id: int, current_raw: str | None = None) -> list[Summary]:
    """An account's live sessions, the most recently used first (what its owner, or an admin, may see)."""
    current = _digest(current_raw) if current_raw else None
    rows = ctx.session.scalars(
        select(WebSession)
        .where(WebSession.account_id == account_id, WebSession.ended_at.is_(None))
        .order_by(WebSession.last_seen_at.desc(), WebSession.id.desc())
    ).all()
    now = ctx.now()
    return [
        Summary(
            id=row.id,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            address=row.address or "unknown",
            browser=row.browser or "unknown browser",
            current=row.token_hash == current,
        )
        for row in rows
        if _why_over(row, ctx.settings, now) is None
    ]


def end_one(ctx: Context, account_id: int, session_id: int, reason: str, current_raw: str | None = None) -> bool:
    """End one live session of this account; True if it was the one `current_raw` names.

    Another account's session, or one already ended, is NotFound: whether it exists is not said."""
    row = ctx.session.get(WebSession, session_id) if session_id is not None else None
    if row is None or row.account_id != account_id or row.ended_at is not None:
        raise NotFound(f"no open session {session_id} for this account", errors={"session": ["not found"]})
    _end(row, ctx.now(), reason)
    ctx.audit("account.session_ended", _account(ctx, account_id), session=row.id, reason=reason)
    return current_raw is not None and row.token_hash == _digest(current_raw)


def _why_over(row: WebSession, settings: Settings, now: dt.datetime) -> str | None:
    if now - row.last_seen_at > dt.timedelta(minutes=settings.SESSION_IDLE_MINUTES):
        return IDLE
    if now - row.created_at >= dt.timedelta(hours=settings.SESSION_ABSOLUTE_HOURS):
        return ABSOLUTE
    return None


def _end(row: WebSession, now: dt.datetime, reason: str) -> None:
    row.ended_at, row.ended_reason, row.data = now, reason, ""


def _account(ctx: Context, account_id: int) -> Account:
    return ctx.session.get_one(Account, account_id)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()

"""Sign-in accounts for officers, their signed-in browser sessions, and their personal API tokens.

An account belongs to one officer and takes its role from them, so changing an officer's role or
deactivating them changes what their account may do at once. Nothing here is a secret in plain form:
the password is an argon2 hash, the TOTP secret is sealed with the instance key (plugin/secretbox.py),
and a browser session's id and an API token are kept as their SHA-256 (a token with a short prefix
people can recognise).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from .base import Base
from .register import Officer


class Account(Base):
    """One officer's way in to the web pages and the API: password, optional TOTP, lockout state."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    totp_secret_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The last TOTP time step accepted: the same code is never accepted twice (a replayed code fails). Moved on
    # by one conditional UPDATE, so of two requests with one code only one can move it.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # Sign-in attempts since the last success or lockout, counted before the password is checked (one UPDATE).
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None]
    last_sign_in_at: Mapped[dt.datetime | None]
    # An admin disabled the account: no sign-in, no session, no token, until enabled again.
    disabled_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    officer: Mapped[Officer] = relationship()
    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="account", cascade="all, delete-orphan", order_by="ApiToken.id"
    )


class ApiToken(Base):
    """A personal API token: shown once, stored as a SHA-256 hash; it acts with its account's role."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))  # the token's first characters, to tell tokens apart
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]

    account: Mapped[Account] = relationship(back_populates="tokens")


class WebSession(Base):
    """One signed-in browser: its cookie carries a random id, kept here only as its SHA-256, with the session's data.

    It ends (ended_at, ended_reason) at sign-out, when its owner ends it, when the password or TOTP is reset, when
    the account is disabled, or when it is found idle or past its absolute lifetime; an ended session never
    comes back. `address` and `browser` (e.g. "Firefox on Windows") say where it was signed in, for its owner.
    """

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    address: Mapped[str | None] = mapped_column(String(45))
    browser: Mapped[str | None] = mapped_column(String(100))
    # What the pages keep between requests (CSRF token, messages, a wizard's answers): emptied when it ends.
    data: Mapped[str] = mapped_column(Text, default="")
    ended_at: Mapped[dt.datetime | None]
    ended_reason: Mapped[str | None] = mapped_column(String(32))

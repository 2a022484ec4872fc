"""Sign-in accounts for officers, and their personal API tokens.

An account belongs to one officer and takes its role from them, so changing an officer's role or
deactivating them changes what their account may do at once. Nothing here is a secret in plain form:
the password is an argon2 hash, the TOTP secret is sealed with the instance key (plugin/secretbox.py)
and an API token is kept as its SHA-256 with a short prefix people can recognise.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
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
    # The last TOTP time step accepted: the same code is never accepted twice (a replayed code fails).
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None]
    last_sign_in_at: Mapped[dt.datetime | None]
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

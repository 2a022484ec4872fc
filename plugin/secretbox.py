"""Connection secrets encrypted at rest (Fernet); never printed, logged or returned unmasked."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet, InvalidToken

if TYPE_CHECKING:
    from .config import Settings

KEY_FILE = "secret.key"
MASK = "********"


class KeyLost(RuntimeError):
    """Connection secrets are stored, but this key cannot open them (lost, replaced or mistyped)."""


def _key_from_settings(settings: Settings) -> bytes:
    """CONTACTGUARD_SECRET_KEY when set; otherwise a key generated once in the instance folder."""
    if settings.SECRET_KEY:
        return base64.urlsafe_b64encode(hashlib.sha256(settings.SECRET_KEY.encode()).digest())
    path = Path(settings.INSTANCE_PATH) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(Fernet.generate_key())
    return path.read_bytes().strip()


class SecretBox:
    """Encrypts and decrypts a connection's secrets as one JSON document."""

    def __init__(self, settings: Settings):
        self._fernet = Fernet(_key_from_settings(settings))

    def seal(self, secrets: dict) -> bytes:
        """Encrypt a dict of secrets."""
        return self._fernet.encrypt(json.dumps(secrets, sort_keys=True).encode())

    def open(self, sealed: bytes) -> dict:
        """Decrypt; a wrong key is reported as such, without the ciphertext."""
        try:
            return json.loads(self._fernet.decrypt(bytes(sealed)))
        except InvalidToken:
            raise ValueError(
                "connection secrets cannot be decrypted: CONTACTGUARD_SECRET_KEY "
                "or instance/secret.key differs from the one that stored them"
            ) from None


def check_key(session, settings: Settings) -> None:
    """Refuse to run when stored secrets exist and the key cannot decrypt them (never make a new key then)."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from .models import Connection

    try:
        sealed = session.scalar(select(Connection.secrets_encrypted).order_by(Connection.created_at).limit(1))
    except SQLAlchemyError:  # not migrated yet: nothing is stored
        session.rollback()
        return
    if sealed is None:
        return
    if not settings.SECRET_KEY and not (Path(settings.INSTANCE_PATH) / KEY_FILE).exists():
        raise KeyLost(
            f"connection secrets are stored but the key is missing: restore {KEY_FILE} to the instance "
            "folder from your backup, or set CONTACTGUARD_SECRET_KEY"
        )
    try:
        SecretBox(settings).open(sealed)
    except ValueError as exc:
        raise KeyLost(str(exc)) from None


def mask(secrets: dict) -> dict:
    """The same keys with every value hidden."""
    return dict.fromkeys(secrets, MASK)

"""Connection secrets encrypted at rest (Fernet); never printed, logged or returned unmasked."""
from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

KEY_FILE = "secret.key"
MASK = "********"


def _key_from_settings(settings: dict) -> bytes:
    """CONTACTGUARD_SECRET_KEY when set; otherwise a key generated once in the instance folder."""
    if settings.get("SECRET_KEY"):
        return base64.urlsafe_b64encode(hashlib.sha256(settings["SECRET_KEY"].encode()).digest())
    path = Path(settings["INSTANCE_PATH"]) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(Fernet.generate_key())
    return path.read_bytes().strip()


class SecretBox:
    """Encrypts and decrypts a connection's secrets as one JSON document."""

    def __init__(self, settings: dict):
        self._fernet = Fernet(_key_from_settings(settings))

    def seal(self, secrets: dict) -> bytes:
        """Encrypt a dict of secrets."""
        return self._fernet.encrypt(json.dumps(secrets, sort_keys=True).encode())

    def open(self, sealed: bytes) -> dict:
        """Decrypt; a wrong key is reported as such, without the ciphertext."""
        try:
            return json.loads(self._fernet.decrypt(bytes(sealed)))
        except InvalidToken:
            raise ValueError("connection secrets cannot be decrypted: CONTACTGUARD_SECRET_KEY "
                             "or instance/secret.key differs from the one that stored them") from None


def mask(secrets: dict) -> dict:
    """The same keys with every value hidden."""
    return {key: MASK for key in secrets}

"""Connections as the receiver needs them, cached per process for a few seconds.

The webhook path is hot: reading the connection and decrypting its secrets on every delivery
costs a query and a decryption. A changed secret, a deactivated connection or a rotated URL takes
effect within TTL seconds in a running service. The token in the URL is never stored: the database
holds its SHA-256, so the lookup (and this cache) is by the hash.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from plugin.config import Settings
from plugin.models import Connection
from plugin.secretbox import SecretBox
from plugin.services.connections import token_hash

TTL = 10.0


@dataclass(frozen=True)
class CachedConnection:
    """What the receiver and the pipeline read of a connection."""

    id: str
    adapter: str
    settings: dict
    secrets: dict
    active: bool


class ConnectionCache:
    """The URL token's hash -> CachedConnection for TTL seconds; misses read the database."""

    def __init__(self, settings: Settings, ttl: float = TTL):
        self._box = SecretBox(settings)
        self._ttl = ttl
        self._entries: dict[str, tuple[float, CachedConnection | None]] = {}
        self._lock = threading.Lock()

    def get(self, sessions: sessionmaker[Session], token: str) -> CachedConnection | None:
        """The connection whose webhook URL ends in this token, or None when unknown (or rotated away); a
        database session is opened only when the cache has to read."""
        now = time.monotonic()
        key = token_hash(token)
        with self._lock:
            hit = self._entries.get(key)
        if hit and hit[0] > now:
            return hit[1]
        with sessions() as session:
            row = session.scalar(select(Connection).where(Connection.webhook_token_hash == key))
            entry = (
                None
                if row is None
                else CachedConnection(
                    row.id, row.adapter, dict(row.settings), self._box.open(row.secrets_encrypted), row.active
                )
            )
        with self._lock:
            if len(self._entries) > 1000:
                self._entries.clear()
            self._entries[key] = (now + self._ttl, entry)
        return entry

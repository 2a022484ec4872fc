"""Connections as the receiver needs them, cached per process for a few seconds.

The webhook path is hot: reading the connection and decrypting its secrets on every delivery
costs a query and a decryption. A changed secret or a deactivated connection takes effect
within TTL seconds.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from plugin.models import Connection
from plugin.secretbox import SecretBox

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
    """id -> CachedConnection for TTL seconds; misses read the database."""

    def __init__(self, settings: dict, ttl: float = TTL):
        self._box = SecretBox(settings)
        self._ttl = ttl
        self._entries: dict[str, tuple[float, CachedConnection | None]] = {}
        self._lock = threading.Lock()

    def get(self, session, connection_id: str) -> CachedConnection | None:
        """The connection, or None when unknown."""
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(connection_id)
        if hit and hit[0] > now:
            return hit[1]
        row = session.get(Connection, connection_id)
        entry = None if row is None else CachedConnection(
            row.id, row.adapter, dict(row.settings), self._box.open(row.secrets_encrypted), row.active)
        with self._lock:
            if len(self._entries) > 1000:
                self._entries.clear()
            self._entries[connection_id] = (now + self._ttl, entry)
        return entry

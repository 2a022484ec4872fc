"""Wake the workers when there is new outbox work, instead of waiting for the next poll.

On PostgreSQL every transaction that adds an outbox action (or puts a dead one back) sends
`NOTIFY contactguard_outbox` (plugin/models/webhooks.py); PostgreSQL delivers it when, and only if, the
transaction commits, so a worker never wakes for an action it cannot see yet, and a rolled-back webhook
wakes no one. Each worker
LISTENs on its own connection and waits for a notification or the poll interval, whichever comes first:
the poll stays as the safety net (a lost listening connection, actions whose backoff has expired).

SQLite has no notifications: the worker polls at its interval (`make run` starts it with a short one).
"""

from __future__ import annotations

import logging
import threading

import psycopg
from sqlalchemy.engine import make_url

from ..models.webhooks import OUTBOX_CHANNEL as CHANNEL

log = logging.getLogger(__name__)


class Waker:
    """Wait up to `timeout` seconds, returning early when outbox work is announced or `stop` is set."""

    def __init__(self, database_url: str, stop: threading.Event):
        self.stop = stop
        url = make_url(database_url)
        self.dsn = (
            url.set(drivername="postgresql").render_as_string(hide_password=False)
            if url.get_backend_name() == "postgresql"
            else None
        )
        self.connection: psycopg.Connection | None = None

    def wait(self, timeout: float) -> bool:
        """True when woken by a notification; False after the timeout (or when stopping)."""
        if self.dsn is None or self.stop.is_set():
            self.stop.wait(timeout)
            return False
        try:
            connection = self._listening(self.dsn)
            woken = any(True for _ in connection.notifies(timeout=timeout, stop_after=1))
            self._drain(connection)
            return woken
        except psycopg.Error as exc:  # the database went away: poll until it is back
            log.warning("outbox notifications unavailable (%s); polling", type(exc).__name__)
            self.close()
            self.stop.wait(timeout)
            return False

    def _listening(self, dsn: str) -> psycopg.Connection:
        if self.connection is None or self.connection.closed:
            self.connection = psycopg.connect(dsn, autocommit=True, connect_timeout=5)
            self.connection.execute(f"LISTEN {CHANNEL}")
        return self.connection

    @staticmethod
    def _drain(connection: psycopg.Connection) -> None:
        """Swallow notifications that arrived together: one pass serves them all."""
        for _ in connection.notifies(timeout=0):
            pass

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            finally:
                self.connection = None

"""The baseline: a bare Flask receiver that checks one HMAC, does one indexed lookup and one insert.

On PostgreSQL (BARE_DSN) in autocommit; on SQLite (BARE_SQLITE, a file) in WAL mode, one transaction per
request, as contactguard's embedded default runs."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import queue
import sqlite3
import threading

import psycopg
from flask import Flask, request

SECRET = b"bench-signing-secret-0123456789"
_idle: queue.LifoQueue = queue.LifoQueue()  # gevent's queue in a gevent worker (threading and queue patched)
_sqlite_conn = None
_sqlite_lock = threading.Lock()  # gevent's in a gevent worker: one request at a time uses the connection


@contextlib.contextmanager
def _db():
    """A connection of this process's own (one per request at once, at most WEB_THREADS, kept for the next): with one
    shared connection the requests of a worker would commit one after another, each waiting for its own sync,
    where contactguard's pool lets concurrent commits share one."""
    try:
        conn = _idle.get_nowait()
    except queue.Empty:
        conn = psycopg.connect(os.environ["BARE_DSN"], autocommit=True)
    try:
        yield conn
    finally:
        _idle.put(conn)


def _sqlite():
    """One connection per process. Under gevent a thread-local is a greenlet-local, and a connection per request
    waiting in SQLite's busy handler (a sleep in C) would stop the worker's loop while another request of the
    same process holds the write lock: "database is locked" after the timeout."""
    global _sqlite_conn
    if _sqlite_conn is None:
        _sqlite_conn = sqlite3.connect(
            os.environ["BARE_SQLITE"], timeout=10, isolation_level=None, check_same_thread=False
        )
        _sqlite_conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL, as contactguard's connections; BARE_SQLITE_SYNCHRONOUS=FULL syncs the log in every commit, so that
        # an answer means what contactguard's does: on disk (the price of that, measured on its own).
        synchronous = os.environ.get("BARE_SQLITE_SYNCHRONOUS", "NORMAL")
        if synchronous not in ("NORMAL", "FULL"):
            raise ValueError(f"BARE_SQLITE_SYNCHRONOUS must be NORMAL or FULL, not {synchronous!r}")
        _sqlite_conn.execute(f"PRAGMA synchronous={synchronous}")
    return _sqlite_conn


def seed_sqlite(path: str, customers: int) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE bare_identities (value text PRIMARY KEY, customer_id int)")
    conn.execute("CREATE TABLE bare_events (id integer PRIMARY KEY, delivery text UNIQUE, customer_id int)")
    conn.executemany(
        "INSERT INTO bare_identities VALUES (?, ?)", [(f"customer{n}@example.com", n) for n in range(customers)]
    )
    conn.close()


def create_app() -> Flask:
    app = Flask("bare")

    @app.post("/webhooks/<connection_id>")
    def receive(connection_id):
        raw = request.get_data()
        expected = hmac.new(SECRET, raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.headers.get("X-Signature-SHA256", "")):
            return {"error": "bad signature"}, 401
        body = json.loads(raw)
        if "BARE_SQLITE" in os.environ:
            with _sqlite_lock:
                conn = _sqlite()
                conn.execute("BEGIN IMMEDIATE")
                row = conn.execute(
                    "SELECT customer_id FROM bare_identities WHERE value = ?", (body["ticket"]["requester"],)
                ).fetchone()
                conn.execute(
                    "INSERT INTO bare_events (delivery, customer_id) VALUES (?, ?)",
                    (body["delivery"], row[0] if row else None),
                )
                conn.execute("COMMIT")
            return {"status": "accepted"}
        with _db() as conn:
            cur = conn.cursor()
            cur.execute("SELECT customer_id FROM bare_identities WHERE value = %s", (body["ticket"]["requester"],))
            row = cur.fetchone()
            cur.execute(
                "INSERT INTO bare_events (delivery, customer_id) VALUES (%s, %s)",
                (body["delivery"], row[0] if row else None),
            )
        return {"status": "accepted"}

    return app


def create_served_app():
    """The bare receiver as contactguard is served (plugin.app.create_served_app): behind the same body guard and
    request slots, with contactguard's defaults (WEB_BODY_TIMEOUT, WEB_THREADS)."""
    from plugin.config import read_settings
    from plugin.web.serving import BodyGuard

    settings = read_settings()
    return BodyGuard(create_app(), settings.WEB_BODY_TIMEOUT, settings.WEB_THREADS)

"""The baseline: a bare Flask receiver that checks one HMAC, does one indexed lookup and one insert.

On PostgreSQL (BARE_DSN) in autocommit; on SQLite (BARE_SQLITE, a file) in WAL mode, one transaction per
request, as contactguard's embedded default runs."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
import threading

import psycopg
from flask import Flask, request

SECRET = b"bench-signing-secret-0123456789"
_conn = None
_local = threading.local()


def _db():
    global _conn
    if _conn is None:
        _conn = psycopg.connect(os.environ["BARE_DSN"], autocommit=True)
    return _conn


def _sqlite():
    if getattr(_local, "conn", None) is None:
        _local.conn = sqlite3.connect(os.environ["BARE_SQLITE"], timeout=10, isolation_level=None)
        _local.conn.execute("PRAGMA journal_mode=WAL")
        _local.conn.execute("PRAGMA synchronous=NORMAL")
    return _local.conn


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
        cur = _db().cursor()
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

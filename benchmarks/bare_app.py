"""The baseline: a bare Flask receiver that checks one HMAC, does one indexed lookup and one insert."""
from __future__ import annotations

import hashlib
import hmac
import json
import os

import psycopg
from flask import Flask, request

SECRET = b"bench-signing-secret-0123456789"
_conn = None


def _db():
    global _conn
    if _conn is None:
        _conn = psycopg.connect(os.environ["BARE_DSN"], autocommit=True)
    return _conn


def create_app() -> Flask:
    app = Flask("bare")

    @app.post("/webhooks/<connection_id>")
    def receive(connection_id):
        raw = request.get_data()
        expected = hmac.new(SECRET, raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.headers.get("X-Signature-SHA256", "")):
            return {"error": "bad signature"}, 401
        body = json.loads(raw)
        cur = _db().cursor()
        cur.execute("SELECT customer_id FROM bare_identities WHERE value = %s", (body["ticket"]["requester"],))
        row = cur.fetchone()
        cur.execute("INSERT INTO bare_events (delivery, customer_id) VALUES (%s, %s)",
                    (body["delivery"], row[0] if row else None))
        return {"status": "accepted"}

    return app

"""Webhook ingest under gunicorn: contactguard against a bare Flask receiver, same server and load."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time

import psycopg

from plugin import migrate
from plugin.config import load_settings
from plugin.db import make_engine, make_session_factory
from plugin.services import Actor, Context
from plugin.services import connections as conns
from plugin.services import incidents as inc
from plugin.services import register as reg
from plugin.services import restrictions as rs

from .bare_app import SECRET
from .common import ROOT, gunicorn
from .load import run_load

CUSTOMERS = 1000
RESTRICTED_EVERY = 5  # 20% of contacts come from restricted customers


def seed(url: str, instance: str) -> str:
    """Officers, customers (one in five restricted) and a generic connection; returns its id."""
    settings = load_settings(
        {"DATABASE_URL": url, "INSTANCE_PATH": instance, "SECRET_KEY": "bench-secret-key-123"}, environ={}
    )
    migrate.upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)

    def unit(actor):
        session = sessions()
        session.begin()
        return session, Context(session, actor, settings)

    session, ctx = unit(Actor.system("bench"))
    for email, role in (("officer@council.example", "officer"), ("senior@council.example", "senior")):
        reg.add_officer(ctx, {"email": email, "name": email.split("@")[0], "role": role})
    for n in range(CUSTOMERS):
        reg.add_customer(
            ctx,
            {
                "reference": f"B{n}",
                "name": f"Customer {n}",
                "identities": [{"kind": "email", "value": f"customer{n}@example.com"}],
            },
        )
    connection = conns.add(
        ctx,
        "generic",
        "bench",
        {
            "mapping": {
                "ticket_id": "/ticket/id",
                "requester_email": "/ticket/requester",
                "delivery_id": "/delivery",
                "event_type": "/event",
                "text": "/ticket/text",
            }
        },
        {"signing_secret": SECRET.decode()},
        test=False,
    )
    session.commit()
    officer = ctx.session.scalar(__import__("sqlalchemy").text("SELECT id FROM officers WHERE role='officer'"))
    senior = ctx.session.scalar(__import__("sqlalchemy").text("SELECT id FROM officers WHERE role='senior'"))
    session.close()  # end the read (on SQLite it holds the single write lock)
    from plugin.policy.vocabulary import Role

    as_officer = Actor("officer", Role.OFFICER, officer)
    as_senior = Actor("senior", Role.SENIOR, senior)
    for n in range(0, CUSTOMERS, RESTRICTED_EVERY):
        session, ctx = unit(as_officer)
        incident = inc.record_incident(
            ctx,
            {
                "customer": f"B{n}",
                "experienced_by": "officer@council.example",
                "channel": "telephone",
                "occurred_at": (ctx.now() - dt.timedelta(days=2)).isoformat(),
                "category": "verbal_abuse",
                "description": "Shouted at the officer",
            },
        )
        warning = inc.issue_warning(
            ctx,
            {
                "customer": f"B{n}",
                "incidents": [incident.id],
                "behaviour": "Shouting on the phone",
                "why_unacceptable": "Staff must work free of abuse",
                "change_requested": "Keep calls civil",
                "consequences": "Contact may be restricted",
            },
        )
        r = rs.propose(
            ctx,
            {
                "customer": f"B{n}",
                "path": "after_warning",
                "warning": warning.id,
                "why_necessary": "Abuse continued after the warning",
                "spoc_officer": "officer@council.example",
                "allowed_channels": ["email"],
            },
        )
        rs.record_checks(ctx, r.id, {"social_work_known": "no", "adjustments_needed": False, "other_services": "none"})
        session.commit()
        session, ctx = unit(as_senior)
        rs.activate(ctx, r.id)
        session.commit()
    engine.dispose()
    return connection.id


def seed_bare(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE bare_identities (value text PRIMARY KEY, customer_id int)")
        conn.execute("CREATE TABLE bare_events (id serial PRIMARY KEY, delivery text UNIQUE, customer_id int)")
        with conn.cursor().copy("COPY bare_identities (value, customer_id) FROM STDIN") as copy:
            for n in range(CUSTOMERS):
                copy.write_row((f"customer{n}@example.com", n))


def make_request(run: str):
    def build(i: int):
        body = json.dumps(
            {
                "event": "ticket.created",
                "delivery": f"{run}-{i}",
                "ticket": {
                    "id": 10_000 + i,
                    "requester": f"customer{(i * 7) % CUSTOMERS}@example.com",
                    "text": "Please call me back about my repair",
                },
            }
        ).encode()
        signature = hmac.new(SECRET, body, hashlib.sha256).hexdigest()
        return body, {"Content-Type": "application/json", "X-Signature-SHA256": signature}

    return build


def measure(port: int, path: str, run: str, per_connection: int):
    run_load(port, path, make_request(run + "-warm"), connections=16, per_connection=20)
    return run_load(port, path, make_request(run), connections=16, per_connection=per_connection)


def ingest_benchmark(url: str, dsn: str, instance: str, per_connection: int = 150) -> dict:
    """PostgreSQL: contactguard against the bare receiver: the request path alone (a burst the worker decides
    after), then with a worker deciding on the same two cores at the same time."""
    connection_id = seed(url, instance)
    seed_bare(dsn)
    env = {
        "CONTACTGUARD_DATABASE_URL": url,
        "CONTACTGUARD_INSTANCE_PATH": instance,
        "CONTACTGUARD_SECRET_KEY": "bench-secret-key-123",
        "CONTACTGUARD_LOG_LEVEL": "WARNING",
        "BARE_DSN": dsn,
    }
    results = {}
    with gunicorn("benchmarks.bare_app:create_app()", env) as port:
        results["bare"] = measure(port, "/webhooks/x", "bare", per_connection)
    with gunicorn("plugin.app:create_app()", env) as port:
        results["contactguard"] = measure(port, f"/webhooks/{connection_id}", "cg", per_connection)
    with gunicorn("plugin.app:create_app()", env) as port, _worker(env):
        results["contactguard_with_worker"] = measure(port, f"/webhooks/{connection_id}", "cgw", per_connection)
    with gunicorn("plugin.app:create_app()", env) as port:
        # The helpdesk's API is down: a worker drains the outbox against a closed port meanwhile.
        worker = _down_helpdesk_worker(url, dsn, instance, connection_id)
        try:
            time.sleep(1)
            results["contactguard_helpdesk_down"] = measure(port, f"/webhooks/{connection_id}", "down", per_connection)
        finally:
            worker.terminate()
            worker.wait(10)
    return results


def ingest_benchmark_sqlite(instance: str, per_connection: int = 150) -> dict:
    """The embedded default (`make run`): contactguard on SQLite against a bare receiver on SQLite."""
    from .bare_app import seed_sqlite

    url = f"sqlite:///{instance}/contactguard.sqlite3"
    connection_id = seed(url, instance)
    seed_sqlite(f"{instance}/bare.sqlite3", CUSTOMERS)
    env = {
        "CONTACTGUARD_DATABASE_URL": url,
        "CONTACTGUARD_INSTANCE_PATH": instance,
        "CONTACTGUARD_SECRET_KEY": "bench-secret-key-123",
        "CONTACTGUARD_LOG_LEVEL": "WARNING",
        "BARE_SQLITE": f"{instance}/bare.sqlite3",
    }
    results = {}
    with gunicorn("benchmarks.bare_app:create_app()", env) as port:
        results["bare"] = measure(port, "/webhooks/x", "bare", per_connection)
    with gunicorn("plugin.app:create_app()", env) as port:
        results["contactguard"] = measure(port, f"/webhooks/{connection_id}", "cg", per_connection)
    with gunicorn("plugin.app:create_app()", env) as port, _worker(env):
        results["contactguard_with_worker"] = measure(port, f"/webhooks/{connection_id}", "cgw", per_connection)
    return results


@contextlib.contextmanager
def _worker(env: dict):
    """`contactguard worker` deciding the stored events while the load runs, as in production."""
    worker = subprocess.Popen(
        [sys.executable, "-m", "plugin.cli", "worker", "--interval", "0.25"],
        cwd=ROOT,
        env={**os.environ, **env, "CONTACTGUARD_ALLOW_PRIVATE_HELPDESK_URLS": "true"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield worker
    finally:
        worker.terminate()
        worker.wait(15)


def _down_helpdesk_worker(url: str, dsn: str, instance: str, connection_id: str):
    """Point the connection's callback at a closed loopback port and run `contactguard worker` beside it."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "UPDATE connections SET settings = jsonb_set(settings::jsonb, '{callback_url}', "
            "'\"http://127.0.0.1:9/actions\"')::json WHERE id = %s",
            (connection_id,),
        )
        conn.execute("UPDATE outbox_actions SET next_attempt_at = now() AT TIME ZONE 'utc'")
    env = {
        **os.environ,
        "CONTACTGUARD_DATABASE_URL": url,
        "CONTACTGUARD_INSTANCE_PATH": instance,
        "CONTACTGUARD_SECRET_KEY": "bench-secret-key-123",
        "CONTACTGUARD_LOG_LEVEL": "ERROR",
        "CONTACTGUARD_ALLOW_PRIVATE_HELPDESK_URLS": "true",
    }  # the closed port is on loopback
    return subprocess.Popen(
        [sys.executable, "-m", "plugin.cli", "worker", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

"""Shared set-up for the benchmarks: a fresh PostgreSQL database (or SQLite), the register's people and
restrictions, servers, machine facts."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import requests
from sqlalchemy import select

from plugin import migrate
from plugin.config import Settings, load_settings
from plugin.db import make_engine, make_session_factory
from plugin.models import Officer
from plugin.policy.vocabulary import Role
from plugin.services import Actor, Context
from plugin.services import incidents as inc
from plugin.services import register as reg
from plugin.services import restrictions as rs

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("CONTACTGUARD_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def settle_postgres() -> None:
    """Flush PostgreSQL's dirty buffers now (CHECKPOINT), not while the next measurement commits: a
    checkpoint started by the previous run's writes slowed every commit of the run after it (seen in
    `make bench`: the ingest ratio halved right after the time-to-flag runs)."""
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute("CHECKPOINT")


@contextlib.contextmanager
def fresh_postgres():
    """A new database for one benchmark, dropped afterwards; yields (sqlalchemy_url, libpq_dsn)."""
    name = f"cg_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    dsn = PG.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield dsn.replace("postgresql://", "postgresql+psycopg://"), dsn
    finally:
        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def gunicorn(app: str, env: dict, workers: int = 2):
    """Serve `app` on a free loopback port as `contactguard serve` does: gunicorn with contactguard's configuration
    (plugin/web/gunicorn_conf.py: gevent workers, header and body timeouts, WEB_THREADS requests in the app at
    once), the same settings for every server measured. `app` names an app factory that wraps its app with
    plugin.web.serving.served, as plugin.app:create_served_app() does."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "python:plugin.web.gunicorn_conf",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        app,
    ]
    process = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except requests.RequestException:  # not listening yet, or too busy starting to answer
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:  # a worker stuck in a request: the next measurement needs the port's cores
            process.kill()
            process.wait(15)


def open_database(url: str, instance: str, secret_key: str):
    """Migrate the database at `url`; returns (settings, engine, sessions) for seeding it through the services."""
    settings = load_settings({"DATABASE_URL": url, "INSTANCE_PATH": instance, "SECRET_KEY": secret_key}, environ={})
    migrate.upgrade(url)
    engine = make_engine(url)
    return settings, engine, make_session_factory(engine)


def webhook_path(instance: str, secret_key: str, connection_id: str) -> str:
    """Where a helpdesk posts for a connection just added: /webhooks/<token>, the token derived from the instance's
    key (issue 21: the id is public, never the URL's credential)."""
    from plugin.services import connections as conns

    settings = load_settings({"INSTANCE_PATH": instance, "SECRET_KEY": secret_key}, environ={})
    return f"/webhooks/{conns.webhook_token(settings, connection_id, 1)}"


def add_customers(ctx: Context, prefix: str, count: int) -> None:
    """Customers `<prefix>0` ... with the e-mail address customer<n>@example.com each."""
    for n in range(count):
        reg.add_customer(
            ctx,
            {
                "reference": f"{prefix}{n}",
                "name": f"Customer {n}",
                "identities": [{"kind": "email", "value": f"customer{n}@example.com"}],
            },
        )


def officer_actor(sessions, email: str) -> Actor:
    """The officer with `email`, as the actor the services expect."""
    with sessions() as session:
        officer = session.scalar(select(Officer).where(Officer.email == email))
        return Actor(email.split("@")[0], Role(officer.role), officer.id)


def restrict_customer(sessions, settings: Settings, officer: Actor, senior: Actor, customer: str, officer_email: str):
    """Restrict `customer` to e-mail the policy's way: an incident experienced by `officer_email` (also the single
    point of contact), a warning, the proposal and its checks by the officer; the senior activates it."""
    with sessions() as session, session.begin():
        ctx = Context(session, officer, settings)
        incident = inc.record_incident(
            ctx,
            {
                "customer": customer,
                "experienced_by": officer_email,
                "channel": "telephone",
                "occurred_at": (ctx.now() - dt.timedelta(days=2)).isoformat(),
                "category": "verbal_abuse",
                "description": "Shouted at the officer",
            },
        )
        warning = inc.issue_warning(
            ctx,
            {
                "customer": customer,
                "incidents": [incident.id],
                "behaviour": "Shouting on the phone",
                "why_unacceptable": "Staff must work free of abuse",
                "change_requested": "Keep calls civil",
                "consequences": "Contact may be restricted",
            },
        )
        proposal = rs.propose(
            ctx,
            {
                "customer": customer,
                "path": "after_warning",
                "warning": warning.id,
                "why_necessary": "Abuse continued after the warning",
                "spoc_officer": officer_email,
                "allowed_channels": ["email"],
            },
        )
        rs.record_checks(
            ctx, proposal.id, {"social_work_known": "no", "adjustments_needed": False, "other_services": "none"}
        )
    with sessions() as session, session.begin():
        rs.activate(Context(session, senior, settings), proposal.id)


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    with psycopg.connect(PG) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    return (
        f"{os.cpu_count()} cores ({cpu}), {int(mem) // 1024 // 1024} GiB, Python {platform.python_version()}, "
        f"PostgreSQL {pg}"
    )

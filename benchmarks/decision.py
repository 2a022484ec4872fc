"""Decision time (match + decide) at 1 thousand and at 1 million registered identities."""

from __future__ import annotations

import statistics
import time

import psycopg
from sqlalchemy import text

from adapters.base import InboundEvent
from plugin import migrate
from plugin.config import load_settings
from plugin.db import make_engine, make_session_factory
from plugin.policy import decision as policy
from plugin.services import Actor, Context
from plugin.services.pipeline import _load, _match
from plugin.services.terms import policy_terms


def _fill(dsn: str, count: int) -> None:
    """`count` customers with one e-mail each, by COPY (the register's own tables)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        with conn.cursor().copy("COPY customers (id, reference, name, created_at) FROM STDIN") as copy:
            for n in range(count):
                copy.write_row((n + 1, f"D{n}", f"Customer {n}", "2026-01-01 00:00:00"))
        with conn.cursor().copy(
            "COPY identities (customer_id, kind, value, connection_id, created_at) FROM STDIN"
        ) as copy:
            for n in range(count):
                copy.write_row((n + 1, "email", f"d{n}@example.com", "", "2026-01-01 00:00:00"))
        conn.execute("ANALYZE")


def time_decisions(url: str, dsn: str, count: int, samples: int = 2000) -> float:
    """Median microseconds for one match + decide over `samples` lookups (hits and misses)."""
    migrate.upgrade(url)
    _fill(dsn, count)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    settings = load_settings({"DATABASE_URL": url, "SECRET_KEY": "bench-secret-key-123"}, environ={})
    timings = []
    with sessions() as session:
        ctx = Context(session, Actor.system("bench"), settings)
        for i in range(samples):
            email = f"d{(i * 7919) % count}@example.com" if i % 2 else f"nobody{i}@example.com"
            event = InboundEvent(delivery_key=str(i), event_type="ticket.created", ticket_id="1", emails=(email,))
            start = time.perf_counter()
            _customer_id, ids = _match(ctx, "conn", event)
            restrictions = _load(ctx, ids)
            policy.decide(policy.Contact(at=ctx.now()), [policy_terms(r) for r in restrictions])
            timings.append((time.perf_counter() - start) * 1e6)
        session.execute(text("SELECT 1"))
    engine.dispose()
    return statistics.median(timings[200:])

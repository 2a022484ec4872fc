"""The panel beside the ticket on a large register: panel_for's p99 with 1M identities.

    python -m benchmarks.sidebar                      # SQLite in a temporary folder
    python -m benchmarks.sidebar --database URL       # PostgreSQL (an empty database you may fill)

Loads the customers and their e-mail identities in bulk, restricts a few through the services, then asks
for panels (restricted, unrestricted and unknown customers, with a ticket id) one transaction each, the way
the page does, audit entry included. Prints `sidebar_p99_ms=`.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time

from sqlalchemy import insert, select

from plugin import migrate
from plugin.config import load_settings
from plugin.db import make_engine, make_session_factory
from plugin.models import Connection, Customer, Identity
from plugin.policy.vocabulary import Role
from plugin.services import Actor, Context
from plugin.services import connections as conns
from plugin.services import register as reg
from plugin.services.sidebar import panel_for

from .common import restrict_customer

CHUNK = 50_000
RESTRICTED = 50


def email(n: int) -> str:
    return f"customer{n}@example.com"


def load_register(sessions, count: int) -> None:
    """`count` customers with one e-mail identity each, in bulk (the import path would take hours)."""
    for start in range(0, count, CHUNK):
        stop = min(start + CHUNK, count)
        with sessions() as s, s.begin():
            s.execute(
                insert(Customer),
                [{"id": n + 1, "reference": f"B{n}", "name": f"Customer {n}"} for n in range(start, stop)],
            )
            s.execute(
                insert(Identity),
                [
                    {"customer_id": n + 1, "kind": "email", "value": email(n), "connection_id": ""}
                    for n in range(start, stop)
                ],
            )


def seed_people(sessions, settings) -> tuple[Actor, Actor, str]:
    with sessions() as s, s.begin():
        ctx = Context(s, Actor.system("bench"), settings)
        officer = reg.add_officer(ctx, {"email": "officer@council.example", "name": "Olly Officer", "role": "officer"})
        senior = reg.add_officer(ctx, {"email": "senior@council.example", "name": "Sam Senior", "role": "senior"})
        connection = conns.add(
            ctx,
            "django_helpdesk",
            "bench",
            {"base_url": "http://helpdesk.test/helpdesk/api/"},
            {"username": "u", "password": "p"},
            test=False,
        )
        return (
            Actor("bench-officer", Role.OFFICER, officer.id),
            Actor("bench-senior", Role.SENIOR, senior.id),
            connection.id,
        )


def measure(sessions, settings, connection_id: str, count: int, lookups: int) -> list[float]:
    rng = random.Random(7)
    timings = []
    for i in range(lookups):
        n = rng.randrange(count + count // 10)  # about one in eleven is not on the register
        if i % 4 == 0:
            n = rng.randrange(0, RESTRICTED * 97, 97)
        started = time.perf_counter()
        with sessions() as s, s.begin():
            connection = s.get(Connection, connection_id)
            panel_for(Context(s, Actor.system("bench"), settings), connection, emails=[email(n)], ticket_id=str(i))
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def panel_timings(url: str, identities: int = 1_000_000, lookups: int = 2000) -> list[float]:
    """Load `identities` into the empty database at `url`, then time `lookups` panels (ms, sorted)."""
    with tempfile.TemporaryDirectory() as instance:
        settings = load_settings(
            {"DATABASE_URL": url, "INSTANCE_PATH": instance, "SECRET_KEY": "bench-key-123456"}, environ={}
        )
        migrate.upgrade(url)
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        try:
            started = time.perf_counter()
            load_register(sessions, identities)
            officer, senior, connection_id = seed_people(sessions, settings)
            for n in range(0, RESTRICTED * 97, 97):
                restrict_customer(sessions, settings, officer, senior, f"B{n}", "officer@council.example")
            print(f"loaded {identities} identities in {time.perf_counter() - started:.0f}s ({engine.dialect.name})")
            with sessions() as s:
                assert s.scalar(select(Identity.id).where(Identity.value == email(identities - 1))) is not None
            return sorted(measure(sessions, settings, connection_id, identities, lookups))
        finally:
            engine.dispose()


def p99(timings: list[float]) -> float:
    return timings[int(len(timings) * 0.99) - 1]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="SQLAlchemy URL of an empty database (default: SQLite in a temp dir)")
    parser.add_argument("--identities", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=2000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        timings = panel_timings(args.database or f"sqlite:///{folder}/sidebar.sqlite3", args.identities, args.lookups)
    print(f"sidebar_lookups={len(timings)} sidebar_median_ms={statistics.median(timings):.2f}")
    print(f"sidebar_p99_ms={p99(timings):.2f}")


if __name__ == "__main__":
    main()

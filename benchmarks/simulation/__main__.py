"""`python -m benchmarks.simulation [--days N] [--customers N] [--seed N]`: a council's year on PostgreSQL.

Creates a database of its own on the PostgreSQL server (CONTACTGUARD_BENCH_POSTGRES_URL, default
postgresql://postgres@127.0.0.1:5432/test), migrates it, runs the simulation, drops the database, prints
`name=value` lines (the figures, one line per invariant with what it checked and its violations, and the
wall time) and exits 1 when any invariant was violated, listing the first few violations by ids only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from collections import Counter
from pathlib import Path

import psycopg

from benchmarks.common import fresh_postgres
from plugin import migrate
from plugin.config import load_settings
from plugin.db import make_engine, make_session_factory

from .run import Result, Simulation
from .world import Options

SHOWN_PER_INVARIANT = 5


def parse(argv: list[str] | None = None) -> Options:
    defaults = Options()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=defaults.days, help="simulated days (default 365)")
    parser.add_argument("--customers", type=int, default=defaults.customers, help="customers on the register")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="seed of every random choice")
    parser.add_argument("--start", type=dt.date.fromisoformat, default=defaults.start, help="first day (ISO date)")
    parser.add_argument(
        "--contacts-per-working-day",
        type=int,
        default=defaults.contacts_per_working_day,
        help="everyday contacts on a working day, for 20,000 customers (scaled to --customers)",
    )
    parser.add_argument("--failure-rate", type=float, default=defaults.failure_rate, help="helpdesk 503s, first tries")
    parser.add_argument("--out", type=Path, default=defaults.out, help="folder for report.html and report.pdf")
    parser.add_argument("--no-report", action="store_true", help="skip the committee's report")
    args = parser.parse_args(argv)
    return Options(
        days=args.days,
        customers=args.customers,
        seed=args.seed,
        start=args.start,
        contacts_per_working_day=args.contacts_per_working_day,
        failure_rate=args.failure_rate,
        out=None if args.no_report else args.out,
    )


def show(result: Result) -> None:
    """The figures, the invariants and the refusals, as name=value lines; violations by ids only."""
    wall = result.figures.pop("wall_seconds", None)
    for name, value in result.figures.items():
        print(f"{name}={value}")
    for name, checked in result.checked.items():
        print(f"invariant_{name}_checked={checked} violations={len(result.violations.get(name, []))}")
    for name, found in result.violations.items():
        for detail, count in sorted(Counter(line.rsplit("detail=", 1)[1] for line in found).items()):
            print(f"violations invariant={name} detail={detail} count={count}")
    for found in result.violations.values():
        for line in found[:SHOWN_PER_INVARIANT]:
            print(line)
    for line in result.refusals[:10]:
        print(line)
    for path in result.report_files:
        print(f"report={path}")
    print(f"wall_seconds={wall}")


def _commit_without_waiting_for_disk(dsn: str) -> None:
    """synchronous_commit off for the simulation's own database: the run checks what the product decides and
    writes, not what survives a power cut (make faults does), and waiting for the disk at each of its hundreds of
    thousands of commits would take most of the 15 minutes on this machine."""
    name = dsn.rsplit("/", 1)[1]
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    with fresh_postgres() as (url, dsn), tempfile.TemporaryDirectory() as instance:
        _commit_without_waiting_for_disk(dsn)
        migrate.upgrade(url)
        settings = load_settings(
            {
                "DATABASE_URL": url,
                "INSTANCE_PATH": instance,
                "SECRET_KEY": "simulation-secret-key-0123456789",
                "LOG_LEVEL": "ERROR",
            },
            environ={},
        )
        engine = make_engine(url)
        try:
            result = Simulation(settings, make_session_factory(engine), options, progress=True).run()
        finally:
            engine.dispose()
    show(result)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())

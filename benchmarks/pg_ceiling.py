"""PostgreSQL's write ceiling on this machine: durable commits a second, and rows a second when batched.

Every decision batch, webhook insert and outbox result is a commit that waits for the write-ahead log to
reach the disk (synchronous_commit on, fdatasync here), so the commits a second the server can make bound
what one machine can do: one connection waits for each flush in turn; several share a flush (group
commit); rows written together share a commit. docs/scaling.md works from these figures.

    python -m benchmarks.pg_ceiling
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

import psycopg

from .common import fresh_postgres

SECONDS = 5.0
SHAPES = ((1, 1), (4, 1), (8, 1), (1, 100), (2, 100))  # (connections, rows per commit)
ROW = "x" * 200  # about an outbox row's size


@dataclass
class Ceiling:
    connections: int
    rows_per_commit: int
    commits_per_s: float
    rows_per_s: float
    load: float

    def line(self) -> str:
        return (
            f"pg_ceiling connections={self.connections} rows_per_commit={self.rows_per_commit}: "
            f"{self.commits_per_s:.0f} commits/s, {self.rows_per_s:.0f} rows/s (load {self.load:.1f})"
        )


def _commit_for(dsn: str, connections: int, rows: int, seconds: float) -> tuple[float, float]:
    counts = [0] * connections
    stop = time.monotonic() + seconds

    def writer(k: int) -> None:
        with psycopg.connect(dsn) as conn:
            while time.monotonic() < stop:
                with conn.transaction(), conn.cursor() as cursor:
                    cursor.executemany("INSERT INTO ceiling (k, v) VALUES (%s, %s)", [(k, ROW)] * rows)
                counts[k] += 1

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return sum(counts) / elapsed, sum(counts) * rows / elapsed


def measure(seconds: float = SECONDS) -> list[Ceiling]:
    """Each shape in turn on a fresh database, for `seconds` each."""
    found = []
    with fresh_postgres() as (_url, dsn):
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CREATE TABLE ceiling (id bigserial PRIMARY KEY, k int, v text)")
        for connections, rows in SHAPES:
            commits, written = _commit_for(dsn, connections, rows, seconds)
            found.append(Ceiling(connections, rows, commits, written, os.getloadavg()[0]))
    return found


def main() -> None:
    for ceiling in measure():
        print(ceiling.line(), flush=True)


if __name__ == "__main__":
    main()

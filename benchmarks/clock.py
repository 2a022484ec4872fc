"""One sweep cycle over 100,000 active restrictions with 1,000 due today: time and peak memory."""

from __future__ import annotations

import datetime as dt
import json
import resource
import sys
import time

import psycopg

from plugin import migrate


def seed(url: str, dsn: str, total: int = 100_000, due_today: int = 1000, today: dt.date = dt.date(2026, 6, 1)):
    """Customers, one officer and `total` active restrictions; `due_today` have their review due today."""
    migrate.upgrade(url)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO officers (id, name, email, role, active, created_at) VALUES "
            "(1, 'Senior', 'senior@council.example', 'senior', true, now())"
        )
        with conn.cursor().copy("COPY customers (id, reference, name, created_at) FROM STDIN") as copy:
            for n in range(total):
                copy.write_row((n + 1, f"K{n}", f"Customer {n}", "2026-01-01 00:00:00"))
        columns = (
            "customer_id, state, path, why_necessary, spoc_kind, spoc_officer_id, allowed_channels, "
            "time_windows, premises, subjects, starts_on, review_due, proposed_by_id, activated_by_id, "
            "created_at, version"
        )
        with conn.cursor().copy(f"COPY restrictions ({columns}) FROM STDIN") as copy:
            for n in range(total):
                # 1,000 due today; the rest spread over the next 400 days (some inside the reminder windows).
                due = today if n < due_today else today + dt.timedelta(days=1 + n % 400)
                copy.write_row(
                    (
                        n + 1,
                        "active",
                        "after_warning",
                        "Imported for the benchmark",
                        "officer",
                        1,
                        json.dumps(["email"]),
                        "[]",
                        "{}",
                        "{}",
                        "2026-01-01",
                        due.isoformat(),
                        1,
                        1,
                        "2026-01-01 00:00:00",
                        1,
                    )
                )
        conn.execute("ANALYZE")


def sweep_once(url: str, today: str) -> None:
    """Run in a fresh process: one sweep cycle; prints seconds and peak RSS as JSON."""
    from plugin.config import load_settings
    from plugin.db import make_engine, make_session_factory
    from plugin.worker.sweeps import run_sweeps

    settings = load_settings({"DATABASE_URL": url, "SECRET_KEY": "bench-secret-key-123"}, environ={})
    engine = make_engine(url)
    start = time.perf_counter()
    report = run_sweeps(make_session_factory(engine), settings, today=dt.date.fromisoformat(today))
    seconds = time.perf_counter() - start
    peak_mb = _peak_mb()
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "acts": report.counts}))


def _peak_mb() -> float:
    """This process's peak resident memory since it started the program: VmHWM, which begins again at exec. (Not
    ru_maxrss: Linux keeps it across exec, so a process started by the large `make bench` process reported that
    process's peak, 212 MB, where the sweep's own was 140.)"""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # no /proc: an upper bound


if __name__ == "__main__":
    sweep_once(sys.argv[1], sys.argv[2])

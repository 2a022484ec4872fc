"""Outbound drain rate: how fast `contactguard worker` applies queued helpdesk actions against a rate limit.

    python -m benchmarks.drain [--limit 1200] [--deliveries 150] [--database URL] [--workers 1]

A fake django-helpdesk (benchmarks/fake_helpdesk.py) enforces `--limit` calls a minute and answers calls
over it 429 with Retry-After, as Zendesk documents; the connection is configured with the same limit, as an
administrator would. Restricted customers' new tickets and replies are stored and decided first (in this
process), so the outbox holds a backlog; then the workers start and the run ends when the outbox is empty.
Prints `drain_ratio=` (successful calls a second over the limit a second, from the first call to the last;
target >= 0.95), the 429s answered and the actions a second.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from sqlalchemy import func, select

from plugin.app import create_app
from plugin.config import load_settings
from plugin.db import make_engine, make_session_factory
from plugin.models import OutboxAction
from plugin.worker.decisions import decide_pending

from .common import ROOT, webhook_path
from .fake_helpdesk import FakeHelpdesk
from .faults import SECRET_KEY, deliveries, seed

LIMIT_PER_MINUTE = 1200
DELIVERIES = 150
TARGET = 0.95


@dataclass
class DrainResult:
    limit_per_minute: int
    actions: int
    calls_ok: int
    calls_429: int
    seconds: float  # first call to last call

    @property
    def calls_per_second(self) -> float:
        return self.calls_ok / self.seconds

    @property
    def ratio(self) -> float:
        return self.calls_per_second / (self.limit_per_minute / 60)

    def line(self) -> str:
        return (
            f"drain: {self.actions} actions in {self.seconds:.1f} s ({self.actions / self.seconds:.1f} actions/s), "
            f"{self.calls_per_second:.1f} calls/s against a limit of {self.limit_per_minute / 60:.1f}/s, "
            f"{self.calls_429} answered 429"
        )


def _backlog(url: str, instance: str, connection_id: str, count: int) -> int:
    """Store and decide `count` deliveries in this process; returns the outbox actions waiting."""
    env = {"DATABASE_URL": url, "INSTANCE_PATH": instance, "SECRET_KEY": SECRET_KEY}
    path = webhook_path(instance, SECRET_KEY, connection_id)
    app = create_app({**env, "ALLOW_PRIVATE_HELPDESK_URLS": True, "LOG_LEVEL": "WARNING"})
    client = app.test_client()
    for _name, body in deliveries(count, random.Random(12)):
        answer = client.post(path, data=body, headers={"Content-Type": "application/json"})
        assert answer.status_code == 200, answer.get_data(as_text=True)
    settings = load_settings(env, environ={})
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    while decide_pending(sessions, settings):
        pass
    with sessions() as session:
        waiting = session.scalar(select(func.count()).select_from(OutboxAction).where(OutboxAction.state == "pending"))
    engine.dispose()
    return waiting


def _pending(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(OutboxAction).where(OutboxAction.state == "pending"))


def measure(
    url: str, instance: str, limit_per_minute: int, count: int, workers: int, timeout: float = 600
) -> DrainResult:
    helpdesk = FakeHelpdesk().start()
    try:
        connection_id = seed(url, instance, helpdesk.api, limit_per_minute=limit_per_minute)
        actions = _backlog(url, instance, connection_id, count)
        helpdesk.set_mode("ok", limit_per_minute=limit_per_minute)
        env = {
            **os.environ,
            "CONTACTGUARD_DATABASE_URL": url,
            "CONTACTGUARD_INSTANCE_PATH": instance,
            "CONTACTGUARD_SECRET_KEY": SECRET_KEY,
            "CONTACTGUARD_LOG_LEVEL": "ERROR",
            "CONTACTGUARD_ALLOW_PRIVATE_HELPDESK_URLS": "true",
        }
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "plugin.cli", "worker", "--interval", "0.2"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(workers)
        ]
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        try:
            deadline = time.monotonic() + timeout
            while _pending(sessions) and time.monotonic() < deadline:
                time.sleep(0.5)
        finally:
            for process in processes:
                process.terminate()
                process.wait(15)
            engine.dispose()
        calls = helpdesk.state.snapshot()["calls"]
    finally:
        helpdesk.stop()
    answered = [c for c in calls if isinstance(c["status"], int)]
    ok = [c for c in answered if c["status"] < 300]
    return DrainResult(
        limit_per_minute,
        actions,
        len(ok),
        sum(1 for c in answered if c["status"] == 429),
        max(c["t"] for c in answered) - min(c["t"] for c in answered),
    )


def main(argv=None) -> DrainResult:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=LIMIT_PER_MINUTE, help="the helpdesk's calls a minute")
    parser.add_argument("--deliveries", type=int, default=DELIVERIES)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--database", help="SQLAlchemy URL of an empty database (default: SQLite, as `make run`)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as instance:
        url = args.database or f"sqlite:///{instance}/contactguard.sqlite3"
        result = measure(url, instance, args.limit, args.deliveries, args.workers)
    print(result.line(), flush=True)
    print(f"drain_ratio={result.ratio:.2f} drain_429s={result.calls_429}", flush=True)
    return result


if __name__ == "__main__":
    main()

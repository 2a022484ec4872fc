"""Time to flag: from the webhook's acknowledgement to the helpdesk API call that flags the ticket.

Issue 11 item 3: p99 under 1 s at 50 events/s on PostgreSQL. contactguard is served by gunicorn as in
production with `contactguard worker`s (their poll interval left at the default 2 s, so only the
wake-up on new work can meet the target); the helpdesk is a local recorder of the generic
adapter's signed callbacks, with two `contactguard worker` processes. Every event comes from a restricted customer on a new ticket, so every
event must be flagged; the time is the recorder's clock at the `set_flag` callback minus the sender's
clock when the webhook was answered (one process, one monotonic clock).

    python -m benchmarks.time_to_flag [--rate 50] [--seconds 20]

Then the capacity: 1000 events stored while no worker runs, then the two workers started; how many a second
they decide and flag (`flag_capacity_per_s=`). The steady time to flag holds only while the rate stays
below it, and the difference is how fast a backlog (a burst, a restart) drains.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg

from .common import ROOT, fresh_postgres, gunicorn
from .ingest import RESTRICTED_EVERY, make_request, seed

WORKERS = 2  # `contactguard worker` processes, as docs/operations.md recommends for more than one core


@dataclass
class FlagTimes:
    sent: int
    acknowledged: int
    flagged: int
    delays_ms: list[float]

    def percentile(self, p: float) -> float:
        ordered = sorted(self.delays_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else float("inf")


class Recorder(ThreadingHTTPServer):
    """The helpdesk: notes when each ticket's set_flag arrives."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _RecorderHandler)
        self.flagged: dict[str, float] = {}
        self.lock = threading.Lock()

    def handle_error(self, request, client_address):
        """A worker stopped at the end of a run drops its kept-alive connection: not worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _RecorderHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as helpdesk APIs answer

    def do_POST(self):  # the http.server name
        at = time.monotonic()
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if body.get("action", {}).get("kind") == "set_flag":
            with self.server.lock:
                self.server.flagged.setdefault(str(body["ticket_id"]), at)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def _helpdesk_and_database():
    """A fresh database seeded with the register, its generic connection calling back a local Recorder;
    yields (recorder, connection id, the environment for contactguard's processes)."""
    with fresh_postgres() as (url, dsn), tempfile.TemporaryDirectory() as instance:
        connection_id = seed(url, instance)
        recorder = Recorder()
        threading.Thread(target=recorder.serve_forever, daemon=True).start()
        callback = f"http://127.0.0.1:{recorder.server_address[1]}/actions"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(
                "UPDATE connections SET settings = jsonb_set(settings::jsonb, '{callback_url}', %s::jsonb)"
                "::json WHERE id = %s",
                (json.dumps(callback), connection_id),
            )
        env = {
            "CONTACTGUARD_DATABASE_URL": url,
            "CONTACTGUARD_INSTANCE_PATH": instance,
            "CONTACTGUARD_SECRET_KEY": "bench-secret-key-123",
            "CONTACTGUARD_LOG_LEVEL": "WARNING",
            "CONTACTGUARD_ALLOW_PRIVATE_HELPDESK_URLS": "true",
        }  # the recorder is on loopback
        try:
            yield recorder, connection_id, env
        finally:
            recorder.shutdown()


@contextlib.contextmanager
def _workers(env: dict):
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "plugin.cli", "worker"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
        )
        for _ in range(WORKERS)
    ]
    try:
        yield workers
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(15)


def measure(rate: float = 50.0, seconds: float = 20.0) -> FlagTimes:
    with _helpdesk_and_database() as (recorder, connection_id, env), _workers(env):
        with gunicorn("plugin.app:create_app()", env) as port:
            time.sleep(2)  # the workers have started and listen
            acked = _send(port, f"/webhooks/{connection_id}", rate, seconds)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and len(recorder.flagged) < len(acked):
                time.sleep(0.2)
        delays = [(recorder.flagged[t] - at) * 1000 for t, at in acked.items() if t in recorder.flagged]
        return FlagTimes(sent=int(rate * seconds), acknowledged=len(acked), flagged=len(delays), delays_ms=delays)


def capacity(events: int = 1000) -> float:
    """Events a second the workers decide and flag when they find `events` stored and waiting (a burst, or
    an outage of the workers): above the steady rate, the margin that drains a backlog."""
    with _helpdesk_and_database() as (recorder, connection_id, env):
        with gunicorn("plugin.app:create_app()", env) as port:
            acked = _send(port, f"/webhooks/{connection_id}", 400.0, events / 400.0)
        started = time.monotonic()
        with _workers(env):
            while time.monotonic() < started + 120 and len(recorder.flagged) < len(acked):
                time.sleep(0.05)
            return len(recorder.flagged) / (time.monotonic() - started)


def _send(port: int, path: str, rate: float, seconds: float) -> dict[str, float]:
    """Restricted customers' new tickets at a steady rate; returns ticket id -> time acknowledged."""
    build = make_request(f"ttf-{time.time_ns()}")
    acked: dict[str, float] = {}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start = time.monotonic()
    for n in range(int(rate * seconds)):
        time.sleep(max(0.0, start + n / rate - time.monotonic()))
        i = n * RESTRICTED_EVERY  # make_request's requester is customer (7i mod 1000): restricted when 5 | i
        body, headers = build(i)
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status == 200:
            acked[str(10_000 + i)] = time.monotonic()
    conn.close()
    return acked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    result = measure(args.rate, args.seconds)
    print(
        f"time_to_flag: {result.acknowledged}/{result.sent} acknowledged, {result.flagged} flagged, "
        f"p50 {result.percentile(50):.0f} ms"
    )
    print(f"time_to_flag_p99_ms={result.percentile(99):.0f}")
    print(f"flag_capacity_per_s={capacity():.0f}")


if __name__ == "__main__":
    main()

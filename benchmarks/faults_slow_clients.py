"""`make faults` scenario slow-clients: idle and one-byte-a-second connections held open against the real server.

The web server as shipped (`contactguard serve --workers 2`, its default timeouts) on a PostgreSQL database of
its own. An attacker on the same machine holds IDLE connections that send nothing and SLOW connections that each
send one byte a second (half of them a request's headers, half a webhook's body after complete headers); when
the server drops one (its header or body timeout) the attacker opens another at once, as a slowloris does, so
the full count is held throughout. Meanwhile a helpdesk posts webhooks at `rate` a second (each once, never
retried) and a monitor polls /healthz twice a second.

Figures (name=value): health checks answered / total and the p50 / p99 of the answered ones, webhooks stored /
sent, and how many of the attacker's connections the server dropped. The run fails if a health check or a
webhook went unanswered, or a webhook acknowledged was not stored.
"""

from __future__ import annotations

import datetime as dt
import http.client
import os
import random
import resource
import socket
import tempfile
import threading
import time
from pathlib import Path

import psycopg

from .common import free_port, fresh_postgres, webhook_path

IDLE = 500
SLOW = 50
HEALTH_EVERY = 0.5  # seconds between health checks
ANSWER_WITHIN = 5.0  # seconds a health check or a webhook may take before it counts as unanswered


class Attacker:
    """Holds `idle` silent connections and `slow` one-byte-a-second senders, reopening any the server drops."""

    def __init__(self, port: int, path: str, body: bytes, idle: int, slow: int):
        self.port = port
        head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        slow_headers = (head + "X-Slow: " + "a" * 400 + "\r\n\r\n").encode()
        # (bytes sent at once, bytes sent one a second): half trickle their headers, half their body
        self.plans = [(b"", slow_headers) if n % 2 else ((head + "\r\n").encode(), body) for n in range(slow)]
        self.idle: list[socket.socket | None] = [None] * idle
        self.slow: list[tuple[socket.socket, int] | None] = [None] * slow
        self.dropped = {"idle": 0, "slow_headers": 0, "slow_body": 0}
        self.answered_slow = 0  # slow senders answered (408) before the server closed them
        self.failed_connects = 0
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._hold_idle), threading.Thread(target=self._trickle)]

    def _connect(self) -> socket.socket | None:
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        except OSError:
            self.failed_connects += 1
            return None
        sock.setblocking(False)
        return sock

    @staticmethod
    def _closed(sock: socket.socket) -> tuple[bool, bool]:
        """(closed by the server, answered first): reads what the server sent, without waiting."""
        answered = False
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    return True, answered
                answered = True
        except BlockingIOError:
            return False, answered
        except OSError:
            return True, answered

    def _hold_idle(self) -> None:
        while not self.stop.is_set():
            for n, sock in enumerate(self.idle):
                if sock is not None and self._closed(sock)[0]:
                    sock.close()
                    self.dropped["idle"] += 1
                    sock = None
                if sock is None:
                    self.idle[n] = self._connect()
            self.stop.wait(0.2)

    def _trickle(self) -> None:
        while not self.stop.is_set():
            for n, held in enumerate(self.slow):
                at_once, trickled = self.plans[n]
                if held is not None and self._send_one(n, held, trickled):
                    continue
                if held is not None:  # dropped by the server (closed, reset, or answered 408 and closed)
                    held[0].close()
                    self.dropped["slow_body" if at_once else "slow_headers"] += 1
                self.slow[n] = self._open_slow(at_once)
            self.stop.wait(1.0)  # one byte a second on each connection

    def _open_slow(self, at_once: bytes) -> tuple[socket.socket, int] | None:
        sock = self._connect()
        if sock is None:
            return None
        try:
            sock.sendall(at_once)
        except OSError:
            sock.close()
            return None
        return sock, 0

    def _send_one(self, n: int, held: tuple[socket.socket, int], trickled: bytes) -> bool:
        """The next byte on slow connection `n`; False once the server has closed it (or it has sent everything)."""
        sock, sent = held
        closed, answered = self._closed(sock)
        self.answered_slow += answered
        if closed or sent >= len(trickled):
            return False
        try:
            sock.send(trickled[sent : sent + 1])
        except OSError:
            return False
        self.slow[n] = (sock, sent + 1)
        return True

    def held(self) -> tuple[int, int]:
        return sum(s is not None for s in self.idle), sum(s is not None for s in self.slow)

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def close(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(10)
        for sock in self.idle:
            if sock is not None:
                sock.close()
        for held in self.slow:
            if held is not None:
                held[0].close()


def _post(port: int, path: str, body: bytes) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=ANSWER_WITHIN)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        return str(response.status)
    except TimeoutError:
        return "timeout"
    except (OSError, http.client.HTTPException):
        return "connection error"
    finally:
        conn.close()


def _health(port: int) -> float | None:
    """Milliseconds to a 200 from /healthz, or None (no answer within ANSWER_WITHIN, or another status)."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=ANSWER_WITHIN)
    try:
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        response.read()
        return (time.perf_counter() - started) * 1000 if response.status == 200 else None
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else float("nan")


def _stored(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT count(*) FROM webhook_events").fetchone()[0]


def _raise_open_file_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def run_once(seconds: float, rate: float, seed_value: int, idle: int = IDLE, slow: int = SLOW) -> dict:
    """One run: the server up, the attacker holding its connections, webhooks and health checks for `seconds`."""
    from .faults import SECRET_KEY, Processes, deliveries, seed

    _raise_open_file_limit(idle + slow + 1024)
    rng = random.Random(seed_value)
    items = deliveries(max(1, int(seconds * rate * 3 / 4)), rng)
    with fresh_postgres() as (url, dsn), tempfile.TemporaryDirectory(prefix="cg-faults-") as tmp:
        logs = Path(tmp)
        # The helpdesk's API is never called: no worker runs, only the web server is under test.
        connection_id = seed(url, str(logs / "instance"), f"http://127.0.0.1:{free_port()}/helpdesk/api/")
        env = {
            **os.environ,
            "CONTACTGUARD_DATABASE_URL": url,
            "CONTACTGUARD_INSTANCE_PATH": str(logs / "instance"),
            "CONTACTGUARD_SECRET_KEY": SECRET_KEY,
            "CONTACTGUARD_LOG_LEVEL": "WARNING",
        }
        procs = Processes(env, free_port(), logs, workers=0)
        path = webhook_path(str(logs / "instance"), SECRET_KEY, connection_id)
        attacker = Attacker(procs.port, path, items[0][1], idle, slow)
        try:
            procs.start_web()
            procs.wait_ready()
            attacker.start()
            deadline = time.monotonic() + 30
            while attacker.held() != (idle, slow) and time.monotonic() < deadline:
                time.sleep(0.2)  # every attacking connection open before the measured load starts
            answers: list[str] = []
            health: list[float | None] = []
            held_during: list[tuple[int, int]] = []
            started = time.monotonic()
            sender = threading.Thread(target=_send_all, args=(procs.port, path, items, rate, answers))
            sender.start()
            while sender.is_alive() or time.monotonic() - started < seconds:
                health.append(_health(procs.port))
                held_during.append(attacker.held())
                time.sleep(HEALTH_EVERY)
            sender.join()
            load_seconds = time.monotonic() - started
        finally:
            attacker.close()
            procs.stop_all()
        answered = [ms for ms in health if ms is not None]
        return {
            "scenario": "slow-clients",
            "date": dt.datetime.now().isoformat(timespec="seconds"),
            "seconds": round(load_seconds, 1),
            "seed": seed_value,
            "idle_connections": idle,
            "slow_connections": slow,
            "held_min": [min(h[0] for h in held_during), min(h[1] for h in held_during)],
            "dropped_by_server": dict(attacker.dropped),
            "slow_answered_408": attacker.answered_slow,
            "attacker_connect_failures": attacker.failed_connects,
            "health_answered": len(answered),
            "health_total": len(health),
            "health_p50_ms": round(_percentile(answered, 50), 1),
            "health_p99_ms": round(_percentile(answered, 99), 1),
            "webhooks_sent": len(answers),
            "webhooks_acknowledged": sum(a.startswith("2") for a in answers),
            "webhooks_stored": _stored(dsn),
            "answers": {a: answers.count(a) for a in sorted(set(answers))},
        }


def _send_all(port: int, path: str, items: list[tuple[str, bytes]], rate: float, answers: list[str]) -> None:
    """Each delivery once, at `rate` a second, each in a thread of its own so that one left unanswered does not
    delay the next (a helpdesk that does not retry: every failure counts)."""
    started = time.monotonic()
    posts = []
    for index, (_key, body) in enumerate(items):
        time.sleep(max(0.0, started + index / rate - time.monotonic()))
        post = threading.Thread(target=lambda b=body: answers.append(_post(port, path, b)))
        post.start()
        posts.append(post)
    for post in posts:
        post.join()


def summary_line(r: dict) -> str:
    """The run's figures as name=value, as the other scenarios print theirs."""
    return (
        f"{r['scenario']} idle={r['idle_connections']} slow={r['slow_connections']} "
        f"health_answered={r['health_answered']}/{r['health_total']} health_p50_ms={r['health_p50_ms']} "
        f"health_p99_ms={r['health_p99_ms']} webhooks_stored={r['webhooks_stored']}/{r['webhooks_sent']} "
        f"acknowledged={r['webhooks_acknowledged']} held_min={r['held_min'][0]}+{r['held_min'][1]} "
        f"dropped_by_server={sum(r['dropped_by_server'].values())}"
    )


def failed(r: dict) -> bool:
    """A health check or a webhook unanswered, or a webhook not stored."""
    return (
        r["health_answered"] < r["health_total"]
        or r["webhooks_acknowledged"] < r["webhooks_sent"]
        or r["webhooks_stored"] < r["webhooks_sent"]
    )

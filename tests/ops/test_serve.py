"""`contactguard serve` for real: idle and slow clients cannot stop the service (issues 11 and 21).

Every test here starts the real server process (gunicorn's master and its gevent worker) and talks to it over
sockets. The timeouts are set short through the settings (WEB_HEADER_TIMEOUT, WEB_BODY_TIMEOUT), so a slow client
is dropped within a second or two; the tests wait for what the server does (an answer, or the connection closed),
never for a fixed time, and assert outcomes: answered or not, stored or not.
"""

import contextlib
import json
import os
import resource
import select
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests

from plugin import migrate
from tests.helpers import event_count, webhook_path
from tests.webhooks.conftest import fixture_body

IDLE_CONNECTIONS = 400
SLOW_SENDERS = 40
CHECKS = 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _serving(tmp_path, url: str, **settings: str):
    """`contactguard serve` on `url` with one worker, until the block ends; yields (port, log file). Without a
    SECRET_KEY setting the server reads the instance's key file, as the test's own settings do."""
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTACTGUARD_", "PROMETHEUS_"))}
    env.update(
        CONTACTGUARD_DATABASE_URL=url,
        CONTACTGUARD_INSTANCE_PATH=str(instance),
        CONTACTGUARD_PORT=str(port),
        CONTACTGUARD_WEB_WORKERS="1",
        CONTACTGUARD_WEB_THREADS="4",
        CONTACTGUARD_LOG_LEVEL="WARNING",
        **{f"CONTACTGUARD_{name}": value for name, value in settings.items()},
    )
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "plugin.cli", "serve"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except requests.RequestException:  # not listening yet, or the worker still booting
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"contactguard serve did not start:\n{log.read_text()}")
                time.sleep(0.2)
        yield port, log
    finally:
        process.terminate()
        process.wait(20)


@pytest.fixture
def served(tmp_path):
    """The server on a SQLite database of its own (for what does not depend on the database)."""
    url = f"sqlite:///{tmp_path / 'contactguard.sqlite3'}"
    migrate.upgrade(url)
    with _serving(tmp_path, url, SECRET_KEY="k" * 32) as running:
        yield running


@pytest.fixture
def many_files():
    """Room for hundreds of sockets in this process (the server raises its own limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4096 if hard == resource.RLIM_INFINITY else min(4096, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _delivery(n: int) -> bytes:
    return json.dumps(fixture_body("django-helpdesk-ticket-created", id=5000 + n)).encode()


def _still_open(sock: socket.socket) -> bool:
    """The server has neither closed nor reset this connection (nothing to read, no end of stream)."""
    sock.setblocking(False)
    try:
        return sock.recv(1) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


class SlowSenders:
    """Connections that each send one byte a second: half of them a request's headers, half a webhook's body."""

    def __init__(self, port: int, path: str, count: int):
        body = _delivery(0)
        head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.streams = [
            (head + "X-Slow: " + "a" * 200 + "\r\n\r\n").encode() if n % 2 else (head + "\r\n").encode()
            for n in range(count)
        ]
        self.sockets = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]
        for n, sock in enumerate(self.sockets):
            if n % 2 == 0:  # the body's turn: the headers go at once, the body a byte a second
                sock.sendall(self.streams[n])
                self.streams[n] = body
        self.sent, self.failed = [0] * count, 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            for n, sock in enumerate(self.sockets):
                if self.sent[n] < len(self.streams[n]):
                    try:
                        sock.send(self.streams[n][self.sent[n] : self.sent[n] + 1])
                        self.sent[n] += 1
                    except OSError:
                        self.failed += 1
                        self.sent[n] = len(self.streams[n])
            self.stop.wait(1.0)  # the client's own pace: one byte a second on each connection

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(5)
        for sock in self.sockets:
            sock.close()


def test_hundreds_of_idle_and_slow_clients_do_not_stop_health_checks_or_webhooks(
    tmp_path, db_url, connection_id, sessions, many_files, settings
):
    """The HIGH finding of issue 21: 16 silent sockets filled 2 gthread workers x 8 threads, and with 100 held open
    8 of 13 health checks timed out. Here 400 silent connections and 40 one-byte-a-second senders are held open
    (timeouts long enough that none is dropped meanwhile) while every health check is answered and every webhook
    stored."""
    with _serving(tmp_path, db_url, WEB_HEADER_TIMEOUT="60", WEB_BODY_TIMEOUT="60") as (port, _):
        idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(IDLE_CONNECTIONS)]
        try:
            with SlowSenders(port, webhook_path(settings, connection_id), SLOW_SENDERS) as slow:
                health = [
                    requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code for _ in range(CHECKS)
                ]
                webhooks = [
                    requests.post(
                        f"http://127.0.0.1:{port}{webhook_path(settings, connection_id)}",
                        data=_delivery(n + 1),
                        headers={"Content-Type": "application/json"},
                        timeout=10,
                    ).status_code
                    for n in range(CHECKS)
                ]
                assert slow.failed == 0, "the server dropped a slow sender before its timeout"
            assert health == [200] * CHECKS
            assert webhooks == [200] * CHECKS
            assert event_count(sessions) == CHECKS  # the slow senders' body never arrived whole: not stored
            assert sum(_still_open(sock) for sock in idle) == IDLE_CONNECTIONS  # held, not refused or closed
        finally:
            for sock in idle:
                sock.close()


def _trickle(sock: socket.socket, data: bytes) -> tuple[bytes, int]:
    """Send `data` a byte at a time, each after waiting up to 0.2 s for the server to answer or close; returns
    what the server sent back before closing (b"" if it closed without answering) and how much was sent."""
    for sent in range(len(data)):
        readable, _, _ = select.select([sock], [], [], 0.2)
        if readable:
            return _rest_of_answer(sock), sent
        try:
            sock.send(data[sent : sent + 1])
        except OSError:  # reset by the server
            return b"", sent
    return _rest_of_answer(sock), len(data)


def _rest_of_answer(sock: socket.socket) -> bytes:
    sock.settimeout(10)
    answer = b""
    try:
        while chunk := sock.recv(65536):
            answer += chunk
    except OSError:  # reset after its answer, or nothing more within 10 s
        pass
    return answer


def test_headers_sent_too_slowly_are_dropped_without_an_answer(tmp_path, db_url):
    """A client that sends its headers a byte at a time is cut off once WEB_HEADER_TIMEOUT has passed, although it
    never stops sending: the limit is on the whole of the headers, not on the time between two bytes."""
    with _serving(tmp_path, db_url, WEB_HEADER_TIMEOUT="1") as (port, _):
        request = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100 + b"\r\n\r\n"
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        answer, sent = _trickle(sock, request)
        sock.close()
        assert answer == b"", answer[:200]
        assert sent < len(request), "the whole request went through"
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200


def test_a_body_sent_too_slowly_is_refused_with_408_and_nothing_is_stored(
    tmp_path, db_url, connection_id, sessions, settings
):
    """The headers arrive at once, the body a byte at a time: after WEB_BODY_TIMEOUT the server answers 408 without
    the app having seen the request, and then closes the connection (what the client had not sent yet is not waited
    for beyond WEB_HEADER_TIMEOUT)."""
    with _serving(tmp_path, db_url, WEB_HEADER_TIMEOUT="1", WEB_BODY_TIMEOUT="1") as (port, _):
        body = _delivery(1)
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(
            f"POST {webhook_path(settings, connection_id)} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
        )
        answer, sent = _trickle(sock, body)
        sock.close()
        assert answer.split(b"\r\n", 1)[0] == b"HTTP/1.1 408 Request Timeout", answer[:300]
        assert b"request_timeout" in answer
        assert sent < len(body)
        assert event_count(sessions) == 0


def test_a_body_shorter_than_its_content_length_is_400_and_nothing_is_stored(
    tmp_path, db_url, connection_id, sessions, settings
):
    """Through gunicorn as well as werkzeug's server (tests/webhooks/test_receiver_hardening.py): under the threaded
    workers a body 50 bytes short of its Content-Length was read as if whole, and stored."""
    with _serving(tmp_path, db_url) as (port, _):
        body = _delivery(1)
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(
            f"POST {webhook_path(settings, connection_id)} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body) + 50}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        sock.shutdown(socket.SHUT_WR)  # the client is done: 50 bytes short
        answer = _rest_of_answer(sock)
        sock.close()
        assert answer.split(b"\r\n", 1)[0] == b"HTTP/1.1 400 BAD REQUEST", answer[:300]
        assert b"the body ended early" in answer
        assert event_count(sessions) == 0


def test_a_webhook_sent_in_chunks_is_stored(tmp_path, db_url, connection_id, sessions, settings):
    """A chunked body (no Content-Length) is read whole before the app sees it, and the app reads it as sent."""
    with _serving(tmp_path, db_url) as (port, _):
        body = _delivery(1)
        answer = requests.post(
            f"http://127.0.0.1:{port}{webhook_path(settings, connection_id)}",
            data=iter([body[:100], body[100:]]),
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        assert event_count(sessions) == 1


def test_oversized_headers_are_refused_and_the_webhook_token_is_not_logged(served):
    port, log = served
    too_many = {f"X-Filler-{i}": "x" for i in range(60)}
    assert requests.get(f"http://127.0.0.1:{port}/healthz", headers=too_many, timeout=5).status_code in (400, 431)
    requests.post(f"http://127.0.0.1:{port}/webhooks/cgSecretTokenValue123", json={}, timeout=5)
    requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    time.sleep(0.5)
    text = log.read_text()
    assert "cgSecretTokenValue123" not in text
    assert "/webhooks/<masked>" in text


def test_a_served_worker_leaves_what_its_start_loaded_out_of_the_collectors_full_collections(settings, monkeypatch):
    """plugin.app.create_served_app freezes what the start loaded (gc.freeze): a full collection had walked all of
    it, 80 ms in which the worker answered nothing."""
    import gc

    from plugin.app import create_served_app, dispose

    monkeypatch.setenv("CONTACTGUARD_DATABASE_URL", settings.DATABASE_URL)
    monkeypatch.setenv("CONTACTGUARD_INSTANCE_PATH", str(settings.INSTANCE_PATH))
    before = gc.get_freeze_count()
    served = create_served_app()
    try:
        assert gc.get_freeze_count() - before > 50_000, "the app's modules and objects are frozen"
    finally:
        gc.unfreeze()  # this test process goes on
        dispose(served.app)

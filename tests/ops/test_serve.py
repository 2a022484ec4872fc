"""Item 11: `contactguard serve` for real - idle connections that send nothing do not starve the server."""

import os
import socket
import subprocess
import sys
import time

import pytest
import requests

from plugin import migrate


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    url = f"sqlite:///{instance / 'contactguard.sqlite3'}"
    migrate.upgrade(url)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTACTGUARD_", "PROMETHEUS_"))}
    env.update(
        CONTACTGUARD_DATABASE_URL=url,
        CONTACTGUARD_INSTANCE_PATH=str(instance),
        CONTACTGUARD_PORT=str(port),
        CONTACTGUARD_SECRET_KEY="k" * 32,
        CONTACTGUARD_WEB_WORKERS="1",
        CONTACTGUARD_WEB_THREADS="4",
        CONTACTGUARD_LOG_LEVEL="WARNING",
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


def test_idle_connections_do_not_block_requests(served):
    port, _ = served
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]  # connect, send nothing
    try:
        time.sleep(0.3)
        # A functional bound, not a benchmark: with sync workers this waited for the idle clients' timeout.
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
        answer = requests.post(f"http://127.0.0.1:{port}/webhooks/cgnosuchconnection", json={}, timeout=5)
        assert answer.status_code == 404
    finally:
        for sock in idle:
            sock.close()


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


def test_the_access_log_masks_webhook_tokens():
    from plugin.web.gunicorn_conf import mask_webhook_tokens

    assert mask_webhook_tokens("POST /webhooks/cgAbc-_12?x=1 HTTP/1.1") == "POST /webhooks/<masked>?x=1 HTTP/1.1"

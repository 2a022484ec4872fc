"""`contactguard run`'s access log (plugin/web/embedded_server.py): a request line as `contactguard serve` logs it,
with no credential from the query string or the webhook URL, in plain text, and only at the level set.

werkzeug's own handler logged `"GET /sidebar/<id>/panel?...&sig=<signature> HTTP/1.1" 200` in colours at INFO,
whatever CONTACTGUARD_LOG_LEVEL said (seen on `contactguard run` before this change)."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading

import pytest
import requests

from plugin.web.embedded_server import ACCESS_LOGGER, AccessLoggingHandler, embedded_server

SIGNATURE = "5f2b9c0d1e7a4b3c"
TOKEN = "wh-token-0123456789abcdef"


def _app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


@contextlib.contextmanager
def _serving(level: str):
    server = embedded_server("127.0.0.1", 0, _app, level)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture
def access_lines(caplog):
    """The access logger's messages, as a handler formats them (the logger's level is the server's to set)."""
    before = logging.getLogger(ACCESS_LOGGER).level
    yield lambda: [r.getMessage() for r in caplog.records if r.name == ACCESS_LOGGER]
    logging.getLogger(ACCESS_LOGGER).setLevel(before)


def test_a_request_line_is_logged_without_its_query_string_or_webhook_token(access_lines):
    """The line is logged before the answer is sent (werkzeug logs in send_response), so it is there once the
    client has its answer."""
    with _serving("INFO") as (base, _):
        panel = requests.get(f"{base}/sidebar/abc/panel?email=jane%40example.com&sig={SIGNATURE}", timeout=10)
        webhook = requests.post(f"{base}/webhooks/{TOKEN}", data=b"{}", timeout=10)
    assert panel.status_code == webhook.status_code == 200
    lines = access_lines()
    assert any('"GET /sidebar/abc/panel?<dropped> HTTP/1.1" 200' in line for line in lines), lines
    assert any('"POST /webhooks/<masked> HTTP/1.1" 200' in line for line in lines), lines
    shown = "\n".join(lines)
    for secret in (SIGNATURE, TOKEN, "jane", "\x1b["):
        assert secret not in shown


def test_a_malformed_request_line_is_refused_and_logged_without_its_query_string(access_lines):
    """http.server quotes the whole bad line in its error message: 'Bad request syntax ('GET /x?sig=...')'."""
    with _serving("INFO") as (_, port):
        answer = _raw(port, f"GET /sidebar/abc/panel?sig={SIGNATURE} and more HTTP/1.1")
    assert answer.startswith(b"HTTP/1.1 400")
    lines = access_lines()
    assert any("Bad request syntax" in line and "?<dropped>" in line for line in lines), lines
    assert SIGNATURE not in "\n".join(lines)


def _raw(port: int, request_line: str) -> bytes:
    """The server's whole answer to a request line sent as it is (a space in the URL: four words)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        client.sendall(f"{request_line}\r\n\r\n".encode())
        answer = b""
        while chunk := client.recv(4096):
            answer += chunk
    return answer


def test_at_the_warning_level_a_request_is_not_logged_but_a_refused_one_is(access_lines):
    logging.getLogger(ACCESS_LOGGER).setLevel(logging.INFO)  # what werkzeug sets on its first line when unset
    with _serving("WARNING") as (base, port):
        assert requests.get(f"{base}/healthz", timeout=10).status_code == 200
        assert _raw(port, "GET /a space HTTP/1.1").startswith(b"HTTP/1.1 400")
    lines = access_lines()
    assert not any("/healthz" in line for line in lines), lines
    assert any("Bad request syntax" in line for line in lines), lines


def test_an_error_message_without_arguments_is_logged_as_it_is():
    """As werkzeug's handler does: a message with no arguments is not %-formatted (a literal % stays)."""
    logged = []

    class Handler:
        def log(self, level, message, *args):
            logged.append((level, message % args))

    AccessLoggingHandler.log_error(Handler(), "100% of /sidebar?sig=abc")
    AccessLoggingHandler.log_error(Handler(), "code %d, message %s", 400, "Bad request syntax ('GET /x?sig=abc')")
    assert logged == [
        ("error", "100% of /sidebar?<dropped>"),
        ("error", "code 400, message Bad request syntax ('GET /x?<dropped>')"),
    ]

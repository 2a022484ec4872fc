"""The adapters' session reads the environment's proxy settings once per helpdesk address, as requests would
read them on every call: a proxy in HTTP_PROXY is used, NO_PROXY is honoured, a later session sees a change."""

import pytest

from adapters.http import make_session, send
from tests.helpers import local_http_server


@pytest.fixture
def server():
    """A local server that records the request line of each call: a proxy sees the absolute URL."""
    with local_http_server() as found:
        yield found


@pytest.fixture
def clean_proxy_environment(monkeypatch):
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch


def _session():
    return make_session(settings={"allow_private_network": True})  # the test's servers are on loopback


def test_calls_go_through_the_proxy_the_environment_names_every_time(server, clean_proxy_environment):
    port, seen = server
    clean_proxy_environment.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    session = _session()
    for _ in range(3):
        assert send(session, "GET", "http://helpdesk.council.example/api/tickets/1").text == "ok"
    assert seen == ["GET http://helpdesk.council.example/api/tickets/1 HTTP/1.1"] * 3


def test_no_proxy_sends_that_host_direct(server, clean_proxy_environment):
    port, seen = server
    clean_proxy_environment.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens: a proxied call fails
    clean_proxy_environment.setenv("NO_PROXY", "127.0.0.1")
    session = _session()
    for _ in range(2):
        assert send(session, "GET", f"http://127.0.0.1:{port}/api/tickets/1").text == "ok"
    assert seen == ["GET /api/tickets/1 HTTP/1.1"] * 2


def test_a_proxy_set_later_is_followed_by_the_next_session(server, clean_proxy_environment):
    """The drain makes a session per pass: a proxy an operator adds is used from the next pass on."""
    port, seen = server
    assert send(_session(), "GET", f"http://127.0.0.1:{port}/direct").text == "ok"
    clean_proxy_environment.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    assert send(_session(), "GET", "http://helpdesk.council.example/proxied").text == "ok"
    assert seen == ["GET /direct HTTP/1.1", "GET http://helpdesk.council.example/proxied HTTP/1.1"]


def test_a_proxy_given_with_the_call_wins_over_the_environment(server, clean_proxy_environment):
    port, seen = server
    clean_proxy_environment.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    session = _session()
    response = send(session, "GET", "http://helpdesk.council.example/x", proxies={"http": f"http://127.0.0.1:{port}"})
    assert response.text == "ok"
    assert seen == ["GET http://helpdesk.council.example/x HTTP/1.1"]

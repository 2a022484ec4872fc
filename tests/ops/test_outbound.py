"""Item 12: helpdesk URLs on internal addresses are refused at set-up and at call time, unless allowed."""

import socket

import pytest

from adapters import get_adapter, outbound
from adapters.errors import ConnectionCheckFailed, PermanentFailure
from adapters.http import make_session, send
from plugin.services import connections as conns
from plugin.services.errors import InvalidInput
from tests.helpers import local_http_server

SECRETS = {"username": "cgadmin", "password": "s3cret-pass"}


@pytest.fixture(autouse=True)
def _process_allowance_restored():
    yield
    outbound.set_private_allowed(False)


@pytest.fixture
def local_server():
    with local_http_server() as (port, _seen):
        yield port


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://127.0.0.1:8000/helpdesk/api/", "loopback"),
        ("http://localhost/helpdesk/api/", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[fe80::1]/api/", "link-local"),
        ("http://[::1]/api/", "loopback"),
        ("http://0.0.0.0/api/", "unspecified"),
        ("http://10.1.2.3/api/", "private"),
        ("http://192.168.0.10/api/", "private"),
        ("http://100.64.0.1/api/", "globally routable"),
    ],
)
def test_an_internal_base_url_is_refused_at_set_up_with_a_field_error(cast, url, reason):
    with pytest.raises(InvalidInput) as refused, cast.act() as ctx:
        conns.add(ctx, "django_helpdesk", "Internal", {"base_url": url}, SECRETS, test=False)
    messages = refused.value.errors["settings"]["base_url"]
    assert reason in messages[0] and "allow_private_network" in messages[0]


def test_a_name_resolving_to_an_internal_address_is_refused(cast, monkeypatch):
    real = socket.getaddrinfo
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, *a, **k: real("127.0.0.1", *a, **k) if host == "helpdesk.council.example" else real(host, *a, **k),
    )
    with pytest.raises(InvalidInput) as refused, cast.act() as ctx:
        conns.add(
            ctx,
            "django_helpdesk",
            "Rebound",
            {"base_url": "https://helpdesk.council.example/api/"},
            SECRETS,
            test=False,
        )
    assert "helpdesk.council.example (127.0.0.1)" in refused.value.errors["settings"]["base_url"][0]


def test_the_generic_callback_url_is_checked_too(cast):
    settings = {"mapping": {"ticket_id": "/ticket/id"}, "callback_url": "http://169.254.169.254/cb"}
    with pytest.raises(InvalidInput) as refused, cast.act() as ctx:
        conns.add(ctx, "generic", "Generic", settings, {"signing_secret": "s" * 32}, test=False)
    assert "callback_url" in refused.value.errors["settings"]


def test_an_admin_may_allow_a_private_helpdesk_per_connection_or_for_the_service(cast):
    with cast.act() as ctx:
        c = conns.add(
            ctx,
            "django_helpdesk",
            "On the LAN",
            {"base_url": "http://10.1.2.3/helpdesk/api/", "allow_private_network": True},
            SECRETS,
            test=False,
        )
        assert c.settings["allow_private_network"] is True
    outbound.set_private_allowed(True)  # CONTACTGUARD_ALLOW_PRIVATE_HELPDESK_URLS=true
    with cast.act() as ctx:
        conns.add(
            ctx, "django_helpdesk", "Loopback", {"base_url": "http://127.0.0.1:8000/helpdesk/api/"}, SECRETS, test=False
        )


def test_the_setting_reaches_the_process(settings):
    from plugin.config import load_settings

    load_settings({"INSTANCE_PATH": settings.INSTANCE_PATH, "ALLOW_PRIVATE_HELPDESK_URLS": "true"}, environ={})
    assert outbound.private_allowed()
    load_settings({"INSTANCE_PATH": settings.INSTANCE_PATH}, environ={})
    assert not outbound.private_allowed()


def test_a_call_to_an_internal_address_is_refused_when_it_connects(local_server):
    session = make_session()
    with pytest.raises(PermanentFailure, match=r"127\.0\.0\.1, an internal address \(loopback\)"):
        send(session, "GET", f"http://127.0.0.1:{local_server}/")


def test_dns_rebinding_after_set_up_is_refused_at_call_time(local_server, monkeypatch):
    """The name resolved to a public address when it was set up; now it points at loopback."""
    real = socket.getaddrinfo
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, *a, **k: real("127.0.0.1", *a, **k) if host == "rebind.council.example" else real(host, *a, **k),
    )
    with pytest.raises(PermanentFailure, match=r"refused, connected to 127\.0\.0\.1"):
        send(make_session(), "GET", f"http://rebind.council.example:{local_server}/")


def test_allowed_calls_reach_a_private_address(local_server):
    assert (
        send(make_session(settings={"allow_private_network": True}), "GET", f"http://127.0.0.1:{local_server}/").text
        == "ok"
    )
    outbound.set_private_allowed(True)
    assert send(make_session(), "GET", f"http://127.0.0.1:{local_server}/").text == "ok"


def test_the_connection_test_names_the_field(local_server):
    client = get_adapter("django_helpdesk").client({"base_url": "https://helpdesk.council.example/api/"}, SECRETS)
    client.base = f"http://127.0.0.1:{local_server}/api/"  # as if the name now pointed at loopback
    with pytest.raises(ConnectionCheckFailed) as failed:
        client.test_connection()
    assert (failed.value.code, failed.value.field) == ("private_address", "base_url")


@pytest.mark.parametrize(
    "address, public",
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("::ffff:127.0.0.1", False),
        ("fc00::1", False),
        ("224.0.0.1", False),
        ("2002:7f00:1::1", False),
    ],
)
def test_address_classification(address, public):
    assert (outbound.internal_reason(address) is None) is public

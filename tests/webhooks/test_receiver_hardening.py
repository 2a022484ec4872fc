"""Issue 9: the receiver under hostile input. Bodies are limited while read (chunked too, over a real socket),
every malformed input is a 4xx with a message, the reply never tells the outcome, a forged body cannot make the
real delivery a duplicate, and a leaked URL can be rotated or the connection deactivated."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import socket
import threading

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from adapters import REGISTRY
from adapters.django_helpdesk import schemas as dh_schemas
from adapters.django_helpdesk.events import ticket_event
from plugin.cli import cli
from plugin.config import settings_of
from plugin.models import Connection, WebhookEvent
from plugin.services import connections as conns
from tests.adapters.test_contract import fixture, loaded, spec_of
from tests.helpers import active_restriction, event_count, outcomes, webhook_path
from tests.webhooks.conftest import fixture_body
from webhooks.receiver import MAX_BODY

SIGNING = [k for k in sorted(REGISTRY) if spec_of(k).signs]


class CountingInput:
    """wsgi.input wrapped to count the bytes the application reads."""

    def __init__(self, stream, counter: list):
        self.stream, self.counter = stream, counter

    def read(self, *args):
        data = self.stream.read(*args)
        self.counter[0] += len(data)
        return data

    def readinto(self, buffer):
        count = self.stream.readinto(buffer)
        self.counter[0] += count or 0
        return count

    def readline(self, *args):
        data = self.stream.readline(*args)
        self.counter[0] += len(data)
        return data

    def __getattr__(self, name):
        return getattr(self.stream, name)


@pytest.fixture
def served(app):
    """The app over real HTTP, counting what it reads of each body."""
    read = [0]

    def counting(environ, start_response):
        environ["wsgi.input"] = CountingInput(environ["wsgi.input"], read)
        return app(environ, start_response)

    server = make_server("127.0.0.1", 0, counting, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port, read
    server.shutdown()
    thread.join(5)


def _chunked_post(port: int, path: str, total: int, chunk: int = 64 * 1024) -> tuple[bytes, int]:
    """POST `total` bytes in chunks without Content-Length; returns what the server answered and how much was
    sent before the answer came (the server stops reading: the client sees the answer before it is done)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n".encode()
    )
    sent, answer = 0, b""
    piece = b"[" + b"1," * (chunk // 2 - 1) + b"1"
    try:
        while sent < total:
            sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            sent += len(piece)
            sock.setblocking(False)
            try:
                answer = sock.recv(65536)
            except BlockingIOError:
                answer = b""
            finally:
                sock.setblocking(True)
            if answer:
                break
        else:
            sock.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    sock.settimeout(10)
    try:
        while not _complete(answer):
            more = sock.recv(65536)
            if not more:
                break
            answer += more
    except (TimeoutError, ConnectionResetError):
        pass
    sock.close()
    return answer, sent


def _complete(answer: bytes) -> bool:
    """The status line, headers and Content-Length bytes of body have arrived."""
    head, sep, body = answer.partition(b"\r\n\r\n")
    if not sep:
        return False
    length = next(
        (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0
    )
    return len(body) >= length


def test_a_chunked_body_over_the_limit_is_413_and_never_read_whole(served, connection_id, settings):
    port, read = served
    total = 200 * 1024 * 1024
    answer, sent = _chunked_post(port, webhook_path(settings, connection_id), total)
    assert answer.startswith((b"HTTP/1.1 413", b"HTTP/1.0 413")), answer[:200]
    assert b"too_large" in answer
    assert sent < total, "the answer came before the client had sent everything"
    assert read[0] <= MAX_BODY + 64 * 1024, f"read {read[0]} bytes of a {total}-byte body"


def test_a_chunked_body_for_an_unknown_url_is_404_before_any_of_it_is_read(served, connection_id):
    port, read = served
    answer, _ = _chunked_post(port, "/webhooks/cg-not-a-connection", 4 * 1024 * 1024)
    assert b" 404 " in answer.split(b"\r\n", 1)[0]
    assert read[0] == 0


def test_a_chunked_body_within_the_limit_is_read(served, connection_id, settings):
    port, read = served
    body = json.dumps(fixture_body("django-helpdesk-ticket-created")).encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(
        f"POST {webhook_path(settings, connection_id)} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n".encode()
    )
    for start in range(0, len(body), 100):
        piece = body[start : start + 100]
        sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
    sock.sendall(b"0\r\n\r\n")
    answer = b""
    while chunk := sock.recv(65536):
        answer += chunk
    sock.close()
    assert answer.split(b"\r\n", 1)[0].endswith(b"200 OK"), answer[:300]
    assert read[0] == len(body)


def test_a_body_shorter_than_its_content_length_is_400_and_nothing_is_stored(served, connection_id, sessions, settings):
    """The body is read in one go up to Content-Length: a client that stops early gets 400, not a truncated body
    parsed as if whole (and not a worker stuck waiting)."""
    port, _ = served
    body = json.dumps(fixture_body("django-helpdesk-ticket-created")).encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(
        f"POST {webhook_path(settings, connection_id)} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body) + 50}\r\nConnection: close\r\n\r\n".encode()
        + body
    )
    sock.shutdown(socket.SHUT_WR)  # the client is done: 50 bytes short
    answer = b""
    while chunk := sock.recv(65536):
        answer += chunk
    sock.close()
    assert b" 400 " in answer.split(b"\r\n", 1)[0], answer[:300]
    assert b"the body ended early" in answer
    assert event_count(sessions) == 0


def test_content_length_over_the_limit_is_413_without_reading(client, connection_id, settings):
    response = client.post(
        webhook_path(settings, connection_id), data=b"x" * (MAX_BODY + 1), content_type="application/json"
    )
    assert response.status_code == 413 and response.get_json()["code"] == "too_large"


def test_an_inactive_connection_is_404_even_with_a_huge_body(client, cast, connection_id, settings):
    with cast.act() as ctx:
        conns.deactivate(ctx, connection_id)
    response = client.post(
        webhook_path(settings, connection_id), data=b"x" * (MAX_BODY + 1), content_type="application/json"
    )
    assert response.status_code == 404


# --- every malformed input is a 4xx with a message -------------------------------------------------------------


def _signed_connection(cast, key, **secret_changes):
    spec, _, _, secrets = loaded(key)
    with cast.act() as ctx:
        connection = conns.add(ctx, key, key, spec.settings, {**spec.secrets, **secret_changes}, test=False)
    return spec, connection.id, secrets


def _send(client, key, spec, connection_id, secrets, raw: bytes, **header_changes):
    headers = {**spec.sign(raw, secrets, dt.datetime.now(dt.timezone.utc)), **header_changes}
    return client.post(
        webhook_path(settings_of(client.application), connection_id),
        data=raw,
        content_type="application/json",
        headers=headers,
    )


def _assert_4xx(response, *codes):
    assert 400 <= response.status_code < 500, (response.status_code, response.get_data(as_text=True))
    answer = response.get_json()
    assert answer["message"], answer
    if codes:
        assert answer["code"] in codes, answer


@pytest.mark.parametrize("key", SIGNING)
def test_a_non_ascii_signature_header_is_401_not_500(key, client, cast):
    spec, connection_id, secrets = _signed_connection(cast, key)
    raw = fixture(key, next(iter(spec.fixtures)))
    signed = spec.sign(raw, secrets, dt.datetime.now(dt.timezone.utc))
    names = [
        n
        for n in signed
        if ("signature" in n.lower() or "secret" in n.lower() or n == "Authorization") and "version" not in n.lower()
    ]
    assert names, signed
    for name in names:
        value = signed[name]
        for hostile in ("é" + value, "sha1=é", "\u00ff" * 40, ""):
            response = _send(client, key, spec, connection_id, secrets, raw, **{name: hostile})
            _assert_4xx(response, "bad_signature")


def test_the_shared_secret_and_basic_auth_headers_are_compared_safely(client, cast):
    spec, connection_id, secrets = _signed_connection(cast, "django_helpdesk", shared_secret="0123456789abcdef-s")
    raw = fixture("django_helpdesk", next(iter(spec.fixtures)))
    _assert_4xx(
        _send(
            client,
            "django_helpdesk",
            spec,
            connection_id,
            secrets,
            raw,
            **{"X-Contactguard-Secret": "é0123456789abcdef"},
        ),
        "bad_signature",
    )
    spec, connection_id, secrets = _signed_connection(
        cast, "freshdesk", webhook_username="cg", webhook_password="pw-0123456789"
    )
    raw = fixture("freshdesk", next(iter(spec.fixtures)))
    _assert_4xx(
        _send(client, "freshdesk", spec, connection_id, secrets, raw, Authorization="Basic ééé"), "bad_signature"
    )


@pytest.mark.parametrize(
    "stamp",
    [
        "2026-11-24T12:00:00",
        "yesterday",
        "0001-01-01T00:00:00+23:59",
        "9999-12-31T23:59:59-23:59",
        "é",
        "2026-13-45T99:00:00Z",
    ],
)
def test_zendesk_timestamps_without_a_zone_or_unreadable_are_401(stamp, client, cast):
    spec, connection_id, secrets = _signed_connection(cast, "zendesk")
    raw = fixture("zendesk", next(iter(spec.fixtures)))
    from adapters.zendesk.adapter import signature

    response = _send(
        client,
        "zendesk",
        spec,
        connection_id,
        secrets,
        raw,
        **{
            "X-Zendesk-Webhook-Signature-Timestamp": stamp,
            "X-Zendesk-Webhook-Signature": signature(secrets["signing_secret"], stamp, raw),
        },
    )
    _assert_4xx(response, "bad_signature")
    if stamp == "2026-11-24T12:00:00":
        assert "no zone" in response.get_json()["message"]


@pytest.mark.parametrize("stamp", ["²", "٣٣٣", "9" * 5000, "-1", "1e3"])
def test_front_and_hubspot_timestamps_that_are_not_plain_digits_are_401(stamp, client, cast):
    spec, connection_id, secrets = _signed_connection(cast, "hubspot")
    raw = fixture("hubspot", next(iter(spec.fixtures)))
    _assert_4xx(
        _send(
            client,
            "hubspot",
            spec,
            connection_id,
            secrets,
            raw,
            **{"X-HubSpot-Signature-v3": "x", "X-HubSpot-Request-Timestamp": stamp},
        ),
        "bad_signature",
    )
    from adapters.front.adapter import FrontAdapter

    adapter = FrontAdapter()
    with pytest.raises(Exception) as raised:
        adapter.verify(
            {"X-Front-Request-Timestamp": stamp, "X-Front-Signature": "x"},
            b"{}",
            {"signing_secret": "s" * 20},
            {"webhook_kind": "app"},
            dt.datetime.now(dt.timezone.utc),
        )
    assert type(raised.value).__name__ == "SignatureError"


HOSTILE_BODIES = {
    "nested-1000": b"[" * 1000 + b"]" * 1000,
    "nested-object-1000": b'{"a":' * 1000 + b"1" + b"}" * 1000,
    "nested-100000": b"[" * 100000,
    "invalid-utf8": b'{"ticket": {"id": 44, "title": "\xff\xfe"}}',
    "utf16": '{"a": 1}'.encode("utf-16"),
    "list": b"[1, 2, 3]",
    "empty-list": b"[]",
    "number": b"42",
    "string": b'"hello"',
    "null": b"null",
    "true": b"true",
    "empty": b"",
    "huge-int": b'{"id": ' + b"9" * 5000 + b"}",
    "huge-float": b'{"id": 1e999}',
    "nan": b'{"id": NaN}',
    "lone-surrogate": b'{"id": "\\ud800"}',
}


@pytest.mark.parametrize("name", sorted(HOSTILE_BODIES))
@pytest.mark.parametrize("key", sorted(REGISTRY))
def test_hostile_bodies_are_400_malformed_payload_for_every_adapter(key, name, client, cast):
    spec, connection_id, secrets = _signed_connection(cast, key)
    response = _send(client, key, spec, connection_id, secrets, HOSTILE_BODIES[name])
    if response.status_code == 200:  # a body some adapter may read as an event of a type it does not handle
        assert response.get_json()["status"] == "ignored", response.get_json()
        return
    _assert_4xx(response, "malformed_payload")


def _replace_in_fixture(key, stem, old: str, new) -> bytes:
    """The fixture with the JSON value `old` (a string or an id) replaced by `new`, wherever it occurs; in an
    XML fixture (Salesforce), the element text `old`."""

    def walk(node):
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return new if str(node) == old and not isinstance(node, bool) else node

    raw = fixture(key, stem)
    if raw.lstrip().startswith(b"<"):
        return raw.replace(f">{old}<".encode(), f">{new}<".encode("utf-8", "surrogatepass"))
    return json.dumps(walk(json.loads(raw))).encode()


@pytest.mark.parametrize("key", sorted(REGISTRY))
def test_nul_in_the_ticket_id_or_a_huge_id_is_400_naming_the_field(key, client, cast, sessions):
    spec, connection_id, secrets = _signed_connection(cast, key)
    stem = next(iter(spec.fixtures))
    ticket = spec.ticket_ids[stem]
    for value in (ticket + "\x00", "9" * 65, "\ud800"):
        response = _send(client, key, spec, connection_id, secrets, _replace_in_fixture(key, stem, ticket, value))
        _assert_4xx(response, "malformed_payload")
    assert event_count(sessions) == 0


# HubSpot names no address; an XML document cannot hold a NUL at all (Salesforce's body is refused as not XML,
# which test_nul_in_the_ticket_id_or_a_huge_id_is_400_naming_the_field covers).
@pytest.mark.parametrize("key", [k for k in sorted(REGISTRY) if k not in ("hubspot", "salesforce")])
def test_nul_in_an_address_is_400_naming_the_field(key, client, cast, sessions):
    spec, connection_id, secrets = _signed_connection(cast, key)
    stem = next(iter(spec.fixtures))
    from adapters import get_adapter

    event = get_adapter(key).parse(fixture(key, stem), {}, loaded(key)[2])[0]
    old, field = (
        (event.emails[0], "emails")
        if event.emails
        else (event.phones[0], "phones")
        if event.phones
        else (event.helpdesk_user_id, "helpdesk_user_id")
    )
    response = _send(client, key, spec, connection_id, secrets, _replace_in_fixture(key, stem, old, old + "\x00x"))
    _assert_4xx(response, "malformed_payload")
    assert field in response.get_json()["message"] and "NUL" in response.get_json()["message"]
    assert event_count(sessions) == 0


# --- the reply never tells the outcome -------------------------------------------------------------------------


def test_the_reply_is_the_same_for_a_restricted_and_an_unrestricted_sender(
    client, cast, connection_id, sessions, settings
):
    active_restriction(cast)
    restricted = client.post(webhook_path(settings, connection_id), json=fixture_body("django-helpdesk-ticket-created"))
    other = client.post(
        webhook_path(settings, connection_id),
        json=fixture_body("django-helpdesk-ticket-created", id=45, submitter_email="someone@example.com"),
    )
    again = client.post(webhook_path(settings, connection_id), json=fixture_body("django-helpdesk-ticket-created"))
    assert restricted.get_json() == other.get_json() == again.get_json() == {"status": "accepted", "events": 1}
    assert outcomes(sessions) == ["flag", "allow"]


def test_a_forged_earlier_body_does_not_make_the_real_delivery_a_duplicate(
    client, cast, connection_id, sessions, settings
):
    """django-helpdesk cannot sign: a forged body for ticket 44 (another sender) must not suppress the real one."""
    active_restriction(cast)
    forged = fixture_body(
        "django-helpdesk-ticket-created", submitter_email="someone.else@example.com", description="nothing to see"
    )
    assert client.post(webhook_path(settings, connection_id), json=forged).status_code == 200
    real = client.post(webhook_path(settings, connection_id), json=fixture_body("django-helpdesk-ticket-created"))
    assert real.status_code == 200
    assert outcomes(sessions, "44") == ["allow", "flag"], "the real delivery was decided on"
    client.post(webhook_path(settings, connection_id), json=fixture_body("django-helpdesk-ticket-created"))
    assert event_count(sessions) == 2, "the real delivery's retry is still a duplicate"


def test_the_webhook_and_a_rescan_build_the_same_delivery_key(client, cast, connection_id, sessions, settings):
    body = fixture_body("django-helpdesk-ticket-created")
    client.post(webhook_path(settings, connection_id), json=body)
    as_read_back = dict(body["ticket"], assigned_to=7, title="Renamed by staff")  # assignment and title change
    rescanned = ticket_event(dh_schemas.Ticket().load(as_read_back), None, {})
    with sessions() as s:
        assert s.scalars(select(WebhookEvent.delivery_key)).all() == [rescanned.delivery_key]


# --- deactivate and rotate the URL -----------------------------------------------------------------------------


def _forget_cache(client):
    client.application.extensions.pop("contactguard.connections", None)  # a running service: within 10 s


def test_rotate_url_gives_a_new_url_and_the_old_one_answers_404(
    client, cast, connection_id, sessions, runner, settings
):
    body = fixture_body("django-helpdesk-ticket-created", submitter_email="someone.else@example.com")
    old = webhook_path(settings, connection_id)
    assert client.post(old, json=body).status_code == 200
    result = runner.invoke(cli, ["--json", "connections", "rotate-url", connection_id])
    assert result.exit_code == 0, result.output
    new_url = json.loads(result.output)["webhook_url"]
    token = new_url.rsplit("/", 1)[1]
    assert f"/webhooks/{token}" not in (old, f"/webhooks/{connection_id}") and len(token) >= 32
    _forget_cache(client)
    assert client.post(old, json=body).status_code == 404
    assert client.post(f"/webhooks/{token}", json=fixture_body("django-helpdesk-followup")).status_code == 200
    with sessions() as s:
        assert set(s.scalars(select(WebhookEvent.connection_id))) == {connection_id}, "history keeps the id"
        row = s.get(Connection, connection_id)
        assert row.token_generation == 2 and row.webhook_token_hash == conns.token_hash(token)
    shown = runner.invoke(cli, ["--json", "connections", "show", connection_id])
    assert json.loads(shown.output)["webhook_url"] == new_url, "shown again: derived, never stored"


def test_the_id_is_not_a_webhook_url_and_the_token_is_stored_only_as_its_hash(client, cast, connection_id, settings):
    """Issue 21: the id is in admin URLs, the API and logs, so it must not be the credential."""
    path = webhook_path(settings, connection_id)
    token = path.rsplit("/", 1)[1]
    assert client.post(f"/webhooks/{connection_id}", json=fixture_body("django-helpdesk-followup")).status_code == 404
    with cast.sessions() as s:
        stored = s.execute(select(Connection.__table__)).one()._asdict()
    assert token not in json.dumps(stored, default=str)
    assert stored["webhook_token_hash"] == hashlib.sha256(token.encode()).hexdigest()


def test_deactivate_makes_the_url_answer_404(client, cast, connection_id, runner, settings):
    result = runner.invoke(cli, ["connections", "deactivate", connection_id])
    assert result.exit_code == 0 and "deactivated" in result.output, result.output
    _forget_cache(client)
    path = webhook_path(settings, connection_id)
    assert client.post(path, json=fixture_body("django-helpdesk-followup")).status_code == 404
    assert "inactive" in runner.invoke(cli, ["connections", "list"]).output


def test_rotating_or_deactivating_an_unknown_connection_is_not_found(runner, cast):
    for command in ("rotate-url", "deactivate"):
        result = runner.invoke(cli, ["connections", command, "cgnope"])
        assert result.exit_code == 3 and "no connection cgnope" in result.output


def test_the_migration_keeps_existing_urls(tmp_path):
    """0008 gives every existing connection a url_token equal to its id: URLs already pasted keep working (0016 then
    keeps that token's hash: tests/webhooks/test_token_migration.py)."""
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine, text

    from plugin import migrate

    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    before = ScriptDirectory.from_config(migrate.alembic_config(url)).get_revision("0008").down_revision
    migrate.upgrade(url, before)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO connections (id, adapter, name, settings, secrets_encrypted, active, "
                "created_at) VALUES ('cgold', 'zendesk', 'x', '{}', x'00', 1, '2026-01-01 00:00:00')"
            )
        )
    migrate.upgrade(url, "0008")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT url_token FROM connections")).scalar() == "cgold"
    engine.dispose()


def test_werkzeug_max_content_length_limits_a_stream_without_content_length_too():
    """A terminated (chunked) stream is limited by werkzeug's max_content_length, but read() of everything stops
    silently at the limit (a truncated body, not a 413): read_body counts itself, to the byte."""
    import io

    from flask import Flask, request
    from werkzeug.exceptions import RequestEntityTooLarge

    from webhooks.receiver import TooLarge, read_body

    app = Flask(__name__)
    environ = {"wsgi.input_terminated": True}
    with app.test_request_context("/", method="POST", input_stream=io.BytesIO(b"x" * 100), environ_overrides=environ):
        request.environ.pop("CONTENT_LENGTH", None)
        request.max_content_length = 10
        assert request.get_data() == b"x" * 10, "werkzeug truncates silently"
        with pytest.raises(RequestEntityTooLarge):
            request.stream.read(1)
    with app.test_request_context("/", method="POST", input_stream=io.BytesIO(b"x" * 100), environ_overrides=environ):
        request.environ.pop("CONTENT_LENGTH", None)
        with pytest.raises(TooLarge):
            read_body(limit=10)
    with app.test_request_context("/", method="POST", input_stream=io.BytesIO(b"x" * 11), environ_overrides=environ):
        request.environ.pop("CONTENT_LENGTH", None)
        with pytest.raises(TooLarge):
            read_body(limit=10)
    with app.test_request_context("/", method="POST", input_stream=io.BytesIO(b"x" * 10), environ_overrides=environ):
        request.environ.pop("CONTENT_LENGTH", None)
        assert read_body(limit=10) == b"x" * 10

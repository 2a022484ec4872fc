"""Issue 21 item 4: every hostile input gets a 4xx with the one envelope (pages: the error page), never a 500.

Found by an independent probe: deeply nested JSON (RecursionError), a 5,000-digit integer, a lone surrogate, NUL
characters in bodies and paths (PostgreSQL refuses NUL before the token is even checked), out-of-range ids on the
pages, bodies of any size read into memory, and duplicate keys under concurrency answered 500."""

from __future__ import annotations

import json
import threading

import pytest
import requests
from werkzeug.serving import make_server

from tests.api.conftest import assert_envelope
from tests.web.test_casework import signed_in

CUSTOMER = {"name": "Hostile Test", "identities": [{"kind": "email", "value": "hostile@example.com"}]}


def _raw(api, path: str, body: bytes, as_: str = "senior", content_type: str = "application/json"):
    headers = {"Authorization": f"Bearer {api.tokens(as_)}", "Content-Type": content_type}
    return api.client.post(f"/api/v1{path}", data=body, headers=headers)


@pytest.mark.parametrize(
    "body, what",
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested"),
        (b'{"name": "x", "reference": ' + b"9" * 5000 + b"}", "digits"),
        (b'{"name": "\\ud800 lone", "identities": []}', "surrogate"),
        (b'{"name": "nul \\u0000 here", "identities": []}', "NUL"),
        (b'{"name": "a", "name": "b", "identities": []}', "duplicate"),
        (b"\xff\xfe not utf-8", "UTF-8"),
    ],
    ids=["deep-nesting", "huge-integer", "lone-surrogate", "nul-in-a-string", "duplicate-key", "not-utf8"],
)
def test_a_hostile_json_body_is_a_4xx_naming_what_was_wrong(api, body, what):
    response = _raw(api, "/customers", body)
    data = assert_envelope(response, response.status_code)
    assert 400 <= response.status_code < 500, data
    assert what.lower() in json.dumps(data).lower(), data


def test_a_bad_body_to_a_path_no_api_route_matches_is_still_the_json_envelope(api):
    """Found by `python -m benchmarks.api_fuzz` (schemathesis ST105): the body is refused before routing, and
    with no API route matched the answer was werkzeug's HTML page, not the documented application/json."""
    response = _raw(api, "/letters/%14%0A%C3%92%15%27/sent", b"\x07N\xff\xfe")
    data = assert_envelope(response, 400, "bad_request")
    assert response.mimetype == "application/json" and "UTF-8" in data["message"], data
    signed = {"Authorization": f"Bearer {api.tokens('senior')}"}
    assert assert_envelope(api.client.get("/api/v1/no-such-thing", headers=signed), 404, "not_found")


def test_a_body_over_the_limit_is_refused_before_it_is_read(api):
    """1 MB unless a route needs more: the Content-Length is enough to refuse it (413)."""
    response = _raw(api, "/customers", b'{"name": "' + b"x" * (1024 * 1024 + 10) + b'"}')
    assert_envelope(response, 413, "too_large")


@pytest.mark.parametrize("path", ["/webhooks/%00", "/webhooks/a%00b", "/sidebar/%00/panel", "/api/v1/customers/%00"])
def test_a_nul_in_a_path_is_404_before_the_database_is_asked(api, path):
    response = api.client.open(
        path,
        method="POST" if path.startswith("/webhooks") else "GET",
        headers={"Authorization": f"Bearer {api.tokens('senior')}"},
    )
    assert response.status_code == 404, response.data[:200]


@pytest.mark.parametrize(
    "path",
    ["/restrictions/99999999999999999999", "/letters/99999999999999999999", "/appeals/2147483648", "/customers/%00"],
)
def test_pages_answer_404_to_out_of_range_ids_and_nul(cast, client, path):
    signed_in(cast, client, "senior")
    response = client.get(path)
    assert response.status_code == 404, response.data[:300]


def test_the_api_answers_404_to_an_out_of_range_id(api):
    assert_envelope(api.get("/restrictions/99999999999999999999"), 404)
    assert_envelope(api.get("/restrictions/2147483648"), 404)


def test_concurrent_creates_of_one_reference_are_one_201_and_the_rest_409(app, api):
    """8 requests at once for reference C9 through a real threaded server: the unique key decides, never a 500."""
    token = api.tokens("senior")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/api/v1/customers"
    start = threading.Barrier(8)
    statuses: list[int] = []

    def create():
        start.wait()
        answer = requests.post(
            url, json={**CUSTOMER, "reference": "C9"}, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        statuses.append(answer.status_code)

    workers = [threading.Thread(target=create) for _ in range(8)]
    try:
        for w in workers:
            w.start()
        for w in workers:
            w.join(60)
    finally:
        server.shutdown()
        thread.join(5)
    assert sorted(statuses) == [201] + [409] * 7, statuses


def test_a_page_whose_write_loses_a_race_on_a_unique_key_shows_the_409_page(cast, client, monkeypatch):
    """Two officers adding customer C9 at the same moment: the database keeps one; the other sees what happened."""
    from sqlalchemy.exc import IntegrityError

    from plugin.web import casework
    from tests.web.test_casework import post_form, text_of

    def lost_the_race(ctx, data):
        raise IntegrityError("INSERT INTO customers ...", {}, Exception("duplicate key value"))

    monkeypatch.setattr(casework.reg, "add_customer", lost_the_race)
    signed_in(cast, client, "officer")
    response = post_form(client, "/customers/new", {"name": "Race Test", "reference": "C9", "emails": "", "phones": ""})
    assert response.status_code == 409
    assert "Someone saved the same thing at the same moment" in text_of(response)


def test_every_api_reply_is_no_store(api, cast):
    """Issue 21 item 6: replies with personal data are never kept by a proxy or a browser."""
    from tests.helpers import active_restriction

    active_restriction(cast)
    for reply in (api.get("/customers/C1"), api.get("/customers", query={"q": "j"}), api.get("/nothing-here")):
        assert reply.headers["Cache-Control"] == "no-store", reply.request.path

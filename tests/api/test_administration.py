"""Admins over the API: connections (tested before saving, secrets never shown), events, the outbox."""

from __future__ import annotations

import json

import responses

from plugin.models import OutboxAction
from tests.api.conftest import assert_envelope, ok
from tests.helpers import webhook_path
from tests.webhooks.conftest import connection_id, fixture_body  # noqa: F401 - a fixture

HELPDESK_API = "http://helpdesk.test/helpdesk/api/"
SECRETS = {"username": "cg-api-user", "password": "pa55-never-shown-anywhere"}
CONNECTION = {
    "adapter": "django_helpdesk",
    "name": "Housing helpdesk",
    "settings": {"base_url": HELPDESK_API},
    "secrets": SECRETS,
}


@responses.activate
def test_a_connection_is_tested_before_it_is_saved(api, cast, settings):
    responses.get(HELPDESK_API + "tickets/", json={"results": []})
    added = ok(api.post("/connections", CONNECTION, as_="admin"), 201)
    assert added["webhook_url"].endswith(webhook_path(settings, added["id"]))
    assert added["id"] not in added["webhook_url"], "the id is public: the URL's token is the credential"
    assert added["secrets"] == {"username": "********", "password": "********"}
    assert responses.calls[0].request.headers["Authorization"].startswith("Basic ")


@responses.activate
def test_bad_credentials_are_refused_with_a_keyed_code_and_nothing_saved(api, cast):
    responses.get(HELPDESK_API + "tickets/", status=403)
    body = assert_envelope(api.post("/connections", CONNECTION, as_="admin"), 422, "invalid_auth")
    assert "invalid_auth" in body["message"]
    assert ok(api.get("/connections", as_="admin")) == []


def test_an_admin_may_save_without_the_test(api, cast):
    added = ok(api.post("/connections", {**CONNECTION, "test": False}, as_="admin"), 201)
    assert ok(api.get(f"/connections/{added['id']}", as_="admin"))["name"] == "Housing helpdesk"


def test_secrets_never_appear_in_any_reply(api, cast, client):
    """Create, list, show, rotate, deactivate, then read everything else an admin can: no secret value."""
    added = ok(api.post("/connections", {**CONNECTION, "test": False}, as_="admin"), 201)
    cid = added["id"]
    replies = [added, ok(api.get("/connections", as_="admin")), ok(api.get(f"/connections/{cid}", as_="admin"))]
    rotated = ok(api.post(f"/connections/{cid}/rotate-url", as_="admin"))
    assert rotated["webhook_url"] != added["webhook_url"]
    replies += [rotated, ok(api.post(f"/connections/{cid}/deactivate", as_="admin"))]
    replies += [
        ok(api.get(path, as_="admin"))
        for path in ("/events", "/audit", "/outbox/pending", "/outbox/dead", "/openapi.json", "/due")
    ]
    text = json.dumps(replies)
    assert set(ok(api.get(f"/connections/{cid}", as_="admin"))["secrets"]) == set(SECRETS)
    for value in SECRETS.values():
        assert value not in text


def test_a_rotated_or_deactivated_url_stops_answering(api, cast, client):
    added = ok(api.post("/connections", {**CONNECTION, "test": False}, as_="admin"), 201)
    old_url = added["webhook_url"].split("/webhooks/")[1]
    ok(api.post(f"/connections/{added['id']}/rotate-url", as_="admin"))
    assert client.post(f"/webhooks/{old_url}", json={}).status_code == 404
    assert ok(api.post(f"/connections/{added['id']}/deactivate", as_="admin"))["active"] is False
    assert_envelope(api.post("/connections/cgnothing/deactivate", as_="admin"), 404, "not_found")


def test_recent_webhook_decisions(api, cast, client, connection_id, settings):  # noqa: F811 - the fixture
    client.post(webhook_path(settings, connection_id), json=fixture_body("django-helpdesk-ticket-created"))
    events = ok(api.get("/events", as_="admin"))
    assert [(e["connection"], e["ticket"], e["outcome"]) for e in events] == [(connection_id, "44", "allow")]
    assert ok(api.get("/events", as_="admin", query={"outcome": "flag"})) == []
    assert_envelope(api.get("/events", as_="admin", query={"outcome": "maybe"}), 422, "invalid_input")


def test_dead_actions_are_listed_and_retried(api, cast, sessions, connection_id):  # noqa: F811 - the fixture
    with sessions() as s, s.begin():
        s.add(
            OutboxAction(
                connection_id=connection_id,
                ticket_id="44",
                kind="set_flag",
                state="dead",
                payload={"kind": "set_flag", "value": "x"},
                idempotency_key="dead-1",
                attempts=8,
                last_error="HTTP 400 from the helpdesk",
            )
        )
    dead = ok(api.get("/outbox/dead", as_="admin"))
    assert [(d["ticket"], d["last_error"]) for d in dead] == [("44", "HTTP 400 from the helpdesk")]
    assert ok(api.post(f"/outbox/dead/{dead[0]['id']}/retry", as_="admin")) == {"requeued": 1}
    assert ok(api.get("/outbox/dead", as_="admin")) == []
    assert [p["id"] for p in ok(api.get("/outbox/pending", as_="admin"))] == [dead[0]["id"]]
    assert_envelope(api.post(f"/outbox/dead/{dead[0]['id']}/retry", as_="admin"), 404, "not_found")

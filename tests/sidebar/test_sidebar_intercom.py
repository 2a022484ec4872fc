"""Intercom's inbox app (Canvas Kit) beside a conversation: POST /sidebar/<token>/intercom answers a canvas.

Documented behaviour checked (https://developers.intercom.com/docs/canvas-kit, "Requests & Responses", and
Intercom's answers on signing at https://community.intercom.com/apps-integrations-25/how-to-set-up-auth-for-messenger-app-lifecycle-flow-6342):
every Canvas Kit request carries X-Body-Signature, the hex HMAC-SHA256 of the JSON body keyed with the app's OAuth
client_secret; the inbox initialize request carries `workspace_id`, `admin`, `conversation`, `contact` and `context`
(the submit request adds `component_id`, `current_canvas` and `input_values`); the answer is a canvas object whose
`content.components` use the documented types (text with style header/paragraph/muted/error, data-table of
field-value items, list of items, divider, button with a url or submit action). The scheme has no timestamp, so there
is no expiry to test: a replayed request only shows the panel as it is now.
"""

import hashlib
import hmac
import json

import pytest
from json_apps_support import add_connection, app_at_public_url, lapse
from sidebar_support import SECRET_WORDS, record_decision, restrict

CLIENT_SECRET = "intercom-client-secret-0123456789"
PREVIOUS_SECRET = "intercom-client-secret-before-rotation"
COMPONENT_TYPES = {"text", "data-table", "list", "divider", "button"}
TEXT_STYLES = {"header", "paragraph", "muted", "error"}


@pytest.fixture
def app(settings):
    """The app with its public address set, so the canvas can link officers into contactguard."""
    yield from app_at_public_url(settings)


@pytest.fixture
def intercom(cast):
    secrets = {"access_token": "tok", "client_secret": CLIENT_SECRET, "client_secret_previous": PREVIOUS_SECRET}
    return add_connection(cast, "intercom", {"admin_id": "814860"}, secrets)


def initialize(email="jane.customer@example.com", conversation="5001", contact_id="6643703ffae7834d1792fd30"):
    """An inbox initialize request in Intercom's documented shape."""
    return json.dumps(
        {
            "workspace_id": "ecahpwf5",
            "workspace_region": "eu",
            "admin": {"type": "admin", "id": "814860", "name": "Ann Agent", "email": "agent@council.example"},
            "context": {"conversation_id": int(conversation), "location": "conversation"},
            "conversation": {"type": "conversation", "id": conversation},
            "contact": {"type": "contact", "id": contact_id, "role": "user", "email": email, "phone": None},
            "card_creation_options": {},
        }
    ).encode()


def signed(raw: bytes, secret: str = CLIENT_SECRET) -> dict:
    signature = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return {"X-Body-Signature": signature, "Content-Type": "application/json"}


def post(client, connection, raw, headers):
    return client.post(f"/sidebar/{connection.id}/intercom", data=raw, headers=headers)


def components(response) -> list[dict]:
    return response.get_json()["canvas"]["content"]["components"]


def words(response) -> str:
    """Everything an agent reads on the canvas."""
    parts = []
    for c in components(response):
        parts += [c.get("text", ""), c.get("label", "")]
        parts += [f"{i['field']}: {i['value']}" for i in c.get("items", []) if i["type"] == "field-value"]
        parts += [i["title"] for i in c.get("items", []) if i["type"] == "item"]
    return " | ".join(p for p in parts if p)


def test_restricted_customer_canvas(cast, intercom, client, sessions):
    restrict(cast)
    record_decision(sessions, intercom, "5001", "disregard", routed=True)
    raw = initialize()
    response = post(client, intercom, raw, signed(raw))
    assert response.status_code == 200
    said = words(response)
    assert "**Restricted**" in said and "Customer C1. Contact is restricted" in said
    assert "Sole point of contact: Olly Officer <officer@council.example>" in said
    assert "Deputy: Dee Deputy <deputy@council.example>" in said
    assert "Open channels: e-mail and letter" in said and "Premises excluded: Civic Centre" in said
    assert "Review date: " in said
    assert (
        "Disregarded: this contact is outside the arrangement. Do not reply to it. It has gone to the sole point of contact, Olly Officer, who reads it for new information and safeguarding concerns."
        in said
    )
    status = next(c for c in components(response) if c.get("id") == "status")
    assert status["style"] == "error"
    button = next(c for c in components(response) if c.get("id") == "open-contactguard")
    assert button["action"] == {"type": "url", "url": "https://contactguard.council.example/customers/C1"}


def test_canvas_uses_only_documented_components(cast, intercom, client):
    restrict(cast)
    raw = initialize()
    for component in components(post(client, intercom, raw, signed(raw))):
        assert component["type"] in COMPONENT_TYPES
        if component["type"] == "text":
            assert component.get("style", "paragraph") in TEXT_STYLES
        if component["type"] == "data-table":
            assert all(set(i) == {"type", "field", "value"} and i["type"] == "field-value" for i in component["items"])
        if component["type"] == "button":
            assert component["action"]["type"] in ("url", "submit") and component["id"] and component["label"]


def test_nothing_secret_reaches_the_canvas(cast, intercom, client, sessions):
    restrict(cast)
    record_decision(sessions, intercom, "5001", "escalate")
    raw = initialize()
    body = post(client, intercom, raw, signed(raw)).get_data(as_text=True)
    for word in SECRET_WORDS:
        assert word not in body


def test_unrestricted_and_unknown_customers(cast, intercom, client):
    raw = initialize()
    said = words(post(client, intercom, raw, signed(raw)))
    assert "**Not restricted**" in said and "Customer C1 has no restriction in force" in said
    assert "Sole point of contact" not in said
    assert "contactguard has not decided anything on this ticket." in said
    raw = initialize(email="somebody@example.com", contact_id="000000000000000000000000")
    assert "This customer is not on the register" in words(post(client, intercom, raw, signed(raw)))


def test_lapsed_restriction(cast, intercom, client):
    lapse(cast, restrict(cast))
    raw = initialize()
    said = words(post(client, intercom, raw, signed(raw)))
    assert "**Restriction ended**" in said and "The restriction has ended (lapsed on " in said
    assert "Olly Officer" not in said


def test_submit_refresh_answers_the_canvas_again(cast, intercom, client):
    """The submit request (a click on Refresh) carries the same contact: the answer is the panel as it is now."""
    restrict(cast)
    submit = json.loads(initialize())
    submit.update(component_id="refresh", input_values={}, current_canvas={"content": {"components": []}})
    raw = json.dumps(submit).encode()
    assert "**Restricted**" in words(post(client, intercom, raw, signed(raw)))


def test_previous_client_secret_still_accepted_while_rotating(cast, intercom, client):
    raw = initialize()
    assert post(client, intercom, raw, signed(raw, PREVIOUS_SECRET)).status_code == 200


def test_wrong_signature_is_refused_without_data(cast, intercom, client):
    restrict(cast)
    raw = initialize()
    response = post(client, intercom, raw, signed(raw, secret="not-the-secret"))
    assert response.status_code == 403
    assert "X-Body-Signature is not valid" in response.get_json()["message"]
    assert "Olly Officer" not in response.get_data(as_text=True)
    assert components(response)[0]["text"] == "Panel not available"


def test_webhook_style_sha1_signature_is_not_enough(cast, intercom, client):
    """Canvas Kit signs with SHA-256 in X-Body-Signature; the webhooks' X-Hub-Signature (SHA-1) does not pass."""
    raw = initialize()
    sha1 = hmac.new(CLIENT_SECRET.encode(), raw, hashlib.sha1).hexdigest()
    assert post(client, intercom, raw, {"X-Hub-Signature": f"sha1={sha1}"}).status_code == 403
    assert post(client, intercom, raw, {"X-Body-Signature": sha1}).status_code == 403


def test_altered_body_and_missing_signature_are_refused(cast, intercom, client):
    headers = signed(initialize(email="somebody@example.com"))
    assert post(client, intercom, initialize(), headers).status_code == 403
    assert post(client, intercom, initialize(), {"Content-Type": "application/json"}).status_code == 403


def test_not_json_is_a_clear_400(cast, intercom, client):
    raw = b"conversation=1"
    response = post(client, intercom, raw, signed(raw))
    assert response.status_code == 400 and "Canvas Kit JSON" in response.get_json()["message"]


def test_odd_shapes_are_not_errors(cast, intercom, client):
    """A contact that is not an object, or ids that are lists, find nobody rather than fail."""
    raw = json.dumps({"contact": ["x"], "conversation": {"id": [1]}, "customer": "y"}).encode()
    response = post(client, intercom, raw, signed(raw))
    assert response.status_code == 200 and "not on the register" in words(response)


def test_other_helpdesks_token_and_unknown_token_are_404(cast, intercom, connection, client):
    raw = initialize()
    assert post(client, connection, raw, signed(raw)).status_code == 404
    assert client.post("/sidebar/no-such-token/intercom", data=raw, headers=signed(raw)).status_code == 404

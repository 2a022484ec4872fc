"""Help Scout's Dynamic App beside a conversation: POST /sidebar/<token>/helpscout answers {"html": ...}.

The scheme followed is Help Scout's documented one for Dynamic (custom) Apps
(https://developer.helpscout.com/apps/legacy-custom-apps/dynamic/ and
https://developer.helpscout.com/custom-apps/dynamic/): Help Scout POSTs JSON with `ticket`, `customer`
(`id`, `email`, `emails`), `user` and `mailbox`, signed in the header X-HelpScout-Signature "exactly like
webhooks", i.e. base64(HMAC-SHA1(secret key, raw body)), with a secret key of at most 40 characters; the
answer is JSON `{"html": "..."}`. The scheme carries no timestamp, so there is no expiry to test: a replayed
request only shows the panel as it is now.
"""

import base64
import hashlib
import hmac
import json

import pytest
from sidebar_support import SECRET_WORDS, record_decision, restrict

from plugin.services import connections as conns

SECRET = "hs-app-secret-key-40-chars-at-most"


@pytest.fixture
def helpscout(cast):
    with cast.act() as ctx:
        c = conns.add(
            ctx,
            "helpscout",
            "Help Scout",
            {"restriction_field_id": 6688},
            {"app_id": "hs-app-id-0123", "app_secret": "hs-app-secret-0123456789", "webhook_secret": SECRET},
            test=False,
        )
        ctx.session.flush()
        ctx.session.expunge(c)
        return c


def body(email="jane.customer@example.com", ticket=9001) -> bytes:
    """Help Scout's documented Dynamic App message."""
    return json.dumps(
        {
            "ticket": {"id": ticket, "number": 1234, "subject": "Housing repair"},
            "customer": {"id": 555, "fname": "Jane", "lname": "Customer", "email": email, "emails": [email]},
            "user": {"fname": "Ann", "lname": "Agent", "id": 77, "role": "user", "convRedirect": 0},
            "mailbox": {"id": 12, "email": "help@council.example"},
        }
    ).encode()


def signed(raw: bytes, secret: str = SECRET) -> dict:
    digest = hmac.new(secret.encode(), raw, hashlib.sha1).digest()
    return {"X-HelpScout-Signature": base64.b64encode(digest).decode(), "Content-Type": "application/json"}


def post(client, connection, raw, headers):
    return client.post(f"/sidebar/{connection.id}/helpscout", data=raw, headers=headers)


def test_restricted_customer_panel_as_html_in_json(cast, helpscout, client, sessions):
    restrict(cast)
    record_decision(sessions, helpscout, "9001", "escalate")
    raw = body()
    response = post(client, helpscout, raw, signed(raw))
    assert response.status_code == 200
    html = response.get_json()["html"]
    assert "Restricted" in html and "Customer C1" in html
    assert "Olly Officer &lt;officer@council.example&gt;" in html
    assert "Read it now and act on any risk under the safeguarding procedure" in html
    assert "<script" not in html and "<html" not in html
    for word in SECRET_WORDS:
        assert word not in html


def test_unrestricted_customer(cast, helpscout, client):
    raw = body(email="somebody@example.com")
    html = post(client, helpscout, raw, signed(raw)).get_json()["html"]
    assert "Not restricted" in html and "not on the register" in html


def test_wrong_signature_is_refused_without_data(cast, helpscout, client):
    restrict(cast)
    raw = body()
    response = post(client, helpscout, raw, signed(raw, secret="not-the-secret"))
    assert response.status_code == 403
    assert "X-HelpScout-Signature is not valid" in response.get_json()["message"]
    assert "Olly Officer" not in response.get_data(as_text=True)


def test_altered_body_is_refused(cast, helpscout, client):
    headers = signed(body(email="somebody@example.com"))
    assert post(client, helpscout, body(), headers).status_code == 403


def test_missing_signature_is_refused(cast, helpscout, client):
    assert post(client, helpscout, body(), {"Content-Type": "application/json"}).status_code == 403


def test_not_json_is_a_clear_400(cast, helpscout, client):
    raw = b"ticket=1"
    response = post(client, helpscout, raw, signed(raw))
    assert response.status_code == 400 and "Expected Help Scout's JSON" in response.get_json()["message"]


def test_other_helpdesks_token_and_unknown_token_are_404(cast, helpscout, connection, client):
    raw = body()
    assert post(client, connection, raw, signed(raw)).status_code == 404
    assert client.post("/sidebar/no-such-token/helpscout", data=raw, headers=signed(raw)).status_code == 404

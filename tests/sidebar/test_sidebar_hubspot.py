"""HubSpot's card beside a contact or ticket: GET (legacy CRM card) or POST (app card) /sidebar/<token>/hubspot.

Documented behaviour checked:
- the signature: HubSpot signs outgoing requests, CRM cards included, with X-HubSpot-Signature-v3 =
  base64(HMAC-SHA256(client secret, method + URI + body + timestamp)) and X-HubSpot-Request-Timestamp (ms); a request
  older than 5 minutes is rejected (https://developers.hubspot.com/docs/api/webhooks/validating-requests;
  https://developers.hubspot.com/changelog/introducing-version-3-of-webhook-signatures). The URI is the full URL with
  its query, URL-encoded characters decoded;
- the legacy CRM card's data fetch: a GET to the data fetch URL with `userId`, `userEmail`, `associatedObjectId`,
  `associatedObjectType`, `portalId` and the record properties in `propertiesToSend`, answered with `results` of
  `objectId`, `title`, `link` and `properties` of `label`, `dataType`, `value`
  (https://developers.hubspot.com/docs/api/crm/extensions/custom-cards);
- an app card's hubspot.fetch(): POST with a JSON body, signed the same way
  (https://developers.hubspot.com/docs/apps/developer-platform/add-features/ui-extensibility/fetching-data).
"""

import base64
import hashlib
import hmac
import json
import time
from urllib.parse import unquote, urlencode

import pytest
from json_apps_support import PUBLIC, add_connection, app_at_public_url, lapse
from sidebar_support import SECRET_WORDS, record_decision, restrict

CLIENT_SECRET = "hubspot-client-secret-aaaa-bbbb"
DATA_TYPES = {"BOOLEAN", "CURRENCY", "DATE", "DATETIME", "EMAIL", "LINK", "NUMERIC", "STATUS", "STRING"}
OPTION_TYPES = {"DEFAULT", "SUCCESS", "WARNING", "DANGER", "INFO"}


@pytest.fixture
def app(settings):
    """The app behind its public address: HubSpot signs that URL, and the card links officers there."""
    yield from app_at_public_url(settings)


@pytest.fixture
def hubspot(cast):
    secrets = {"access_token": "pat-eu1-0000", "client_secret": CLIENT_SECRET}
    return add_connection(cast, "hubspot", {"webhook_url": f"{PUBLIC}/webhooks/elsewhere"}, secrets)


def v3(method: str, url: str, raw: bytes = b"", secret: str = CLIENT_SECRET, age_ms: int = 0) -> dict:
    """HubSpot's documented v3 headers for this request."""
    stamp = str(int(time.time() * 1000) - age_ms)
    source = method.encode() + unquote(url).encode() + raw + stamp.encode()
    signature = base64.b64encode(hmac.new(secret.encode(), source, hashlib.sha256).digest()).decode()
    return {"X-HubSpot-Signature-v3": signature, "X-HubSpot-Request-Timestamp": stamp}


def data_fetch_path(connection, object_type="CONTACT", object_id="51", email="jane.customer@example.com") -> str:
    """A legacy CRM card's data fetch: the default parameters, then the card's propertiesToSend."""
    query = {
        "userId": "123",
        "userEmail": "agent@council.example",
        "associatedObjectId": object_id,
        "associatedObjectType": object_type,
        "portalId": "62515",
        "email": email,
        "phone": "",
    }
    return f"/sidebar/{connection.id}/hubspot?{urlencode(query)}"


def fetch(client, connection, **kwargs):
    path = data_fetch_path(connection, **kwargs)
    return client.get(path, headers=v3("GET", PUBLIC + path))


def app_card(client, connection, body: dict, **signing):
    path = f"/sidebar/{connection.id}/hubspot?userId=123&portalId=62515&appId=777"
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json", **v3("POST", PUBLIC + path, raw, **signing)}
    return client.post(path, data=raw, headers=headers)


def properties(response) -> dict:
    (result,) = response.get_json()["results"]
    return {p["label"]: p for p in result["properties"]}


def test_restricted_contact_card(cast, hubspot, client):
    restrict(cast)
    response = fetch(client, hubspot)
    assert response.status_code == 200
    (result,) = response.get_json()["results"]
    assert result["objectId"] == 51 and result["title"] == "Contact arrangement: Restricted"
    assert result["link"] == f"{PUBLIC}/customers/C1"
    shown = properties(response)
    assert shown["Status"] == {"label": "Status", "dataType": "STATUS", "value": "Restricted", "optionType": "DANGER"}
    assert shown["Sole point of contact"]["value"] == "Olly Officer <officer@council.example>"
    assert shown["Open channels"]["value"] == "e-mail and letter"
    assert shown["Premises excluded"]["value"] == "Civic Centre"
    assert shown["Review date"]["dataType"] == "DATE" and len(shown["Review date"]["value"]) == 10
    assert shown["This ticket"]["value"] == "contactguard has not decided anything on this ticket."


def test_card_uses_only_documented_fields(cast, hubspot, client):
    restrict(cast)
    (result,) = fetch(client, hubspot).get_json()["results"]
    assert set(result) == {"objectId", "title", "link", "properties"}
    for prop in result["properties"]:
        assert prop["dataType"] in DATA_TYPES and isinstance(prop["value"], str) and prop["label"]
        assert set(prop) <= {"label", "dataType", "value", "optionType"}
        if prop["dataType"] == "STATUS":
            assert prop["optionType"] in OPTION_TYPES


def test_ticket_record_shows_this_tickets_outcome(cast, hubspot, client, sessions):
    restrict(cast)
    record_decision(sessions, hubspot, "9001", "escalate", routed=True)
    shown = properties(fetch(client, hubspot, object_type="TICKET", object_id="9001"))
    assert shown["This ticket"]["value"] == (
        "Escalated: the safeguarding screen found words that may mean a risk. Read it now and act on any risk under the safeguarding procedure. It has gone to the sole point of contact, Olly Officer."
    )


def test_nothing_secret_reaches_the_card(cast, hubspot, client, sessions):
    restrict(cast)
    record_decision(sessions, hubspot, "9001", "disregard")
    body = fetch(client, hubspot, object_type="TICKET", object_id="9001").get_data(as_text=True)
    for word in SECRET_WORDS:
        assert word not in body


def test_unrestricted_unknown_and_lapsed(cast, hubspot, client):
    shown = properties(fetch(client, hubspot))
    assert shown["Status"]["value"] == "Not restricted" and shown["Status"]["optionType"] == "SUCCESS"
    assert "Sole point of contact" not in shown
    unknown = properties(fetch(client, hubspot, email="somebody@example.com", object_id="999"))
    assert unknown["Summary"]["value"] == "This customer is not on the register: deal with them as usual."
    lapse(cast, restrict(cast))
    lapsed = properties(fetch(client, hubspot))
    assert lapsed["Status"]["value"] == "Restriction ended" and lapsed["Status"]["optionType"] == "DEFAULT"
    assert "The restriction has ended (lapsed on " in lapsed["Summary"]["value"]
    assert "Sole point of contact" not in lapsed


def test_app_card_fetch_with_json_body(cast, hubspot, client):
    restrict(cast)
    response = app_card(
        client, hubspot, {"objectId": 9001, "objectType": "0-5", "emails": ["jane.customer@example.com"]}
    )
    assert response.status_code == 200
    assert properties(response)["Status"]["value"] == "Restricted"
    by_phone = app_card(client, hubspot, {"objectId": "51", "objectType": "CONTACT", "phones": ["07700 900123"]})
    assert properties(by_phone)["Status"]["value"] == "Restricted"


def test_request_url_as_the_app_sees_it_is_also_accepted(cast, hubspot, client):
    """Behind a proxy HubSpot signed the public URL; without one, the URL the app saw (here http://localhost)."""
    path = data_fetch_path(hubspot)
    assert client.get(path, headers=v3("GET", "http://localhost" + path)).status_code == 200


def test_expired_timestamp_is_refused(cast, hubspot, client):
    restrict(cast)
    path = data_fetch_path(hubspot)
    response = client.get(path, headers=v3("GET", PUBLIC + path, age_ms=6 * 60 * 1000))
    assert response.status_code == 403
    assert "stale or missing X-HubSpot-Request-Timestamp" in response.get_json()["message"]
    assert response.get_json()["results"] == []


def test_wrong_secret_and_altered_query_are_refused(cast, hubspot, client):
    restrict(cast)
    path = data_fetch_path(hubspot)
    wrong = client.get(path, headers=v3("GET", PUBLIC + path, secret="not-the-secret"))
    assert wrong.status_code == 403 and "Olly Officer" not in wrong.get_data(as_text=True)
    other = data_fetch_path(hubspot, email="somebody@example.com")
    assert client.get(path, headers=v3("GET", PUBLIC + other)).status_code == 403


def test_altered_body_is_refused(cast, hubspot, client):
    path = f"/sidebar/{hubspot.id}/hubspot"
    signed_for = json.dumps({"emails": ["somebody@example.com"]}).encode()
    raw = json.dumps({"emails": ["jane.customer@example.com"]}).encode()
    assert client.post(path, data=raw, headers=v3("POST", PUBLIC + path, signed_for)).status_code == 403


def test_v1_and_v2_signatures_are_not_enough(cast, hubspot, client):
    """v1/v2 carry no timestamp, so a card request signed only that way could be replayed forever."""
    path = data_fetch_path(hubspot)
    v2 = hashlib.sha256((CLIENT_SECRET + "GET" + PUBLIC + path).encode()).hexdigest()
    response = client.get(path, headers={"X-HubSpot-Signature": v2, "X-HubSpot-Signature-Version": "v2"})
    assert response.status_code == 403 and "v3" in response.get_json()["message"]


def test_post_that_is_not_a_json_object_is_a_clear_400(cast, hubspot, client):
    path = f"/sidebar/{hubspot.id}/hubspot"
    response = client.post(path, data=b"[1]", headers=v3("POST", PUBLIC + path, b"[1]"))
    assert response.status_code == 400 and "Expected a JSON object" in response.get_json()["message"]


def test_other_helpdesks_token_and_unknown_token_are_404(cast, hubspot, connection, client):
    path = data_fetch_path(connection)
    assert client.get(path, headers=v3("GET", PUBLIC + path)).status_code == 404
    unknown = "/sidebar/no-such-token/hubspot"
    assert client.get(unknown, headers=v3("GET", PUBLIC + unknown)).status_code == 404

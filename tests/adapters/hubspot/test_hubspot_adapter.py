"""HubSpot special cases: every official signature vector (v1, v2, v3), v3's window, batches, comments."""
import datetime as dt
import json
from pathlib import Path

import pytest

from adapters.errors import SignatureError
from adapters.hubspot.adapter import HubSpotAdapter, v3_signature

HERE = Path(__file__).parent
ADAPTER = HubSpotAdapter()
VECTORS = json.loads((HERE / "signature-vectors.json").read_text())


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["scheme"][:2] + "-" + v["method"])
def test_official_signature_vectors(vector):
    """HubSpot's docs (v1, v2) and its Python SDK's tests (v1, v2, v3); v3 checked at its own timestamp."""
    stamp = vector["headers"].get("X-HubSpot-Request-Timestamp")
    now = dt.datetime.fromtimestamp(int(stamp) / 1000, dt.timezone.utc) if stamp else dt.datetime.now(dt.timezone.utc)
    settings = {"webhook_url": vector["uri"], "_request_method": vector["method"]}
    secrets = {"client_secret": vector["secret"]}
    ADAPTER.verify(vector["headers"], vector["body"].encode(), secrets, settings, now)
    with pytest.raises(SignatureError):
        ADAPTER.verify(vector["headers"], vector["body"].encode() + b" ", secrets, settings, now)


def test_v3_older_than_five_minutes_is_refused_and_the_uri_is_signed():
    raw, secret, uri = b"[]", "s3cret", "https://cg.example/webhooks/x"
    now = dt.datetime(2026, 11, 24, 12, tzinfo=dt.timezone.utc)
    stamp = str(int(now.timestamp() * 1000) - 301_000)
    headers = {"X-HubSpot-Signature-v3": v3_signature(secret, "POST", uri, raw, stamp),
               "X-HubSpot-Request-Timestamp": stamp}
    with pytest.raises(SignatureError, match="stale"):
        ADAPTER.verify(headers, raw, {"client_secret": secret}, {"webhook_url": uri}, now)
    fresh = str(int(now.timestamp() * 1000))
    headers = {"X-HubSpot-Signature-v3": v3_signature(secret, "POST", uri, raw, fresh),
               "X-HubSpot-Request-Timestamp": fresh}
    ADAPTER.verify(headers, raw, {"client_secret": secret}, {"webhook_url": uri}, now)
    with pytest.raises(SignatureError):
        ADAPTER.verify(headers, raw, {"client_secret": secret}, {"webhook_url": uri + "/other"}, now)


def test_a_batch_becomes_several_events_and_comments_are_ignored():
    batch = [{"eventId": 1, "subscriptionType": "ticket.creation", "objectId": 5, "occurredAt": 1564113600000},
             {"eventId": 2, "subscriptionType": "conversation.newMessage", "objectId": 7, "messageId": "m",
              "messageType": "COMMENT"},
             {"eventId": 3, "subscriptionType": "contact.creation", "objectId": 9}]
    events = ADAPTER.parse(json.dumps(batch).encode(), {}, {})
    assert [(e.delivery_key, e.needs_lookup, e.ignore_reason) for e in events] == [
        ("event:1", True, None), ("event:2", False, "internal comment")]

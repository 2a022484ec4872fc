"""Help Scout special cases: signature vectors, event header, writes count double."""
import datetime as dt
import json
from pathlib import Path

import pytest

from adapters.errors import SignatureError, UnhandledEvent
from adapters.helpscout.adapter import HelpScoutAdapter

HERE = Path(__file__).parent
ADAPTER = HelpScoutAdapter()
NOW = dt.datetime(2026, 11, 24, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("vector", json.loads((HERE / "signature-vectors.json").read_text()),
                         ids=lambda v: "valid" if v["expected_valid"] else "invalid")
def test_signature_vectors(vector):
    """The official SDK's inputs (secret 'asdffdsa', body {"id":123}): base64(HMAC-SHA1(secret, body))."""
    secrets = {"webhook_secret": vector["secret"]}
    if vector["expected_valid"]:
        ADAPTER.verify(vector["headers"], vector["body"].encode(), secrets, {}, NOW)
    else:
        with pytest.raises(SignatureError):
            ADAPTER.verify(vector["headers"], vector["body"].encode(), secrets, {}, NOW)


def test_test_event_and_other_events_are_not_acted_on():
    with pytest.raises(UnhandledEvent):
        ADAPTER.parse(b'{"id":123}', {"X-HelpScout-Event": "helpscout.test"}, {})
    with pytest.raises(UnhandledEvent):
        ADAPTER.parse(b'{"id":123}', {"X-HelpScout-Event": "convo.agent.reply.created"}, {})


def test_newest_thread_is_the_contact_and_the_delivery_key_names_it():
    raw = (HERE / "fixtures" / "helpscout-convo-customer-reply-created.json").read_bytes()
    (event,) = ADAPTER.parse(raw, {"X-HelpScout-Event": "convo.customer.reply.created"}, {})
    assert event.delivery_key == "convo.customer.reply.created:123:2"
    assert event.emails[0] == "john.doe@example.com" and event.assigned_agent_id == "256"
    assert "account manager" in event.text


def test_writes_take_two_tokens_from_the_bucket():
    from adapters.helpscout.client import HelpScoutClient

    client = HelpScoutClient({"rate_limit_per_minute": 60}, {"app_id": "a", "app_secret": "b"})
    before = client.bucket.tokens
    client.bucket.take(2)
    assert client.bucket.tokens == pytest.approx(before - 2, abs=0.1)

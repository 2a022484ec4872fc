"""Intercom special cases: signature vectors, ping, the reset header, newest customer part."""
import datetime as dt
import json
import time
from pathlib import Path

import pytest
import responses

from adapters.errors import RetryLater, SignatureError, UnhandledEvent
from adapters.intercom.adapter import IntercomAdapter

HERE = Path(__file__).parent
ADAPTER = IntercomAdapter()
NOW = dt.datetime(2026, 11, 24, tzinfo=dt.timezone.utc)
VECTORS = json.loads((HERE / "signature-vectors.json").read_text())


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: "valid" if v["expected_valid"] else "invalid")
def test_signature_vectors(vector):
    """Derived from the documented scheme: 'sha1=' + hex(HMAC-SHA1(client_secret, raw body))."""
    secrets = {"client_secret": vector["secret"]}
    if vector["expected_valid"]:
        ADAPTER.verify(vector["headers"], vector["body"].encode(), secrets, {}, NOW)
    else:
        with pytest.raises(SignatureError):
            ADAPTER.verify(vector["headers"], vector["body"].encode(), secrets, {}, NOW)


def test_ping_is_answered_but_not_acted_on():
    with pytest.raises(UnhandledEvent):
        ADAPTER.parse(VECTORS[0]["body"].encode(), {}, {})


def test_reply_uses_the_newest_customer_part_and_assigned_admin():
    (event,) = ADAPTER.parse((HERE / "fixtures" / "intercom-conversation-user-replied.json").read_bytes(), {}, {})
    assert event.emails == ("jerryguitarist@gmail.com",) and event.assigned_agent_id == "1957471"
    assert event.delivery_key == "notification:notif_2c71fff0-65ef-46be-bbfe-dbf637bbff15"
    assert "<p>" not in event.text


@responses.activate
def test_429_waits_until_x_ratelimit_reset():
    from adapters.intercom.schemas import Settings

    reset = int(time.time()) + 40
    responses.post("https://api.intercom.io/tags", status=429, headers={"X-RateLimit-Reset": str(reset)})
    client = ADAPTER.client(Settings().load({"admin_id": "1"}), {"access_token": "t", "client_secret": "s"})
    with pytest.raises(RetryLater) as wait:
        client.apply("1", {"kind": "add_tags", "tags": ["x"]})
    assert 30 <= wait.value.after_seconds <= 41

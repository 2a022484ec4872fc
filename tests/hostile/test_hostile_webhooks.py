"""Proof, not examples: hostile deliveries built from every adapter's own fixtures get a 2xx or a 4xx from the
receiver, never a 5xx, and the receiver never raises. Deterministic (derandomized) and a few hundred cases per
adapter here; `make fuzz` (benchmarks/fuzz.py) runs the same generators at volume."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters import REGISTRY
from plugin.services import connections as conns
from tests.hostile.corpus import KEYS, delivery, random_headers, target

ACKNOWLEDGING = [a for a in REGISTRY.values() if a.acknowledgement is not None]  # Salesforce answers SOAP

EXAMPLES = 150
FAST = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture
def connected(cast):
    """Every adapter connected once (the spec's settings and secrets); key -> (target, webhook path)."""
    out = {}
    with cast.act() as ctx:
        for key in KEYS:
            t = target(key)
            connection = conns.add(ctx, key, key, t.spec.settings, t.spec.secrets, test=False)
            out[key] = (t, conns.webhook_path(ctx.settings, connection))
    return out


def answer_is_safe(response) -> None:
    """2xx or 4xx, with a JSON answer (or a helpdesk's own acknowledgement); a 4xx always says why."""
    assert response.status_code < 500, response.get_data(as_text=True)
    assert response.status_code < 300 or response.status_code >= 400, response.status_code
    if response.status_code < 300 and response.get_data() in {a.acknowledgement[0] for a in ACKNOWLEDGING}:
        return
    body = response.get_json()
    assert isinstance(body, dict), response.get_data()[:200]
    if response.status_code >= 400:
        assert body["code"] and body["message"], body


@pytest.mark.parametrize("key", KEYS)
def test_mutated_fixtures_random_bodies_and_headers_never_get_a_5xx(key, client, connected):
    t, path = connected[key]

    @FAST
    @given(r=st.randoms(use_true_random=False))
    def check(r):
        raw, headers = delivery(r, t, dt.datetime.now(dt.timezone.utc))
        answer_is_safe(client.post(path, data=raw, headers=headers))

    check()


@pytest.mark.parametrize("key", KEYS)
def test_arbitrary_bytes_signed_as_the_helpdesk_would_never_get_a_5xx(key, client, connected):
    """Not only the fixtures' shape: any bytes at all, correctly signed, reach the parser."""
    t, path = connected[key]

    @FAST
    @given(
        raw=st.binary(max_size=2048) | st.text(max_size=512).map(lambda s: s.encode("utf-8", "surrogatepass")),
        r=st.randoms(use_true_random=False),
    )
    def check(raw, r):
        headers = {"Content-Type": "application/json", **t.spec.sign(raw, t.secrets, dt.datetime.now(dt.timezone.utc))}
        if r.random() < 0.2:
            headers.update(random_headers(r))
        answer_is_safe(client.post(path, data=raw, headers=headers))

    check()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


@pytest.mark.parametrize("key", KEYS)
def test_any_json_document_signed_never_gets_a_5xx(key, client, connected):
    import json

    t, path = connected[key]

    @FAST
    @given(doc=JSON)
    def check(doc):
        raw = json.dumps(doc).encode()
        headers = {"Content-Type": "application/json", **t.spec.sign(raw, t.secrets, dt.datetime.now(dt.timezone.utc))}
        answer_is_safe(client.post(path, data=raw, headers=headers))

    check()

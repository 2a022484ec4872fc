"""A restricted customer's ticket, replayed as each helpdesk's documented payload through the receiver
served over real HTTP, produces the right outbound calls for that helpdesk, asserted request by request."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
import requests
import responses
import time_machine
from werkzeug.serving import make_server

from adapters import REGISTRY
from plugin.services import connections as conns
from plugin.services import register as reg
from plugin.worker import outbox
from tests.adapters.test_contract import fixture, loaded, register, spec_of, subset
from tests.conftest import decide_all
from tests.helpers import active_restriction, last_outcome, webhook_path

KEYS = [k for k in sorted(REGISTRY) if spec_of(k).restricted_calls]
DAY = dt.datetime(2026, 11, 24, 12, tzinfo=dt.timezone.utc)


@pytest.fixture
def served(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def test_every_adapter_declares_its_restricted_flow():
    assert set(KEYS) == set(REGISTRY)


@pytest.mark.parametrize("key", KEYS)
def test_restricted_customer_ticket_through_real_http(key, served, cast, sessions, settings):
    spec, adapter, parsed_settings, secrets = loaded(key)
    stem = next(iter(spec.fixtures))
    raw = fixture(key, stem)
    event = adapter.parse(raw, {}, parsed_settings)[0]
    agent = spec.extra.get("spoc_agent_id", "7")
    with time_machine.travel(DAY - dt.timedelta(days=2), tick=False):
        with cast.act() as ctx:
            reg.remove_identity(ctx, "C1", "email", "jane.customer@example.com")  # free the fixtures' address
            reg.update_officer(
                ctx, "officer@council.example", {"helpdesk_ids": [{"connection": "", "agent_id": agent}]}
            )
            identities = [{"kind": "email", "value": e} for e in event.emails]
            identities += [{"kind": "phone", "value": p} for p in event.phones]
            if not identities and event.helpdesk_user_id:
                identities = [{"kind": "helpdesk_user", "value": event.helpdesk_user_id}]
            if not identities:
                identities = [spec.extra["identity"]]  # the payload names no one: the worker looks it up
            reg.add_customer(ctx, {"reference": "R1", "name": "Restricted Customer", "identities": identities})
            connection = conns.add(ctx, key, key, spec.settings, spec.secrets, test=False)
        if event.helpdesk_user_id and not (event.emails or event.phones):
            with cast.act() as ctx:
                reg.remove_identity(ctx, "R1", "helpdesk_user", event.helpdesk_user_id)
                reg.add_identity(
                    ctx, "R1", {"kind": "helpdesk_user", "value": event.helpdesk_user_id, "connection": connection.id}
                )
        active_restriction(cast, customer="R1", review_due="2027-05-24")
    response = requests.post(
        f"{served}{webhook_path(settings, connection.id)}",
        data=raw,
        timeout=10,
        headers={"Content-Type": "application/json", **spec.sign(raw, secrets, dt.datetime.now(dt.timezone.utc))},
    )
    assert response.status_code == 200, response.text
    if adapter.acknowledgement is not None:  # the helpdesk's own answer (Salesforce's SOAP <Ack>)
        assert response.content == adapter.acknowledgement[0], "the reply never tells the outcome"
    else:
        assert response.json() == {"status": "accepted", "events": 1}, "the reply never tells the outcome"
    assert last_outcome(sessions) == "pending", "the request stores the event; the worker decides"
    decide_all(sessions, settings)
    assert last_outcome(sessions) == spec.restricted_outcome
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        for call in spec.restricted_calls:
            register(mock, call)
        stats = outbox.drain_once(sessions, settings)
        while outbox.drain_once(sessions, settings).done:  # a look-up queues the actions it decided
            pass
        made = [(c.request.method, c.request.url) for c in mock.calls]
        assert made == [(c.method, c.url) for c in spec.restricted_calls]
        for call, sent in zip(spec.restricted_calls, mock.calls, strict=True):
            if call.body is not None:
                assert subset(call.body, json.loads(sent.request.body)), (call.body, sent.request.body)
    assert stats.dead == 0 and stats.retried == 0

"""Issue 24: a ticket's consecutive actions go to the helpdesk in one call when its client can take them together
(the generic callback with `actions_together`, docs/adapters/generic.md), with what one call at a time guaranteed:
queue order, nothing done twice, a refused call narrowed down to the action refused, an outage spending no attempt.

The callback is the council's own receiver: `responses` stands in for it with the documented body and answers."""

import json

import pytest
import responses
from sqlalchemy import select

from adapters.generic.adapter import sign
from plugin.clock import utcnow
from plugin.models import OutboxAction
from plugin.services import connections as conns
from plugin.worker import outbox

CALLBACK = "https://helpdesk.council.example/contactguard-actions"
SECRET = "a-signing-secret-0123"


def _generic(cast, together: bool) -> str:
    with cast.act() as ctx:
        return conns.add(
            ctx,
            "generic",
            "Other helpdesk",
            {"mapping": {"ticket_id": "/ticket/id"}, "callback_url": CALLBACK, "actions_together": together},
            {"signing_secret": SECRET},
            test=False,
        ).id


def _queue(sessions, connection_id: str, ticket: str, *actions: dict) -> list[int]:
    with sessions() as s, s.begin():
        rows = [
            OutboxAction(
                connection_id=connection_id,
                ticket_id=ticket,
                kind=action["kind"],
                payload=action,
                idempotency_key=f"{ticket}-{n}",
            )
            for n, action in enumerate(actions)
        ]
        s.add_all(rows)
        s.flush()
        return [r.id for r in rows]


FLAG = {"kind": "set_flag", "value": "Restricted: contact through Sam Officer only"}
TAGS = {"kind": "add_tags", "tags": ["cg-restricted"]}
NOTE = {"kind": "add_note", "text": "Restricted customer.", "marker": "[contactguard] e1"}


def _states(sessions) -> dict[int, tuple[str, int]]:
    with sessions() as s:
        return {r.id: (r.state, r.attempts) for r in s.scalars(select(OutboxAction))}


def _bodies(mock) -> list[dict]:
    return [json.loads(call.request.body) for call in mock.calls]


def test_a_tickets_actions_go_in_one_signed_call_in_queue_order(cast, sessions, settings):
    connection = _generic(cast, together=True)
    first = _queue(sessions, connection, "12", FLAG, TAGS, NOTE)
    other = _queue(sessions, connection, "13", TAGS)
    with responses.RequestsMock() as mock:
        mock.post(CALLBACK, json={})
        stats = outbox.drain_once(sessions, settings)
        calls = list(mock.calls)
        bodies = sorted(_bodies(mock), key=lambda b: b["ticket_id"])
    assert stats.done == 4
    assert [b["ticket_id"] for b in bodies] == ["12", "13"], "one call a ticket"
    assert [a["kind"] for a in bodies[0]["actions"]] == ["set_flag", "add_tags", "add_note"]
    assert [a["idempotency_key"] for a in bodies[0]["actions"]] == ["12-0", "12-1", "12-2"], "each keeps its key"
    assert bodies[1]["actions"] == [{**TAGS, "idempotency_key": "13-0"}], "every POST is a list, of one here"
    for call in calls:
        assert call.request.headers["X-Signature-SHA256"] == "sha256=" + sign(SECRET, call.request.body)
        assert call.request.headers["Idempotency-Key"].startswith("cg-")
    assert set(_states(sessions).values()) == {("done", 0)} and len(first + other) == 4


def test_without_the_setting_each_action_is_its_own_call_as_documented(cast, sessions, settings):
    """A receiver written for `{"ticket_id", "action"}` never sees a list unless its admin turns it on."""
    connection = _generic(cast, together=False)
    _queue(sessions, connection, "12", FLAG, TAGS, NOTE)
    with responses.RequestsMock() as mock:
        mock.post(CALLBACK, json={})
        assert outbox.drain_once(sessions, settings).done == 3
        bodies = _bodies(mock)
    assert [b["action"]["kind"] for b in bodies] == ["set_flag", "add_tags", "add_note"]
    assert all("actions" not in b for b in bodies)


def test_a_refused_call_is_tried_one_by_one_so_only_the_refused_action_is_set_aside(cast, sessions, settings):
    """The receiver answers 422 to the list because it cannot take the note: the flag and tags still go through,
    the note is dead-lettered with the helpdesk's answer, as it would have been on its own."""
    connection = _generic(cast, together=True)
    ids = _queue(sessions, connection, "12", FLAG, TAGS, NOTE)

    def receiver(request):
        body = json.loads(request.body)
        kinds = [a["kind"] for a in body.get("actions", [body.get("action", {})])]
        return (422, {}, "{}") if "add_note" in kinds else (200, {}, "{}")

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, CALLBACK, callback=receiver)
        stats = outbox.drain_once(sessions, settings)
        bodies = _bodies(mock)
    assert [[a["kind"] for a in b["actions"]] for b in bodies] == [
        ["set_flag", "add_tags", "add_note"],
        ["set_flag"],
        ["add_tags"],
        ["add_note"],
    ], "with the setting on, every POST is a list: here of three, then of one each"
    assert (stats.done, stats.dead) == (2, 1)
    states = _states(sessions)
    assert [states[i][0] for i in ids] == ["done", "done", "dead"]
    with sessions() as s:
        assert "HTTP 422" in s.get(OutboxAction, ids[2]).last_error


def test_an_outage_pauses_the_ticket_without_spending_an_attempt_and_nothing_is_lost(cast, sessions, settings):
    connection = _generic(cast, together=True)
    ids = _queue(sessions, connection, "12", FLAG, TAGS, NOTE)
    with responses.RequestsMock() as mock:
        mock.post(CALLBACK, status=503)
        stats = outbox.drain_once(sessions, settings)
    assert (stats.paused, stats.done) == (1, 0)
    assert set(_states(sessions).values()) == {("pending", 0)}
    later = utcnow() + outbox.MAX_PROBE_WAIT * outbox.dt.timedelta(seconds=2)
    with responses.RequestsMock() as mock:
        mock.post(CALLBACK, json={})
        while outbox.drain_once(sessions, settings, now=later).done:
            pass
        sent = [a["idempotency_key"] for b in _bodies(mock) for a in b.get("actions", [b.get("action")])]
    assert sent == ["12-0", "12-1", "12-2"], "each action reached the receiver once, in order, after the outage"
    assert all(_states(sessions)[i] == ("done", 0) for i in ids)


def test_asked_to_wait_the_first_action_waits_and_holds_the_rest_back(cast, sessions, settings):
    connection = _generic(cast, together=True)
    ids = _queue(sessions, connection, "12", FLAG, TAGS)
    with responses.RequestsMock() as mock:
        mock.post(CALLBACK, status=429, headers={"Retry-After": "120"})
        stats = outbox.drain_once(sessions, settings)
    assert (stats.retried, stats.done) == (1, 0)
    with sessions() as s:
        first, second = (s.get(OutboxAction, i) for i in ids)
        assert (first.attempts, first.state) == (0, "pending"), "a rate limit spends no attempt"
        assert (outbox._aware(first.next_attempt_at) - utcnow()).total_seconds() == pytest.approx(120, abs=5)
        assert second.state == "pending"
    assert outbox.claim(sessions, 10, utcnow()) == [], "the second waits behind the first"

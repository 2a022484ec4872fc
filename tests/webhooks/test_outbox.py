"""The outbox worker: every action once, backoff on 429/5xx honouring Retry-After, dead letters, retry."""

import datetime as dt
import json

import pytest
import responses
from sqlalchemy import event, select

from plugin.clock import utcnow
from plugin.config import settings_of
from plugin.models import Connection, OutboxAction
from plugin.worker import outbox
from tests.helpers import active_restriction, webhook_path
from tests.webhooks.conftest import HELPDESK_API, fixture_body

TICKET = HELPDESK_API + "tickets/44/"


def _ingest(client, cast, connection_id):
    active_restriction(cast)
    response = client.post(
        webhook_path(settings_of(client.application), connection_id),
        json=fixture_body("django-helpdesk-ticket-created"),
    )
    assert response.status_code == 200


def _states(sessions):
    with sessions() as s:
        return {a.kind: (a.state, a.attempts) for a in s.scalars(select(OutboxAction))}


@responses.activate(assert_all_requests_are_fired=True)
def test_each_action_is_applied_through_the_api_with_its_body(client, cast, connection_id, sessions, settings):
    _ingest(client, cast, connection_id)
    responses.patch(TICKET, json={})
    responses.get(TICKET, json={"id": 44, "custom_contactguard_tags": "", "followup_set": []})
    responses.post(HELPDESK_API + "followups/", json={"id": 200}, status=201)
    stats = outbox.drain_once(sessions, settings)
    assert (stats.done, stats.retried, stats.dead) == (4, 0, 0)
    patches = [c.request for c in responses.calls if c.request.method == "PATCH"]
    bodies = [p.body for p in patches]
    assert any(b"custom_contact_restriction" in b and b"officer@council.example" in b for b in bodies)
    assert any(b'"custom_contactguard_tags": "cg-restricted"' in b for b in bodies)
    assert any(b'"assigned_to": 7' in b for b in bodies)
    note = next(c.request for c in responses.calls if c.request.method == "POST")
    assert b'"public": false' in note.body and b"[contactguard] ref" in note.body
    assert set(_states(sessions).values()) == {("done", 0)}
    assert outbox.drain_once(sessions, settings).done == 0, "nothing is done twice"


@responses.activate
def test_existing_tags_are_kept_and_a_posted_note_is_not_posted_again(client, cast, connection_id, sessions, settings):
    _ingest(client, cast, connection_id)
    with sessions() as s:
        marker = s.scalar(select(OutboxAction).where(OutboxAction.kind == "add_note")).payload["marker"]
    responses.patch(TICKET, json={})
    responses.get(
        TICKET,
        json={
            "id": 44,
            "custom_contactguard_tags": "vip, cg-restricted",
            "followup_set": [{"comment": f"earlier attempt\n\n{marker}"}],
        },
    )
    outbox.drain_once(sessions, settings)
    assert not [c for c in responses.calls if c.request.method == "POST"], "note already there: not posted twice"
    tag_patches = [
        c.request.body
        for c in responses.calls
        if c.request.method == "PATCH" and b"contactguard_tags" in c.request.body
    ]
    assert tag_patches == [], "tags already present: nothing to write, nothing destroyed"


@responses.activate
def test_429_honours_retry_after_for_the_whole_account(client, cast, connection_id, sessions, settings):
    """One worker thread (OUTBOX_THREADS=1) so the calls are strictly one after another: with more threads, up
    to that many calls to the account can already be in flight when the 429 arrives, and each is then held
    the same way (docs/operations.md)."""
    settings = settings.replace(OUTBOX_THREADS=1)
    _ingest(client, cast, connection_id)
    other = client.post(
        webhook_path(settings, connection_id), json=fixture_body("django-helpdesk-ticket-created", id=45)
    )
    assert other.status_code == 200
    responses.patch(TICKET, status=429, headers={"Retry-After": "120"})
    before = utcnow()
    stats = outbox.drain_once(sessions, settings)
    assert stats.retried == 2 and stats.done == 0, "one per ticket: the rest wait behind it"
    with sessions() as s:
        rows = {(a.ticket_id, a.kind): a for a in s.scalars(select(OutboxAction))}
    # Issue 21: being asked to wait is not a failure: no attempt is spent, so a 429 never dead-letters an action.
    assert rows["44", "set_flag"].attempts == 0 and "HTTP 429" in rows["44", "set_flag"].last_error
    assert rows["44", "set_flag"].next_attempt_at >= before + dt.timedelta(seconds=120)
    for kind in ("add_tags", "assign", "add_note"):
        assert rows["44", kind].attempts == 0 and rows["44", kind].last_error is None, (
            "ticket 44's later actions wait behind its first, untried"
        )
    other_flag = rows["45", "set_flag"]
    assert other_flag.attempts == 0, "held back by the 429, not tried: no attempt spent"
    assert "rate limit" in other_flag.last_error
    assert other_flag.next_attempt_at >= before + dt.timedelta(seconds=100)
    assert len(responses.calls) == 1, "one call, then the whole account waits"
    assert outbox.drain_once(sessions, settings).retried == 0, "not due yet: no retry storm"


@responses.activate
def test_a_5xx_pauses_the_helpdesk_without_spending_an_attempt(client, cast, connection_id, sessions, settings):
    """Issue 21 item 7: a helpdesk answering 503 is an outage, not a bad action: its actions wait for a probe."""
    _ingest(client, cast, connection_id)
    responses.patch(TICKET, status=503)
    responses.get(TICKET, status=503)
    responses.post(HELPDESK_API + "followups/", status=503)
    before = utcnow()
    stats = outbox.drain_once(sessions, settings)
    assert (stats.paused, stats.retried, stats.dead) == (1, 0, 0)
    with sessions() as s:
        first, *later = list(s.scalars(select(OutboxAction).order_by(OutboxAction.id)))
        connection = s.get(Connection, connection_id)
        assert connection.unreachable_since is not None and "HTTP 503" in connection.unreachable_error
        assert connection.probe_at >= before + dt.timedelta(seconds=settings.OUTBOX_PROBE_SECONDS)
    assert first.attempts == 0 and first.state == "pending" and first.next_attempt_at > before
    assert all(r.attempts == 0 and r.state == "pending" for r in later), "waiting behind the first, in order"
    assert outbox.drain_once(sessions, settings).paused == 0 and len(responses.calls) == 1, "no call before the probe"


@responses.activate
def test_helpdesk_down_then_back_applies_every_action_exactly_once(client, cast, connection_id, sessions, settings):
    _ingest(client, cast, connection_id)
    outbox.drain_once(sessions, settings)  # no responses registered: connection refused for every call
    assert {state for state, _ in _states(sessions).values()} == {"pending"}
    responses.patch(TICKET, json={})
    responses.get(TICKET, json={"id": 44, "custom_contactguard_tags": "", "followup_set": []})
    responses.post(HELPDESK_API + "followups/", json={"id": 1}, status=201)
    later = utcnow() + dt.timedelta(hours=2)
    stats = outbox.drain_once(sessions, settings, now=later)
    assert stats.done == 4
    assert len([c for c in responses.calls if c.request.method == "POST"]) == 1


@responses.activate
def test_after_an_outage_a_tickets_actions_apply_in_the_order_queued(client, cast, connection_id, sessions, settings):
    """Issue 8 item 18: while the flag write fails, the note and the assignment behind it wait; when the
    helpdesk is back they go out in order (the note never reaches an officer before the assignment)."""
    _ingest(client, cast, connection_id)
    responses.patch(TICKET, status=503)
    responses.get(TICKET, json={"id": 44, "custom_contactguard_tags": "", "followup_set": []})
    responses.post(HELPDESK_API + "followups/", json={"id": 1}, status=201)
    stats = outbox.drain_once(sessions, settings)
    assert (stats.done, stats.paused) == (0, 1)
    assert [c.request.method for c in responses.calls] == ["PATCH"], "nothing behind the failed write was sent"
    responses.reset()
    responses.patch(TICKET, json={})
    responses.get(TICKET, json={"id": 44, "custom_contactguard_tags": "", "followup_set": []})
    responses.post(HELPDESK_API + "followups/", json={"id": 1}, status=201)
    stats = outbox.drain_once(sessions, settings, now=utcnow() + dt.timedelta(hours=2))
    assert stats.done == 4
    sent = [(c.request.method, c.request.body and sorted(json.loads(c.request.body))) for c in responses.calls]
    assert sent == [
        ("PATCH", ["custom_contact_restriction"]),
        ("GET", None),
        ("PATCH", ["custom_contactguard_tags"]),
        ("PATCH", ["assigned_to"]),
        ("GET", None),
        ("POST", ["comment", "public", "ticket"]),
    ]


@responses.activate
def test_permanent_failure_is_dead_lettered_and_can_be_retried(client, cast, connection_id, sessions, settings):
    _ingest(client, cast, connection_id)
    responses.patch(TICKET, status=404)
    responses.get(TICKET, status=404)
    responses.post(HELPDESK_API + "followups/", status=400)
    stats = outbox.drain_once(sessions, settings)
    assert stats.dead == 4
    with sessions() as s, s.begin():
        assert len(outbox.dead_letters(s)) == 4
        assert "HTTP 404" in outbox.dead_letters(s)[0].last_error
        assert outbox.retry(s) == 4
    assert {state for state, _ in _states(sessions).values()} == {"pending"}


@responses.activate
def test_a_pass_whose_calls_are_all_refused_records_them_in_one_commit_and_loses_none_if_it_dies_first(
    client, cast, connection_id, sessions, settings, engine, monkeypatch
):
    """A helpdesk refusing every call (a revoked permission) costs one commit for the pass's dead letters, not one
    per action; a worker that dies before that commit loses nothing: after the lease the calls are made again."""
    _ingest(client, cast, connection_id)
    responses.patch(TICKET, status=403)
    responses.get(TICKET, status=403)
    responses.post(HELPDESK_API + "followups/", status=403)

    def dies(self, released=None, token=""):
        raise SystemExit("the worker is stopped before it records the pass")

    with monkeypatch.context() as patched:
        patched.setattr(outbox._Finished, "record", dies)
        with pytest.raises(SystemExit):
            outbox.drain_once(sessions, settings)
    calls = len(responses.calls)
    assert calls >= 4 and {state for state, _ in _states(sessions).values()} == {"pending"}

    commits = []
    event.listen(engine, "commit", lambda connection: commits.append(connection))
    later = utcnow() + outbox.lease_of(settings) + dt.timedelta(seconds=1)
    stats = outbox.drain_once(sessions, settings, now=later)
    assert stats.dead == 4 and len(responses.calls) == 2 * calls, "each call made again once the lease ran out"
    assert len(commits) == 2, "the claim, then the pass's dead letters together"
    assert set(_states(sessions).values()) == {("dead", 1)}
    with sessions() as s:
        assert all("HTTP 403" in a.last_error for a in outbox.dead_letters(s))


@responses.activate
def test_after_max_attempts_an_action_is_dead(client, cast, connection_id, sessions, settings, monkeypatch):
    """An action the helpdesk answers but that keeps failing (here an adapter fault) gives up after its attempts;
    an outage never counts towards them (test_an_outage_longer_than_the_retry_schedule_dead_letters_nothing)."""
    from adapters.django_helpdesk.client import DjangoHelpdeskClient

    def broken(self, ticket_id, action):
        raise ValueError("an adapter fault")

    monkeypatch.setattr(DjangoHelpdeskClient, "apply", broken)
    _ingest(client, cast, connection_id)
    settings = settings.replace(OUTBOX_MAX_ATTEMPTS=2)
    for day in range(8):  # each action gives up after its two attempts; the next one then takes its turn
        outbox.drain_once(sessions, settings, now=utcnow() + dt.timedelta(days=day))
    assert set(_states(sessions).values()) == {("dead", 2)}


@responses.activate
def test_an_outage_longer_than_the_retry_schedule_dead_letters_nothing(client, cast, connection_id, sessions, settings):
    """Issue 21 item 7: the helpdesk refuses connections through more passes than OUTBOX_MAX_ATTEMPTS; nothing is
    dead-lettered, and once it answers every action goes through once, in order."""
    _ingest(client, cast, connection_id)
    settings = settings.replace(OUTBOX_MAX_ATTEMPTS=2, OUTBOX_PROBE_SECONDS=0.1)
    for _ in range(10):  # no responses registered: every call's connection is refused
        stats = outbox.drain_once(sessions, settings, now=utcnow() + dt.timedelta(seconds=1))
        assert stats.dead == 0 and stats.done == 0
    assert set(_states(sessions).values()) == {("pending", 0)}
    responses.patch(TICKET, json={})
    responses.get(TICKET, json={"id": 44, "custom_contactguard_tags": "", "followup_set": []})
    responses.post(HELPDESK_API + "followups/", json={"id": 1}, status=201)
    assert outbox.drain_once(sessions, settings, now=utcnow() + dt.timedelta(seconds=1)).done == 4
    with sessions() as s:
        assert s.get(Connection, connection_id).unreachable_since is None, "the outage is over"


def test_backoff_grows_and_is_jittered():
    import random

    rng = random.Random(1)
    delays = [outbox.backoff_seconds(n, rng) for n in (1, 2, 3, 10, 30)]
    assert delays[0] <= 5 and delays[-1] <= 3600
    assert max(outbox.backoff_seconds(10, random.Random(i)) for i in range(20)) > 100


@responses.activate
def test_many_tickets_in_one_pass_each_get_their_actions_once_and_in_order(
    client, cast, connection_id, sessions, settings
):
    """Issue 11 item 3: on PostgreSQL a pass works on several tickets at once (OUTBOX_THREADS); each ticket's
    own actions still go out one after another in the order queued, and each exactly once."""
    import re

    from plugin.models import Connection

    active_restriction(cast)
    with sessions() as s, s.begin():  # no rate limit in the way: this test is about order, not pacing
        row = s.get(Connection, connection_id)
        row.settings = {**row.settings, "rate_limit_per_minute": 100_000}
    tickets = range(300, 312)
    for ticket in tickets:
        body = fixture_body("django-helpdesk-ticket-created", id=ticket)
        assert client.post(webhook_path(settings, connection_id), json=body).status_code == 200
    pattern = re.compile(re.escape(HELPDESK_API) + r"tickets/(\d+)/")
    responses.add_callback(responses.PATCH, pattern, callback=lambda request: (200, {}, "{}"))
    responses.add_callback(
        responses.GET,
        pattern,
        callback=lambda request: (
            200,
            {},
            json.dumps(
                {"id": int(pattern.match(request.url).group(1)), "custom_contactguard_tags": "", "followup_set": []}
            ),
        ),
    )
    responses.post(HELPDESK_API + "followups/", json={"id": 1}, status=201)
    stats = outbox.drain_once(sessions, settings.replace(OUTBOX_THREADS=4), limit=100)
    assert (stats.done, stats.retried, stats.dead) == (4 * len(tickets), 0, 0), stats.errors
    per_ticket: dict[int, list] = {}
    for call in responses.calls:
        if call.request.method == "GET":
            continue
        body = json.loads(call.request.body)
        ticket = body["ticket"] if "ticket" in body else int(pattern.match(call.request.url).group(1))
        per_ticket.setdefault(ticket, []).append(sorted(body))
    assert set(per_ticket) == set(tickets)
    assert all(
        calls
        == [
            ["custom_contact_restriction"],
            ["custom_contactguard_tags"],
            ["assigned_to"],
            ["comment", "public", "ticket"],
        ]
        for calls in per_ticket.values()
    ), per_ticket

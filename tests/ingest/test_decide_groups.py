"""The worker decides stored events in batches (plugin/worker/decisions.py): one read of the register and one
write transaction for many events, and still each event exactly once and a ticket's events in the order they
arrived, on both databases."""

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from plugin.clock import utcnow
from plugin.models import AuditEntry, OutboxAction, WebhookEvent
from plugin.services.pipeline import PENDING
from plugin.worker import decisions
from tests.helpers import active_restriction
from webhooks.group_commit import EventStore

from .conftest import new_ticket

REAL_JUDGE = decisions.judge


@pytest.fixture
def backlog(cast, engine, connection_id):
    """A restricted customer's three events on ticket 44, then one on ticket 45, stored and undecided."""
    active_restriction(cast)
    store = EventStore(engine)
    for key, ticket in (("a-1", "44"), ("a-2", "44"), ("b-1", "45"), ("a-3", "44")):
        store.store(connection_id, [new_ticket(key, ticket=ticket)], utcnow())
    return connection_id


def _fail_for(monkeypatch, key: str, error: Exception):
    def deciding(reads, stored):
        if stored.delivery_key == key:
            raise error
        return REAL_JUDGE(reads, stored)

    monkeypatch.setattr(decisions, "judge", deciding)


def _state(sessions) -> dict[str, str]:
    with sessions() as session:
        return dict(session.execute(select(WebhookEvent.delivery_key, WebhookEvent.outcome)).all())


def _contact_audits(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action.like("contact.%")))


def test_a_failing_event_waits_with_its_tickets_later_events_and_the_others_are_decided(
    backlog, sessions, settings, monkeypatch
):
    """An event whose decision fails is left out of its batch alone: the batch's other ticket is decided, this
    ticket's later events wait behind it, and once it can be decided they follow in order."""
    _fail_for(monkeypatch, "a-1", ValueError("bad stored data"))
    assert decisions.decide_pending(sessions, settings) == 1
    assert _state(sessions) == {"a-1": PENDING, "a-2": PENDING, "b-1": "flag", "a-3": PENDING}

    monkeypatch.setattr(decisions, "judge", REAL_JUDGE)
    decided = 0
    while passed := decisions.decide_pending(sessions, settings):
        decided += passed
    assert decided == 3 and set(_state(sessions).values()) == {"flag"}
    with sessions() as session:
        first_action = dict(
            session.execute(
                select(WebhookEvent.delivery_key, func.min(OutboxAction.id))
                .join(OutboxAction, OutboxAction.event_id == WebhookEvent.id)
                .where(WebhookEvent.ticket_id == "44")
                .group_by(WebhookEvent.delivery_key)
            ).all()
        )
    assert first_action["a-1"] < first_action["a-2"] < first_action["a-3"], "ticket 44's actions queue in order"


def test_a_database_error_in_a_group_loses_nothing_and_decides_nothing_twice(backlog, sessions, settings, monkeypatch):
    """The database failing in the middle of the worker's pass: what was not committed waits for the next
    pass, and in the end each event has exactly one decision and one audit entry."""
    before = _contact_audits(sessions)
    _fail_for(monkeypatch, "b-1", OperationalError("INSERT INTO audit_entries", {}, Exception("disk I/O error")))
    with pytest.raises(OperationalError):
        decisions.decide_pending(sessions, settings)
    undecided = [key for key, outcome in _state(sessions).items() if outcome == PENDING]
    assert "b-1" in undecided

    monkeypatch.setattr(decisions, "judge", REAL_JUDGE)
    while decisions.decide_pending(sessions, settings):
        pass
    assert set(_state(sessions).values()) == {"flag"}
    assert _contact_audits(sessions) == before + 4, "one audit entry per event"
    assert decisions.decide_pending(sessions, settings) == 0


def test_a_batch_is_one_write_transaction(backlog, sessions, settings, engine):
    """Fewer commits: one pass decides the four events, two of a ticket in order, with one commit."""
    commits = []
    event.listen(engine, "commit", lambda connection: commits.append(1))
    assert decisions.decide_pending(sessions, settings) == 4
    assert set(_state(sessions).values()) == {"flag"}
    assert len(commits) == 1, "one transaction for the four events"


def test_an_event_handed_to_a_lookup_is_not_taken_up_again(cast, engine, connection_id, sessions, settings, caplog):
    """An event whose payload does not say who wrote waits for the helpdesk's answer (an outbox lookup), not for
    the worker: its content is cleared to SQL NULL, so no later pass takes it up again and fails on it (it was
    cleared to JSON null, which `inbound IS NOT NULL` still matched, on every pass, on both databases)."""
    from dataclasses import replace

    from sqlalchemy import text

    active_restriction(cast)
    EventStore(engine).store(connection_id, [replace(new_ticket("l-1"), needs_lookup=True)], utcnow())
    assert decisions.decide_pending(sessions, settings) == 1
    with sessions() as session:
        cleared = session.execute(text("SELECT inbound IS NULL, outcome FROM webhook_events")).one()
    assert tuple(cleared) == (True, PENDING)
    assert decisions.decide_pending(sessions, settings) == 0
    assert "could not be decided" not in caplog.text

"""The worker decides stored events in batches (issue 24, plugin/worker/decisions.py): the register read once,
the decisions, outbox actions and audit entries written together, and still each event exactly once, a
ticket's events in order, and a batch that fails to write leaving nothing behind."""

from dataclasses import replace

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from plugin.clock import utcnow
from plugin.db import reading, writer_lock_of
from plugin.models import AuditEntry, OutboxAction, WebhookEvent
from plugin.services import pipeline
from plugin.services.audit import verify
from plugin.services.pipeline import PENDING
from plugin.worker import decisions
from tests.conftest import ON_POSTGRES
from tests.helpers import active_restriction
from tests.ingest.conftest import new_ticket
from webhooks.group_commit import EventStore

OTHER_EMAIL = "someone.else@example.com"  # nobody on the register


def _store(engine, connection_id, *events) -> None:
    EventStore(engine).store(connection_id, list(events), utcnow())


def _outcomes(sessions) -> dict[str, str]:
    with sessions() as session:
        return dict(session.execute(select(WebhookEvent.delivery_key, WebhookEvent.outcome)).all())


def _counts(sessions) -> tuple[int, int]:
    with sessions() as session:
        actions = session.scalar(select(func.count()).select_from(OutboxAction))
        audits = session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action.like("contact.%")))
        return actions, audits


def _actions_of(sessions, key: str) -> list[tuple[str, dict]]:
    with sessions() as session:
        return list(
            session.execute(
                select(OutboxAction.kind, OutboxAction.payload)
                .join(WebhookEvent, OutboxAction.event_id == WebhookEvent.id)
                .where(WebhookEvent.delivery_key == key)
                .order_by(OutboxAction.id)
            ).all()
        )


def test_one_pass_decides_restricted_and_unrestricted_events_with_a_verifying_audit_chain(
    cast, engine, connection_id, sessions, settings
):
    """A batch of several customers' events: the restricted one is flagged with its actions and one audit entry
    each, the others allowed with none; the chain verifies entry by entry."""
    active_restriction(cast)
    _store(
        engine,
        connection_id,
        new_ticket("r-1", ticket="61"),
        new_ticket("o-1", ticket="62", email=OTHER_EMAIL),
        new_ticket("r-2", ticket="63"),
    )
    before = _counts(sessions)
    assert decisions.decide_pending(sessions, settings) == 3
    assert _outcomes(sessions) == {"r-1": "flag", "o-1": "allow", "r-2": "flag"}
    assert [kind for kind, _ in _actions_of(sessions, "o-1")] == []
    assert [kind for kind, _ in _actions_of(sessions, "r-1")][:2] == ["set_flag", "add_tags"]
    _actions, audits = _counts(sessions)
    assert audits == before[1] + 2, "one audit entry per restricted customer's event"
    with engine.connect() as connection:
        checked = verify(connection)
    assert checked.ok, checked.problems
    with sessions() as session:
        cleared = session.scalars(select(WebhookEvent.inbound).where(WebhookEvent.inbound.is_not(None))).all()
    assert cleared == [], "the subject and text are not kept once decided"


def test_a_later_event_of_a_ticket_in_the_same_batch_replaces_the_earlier_ones_tags(
    cast, engine, connection_id, sessions, settings
):
    """Two events of one ticket decided in one pass: the second reads the first's outcome as written, so the
    escalation's tag comes off when the next contact is only flagged (tags follow the latest outcome)."""
    active_restriction(cast)
    worrying = replace(new_ticket("t-1", ticket="70"), text="I am going to kill myself tonight")
    _store(engine, connection_id, worrying, new_ticket("t-2", ticket="70"))
    assert decisions.decide_pending(sessions, settings) == 2
    assert _outcomes(sessions) == {"t-1": "escalate", "t-2": "flag"}
    removed = [payload["tags"] for kind, payload in _actions_of(sessions, "t-2") if kind == "remove_tags"]
    assert removed == [["cg-escalated"]]


def test_a_batch_cut_off_at_its_audit_entries_leaves_nothing_and_the_next_pass_writes_it_once(
    cast, engine, connection_id, sessions, settings, monkeypatch
):
    """The database fails at the last write of a batch (its audit entries, after the events and actions): nothing
    of the batch is kept, the events wait, and the next pass writes each decision, action and entry once."""
    active_restriction(cast)
    _store(engine, connection_id, new_ticket("c-1", ticket="80"), new_ticket("c-2", ticket="81"))
    before = _counts(sessions)
    real = pipeline.append_audit

    def failing(connection, entries):
        raise OperationalError("INSERT INTO audit_entries", {}, Exception("server closed the connection"))

    monkeypatch.setattr(pipeline, "append_audit", failing)
    with pytest.raises(OperationalError):
        decisions.decide_pending(sessions, settings)
    assert _outcomes(sessions) == {"c-1": PENDING, "c-2": PENDING}
    assert _counts(sessions) == before, "nothing half-written"

    monkeypatch.setattr(pipeline, "append_audit", real)
    assert decisions.decide_pending(sessions, settings) == 2
    assert decisions.decide_pending(sessions, settings) == 0
    actions, audits = _counts(sessions)
    assert audits == before[1] + 2 and actions - before[0] == 2 * len(_actions_of(sessions, "c-1"))


def test_a_refused_write_is_retried_event_by_event_and_only_the_event_at_fault_waits(
    cast, engine, connection_id, sessions, settings, monkeypatch
):
    """The database refuses one event's values in a batch: the batch is written again event by event, so the
    other ticket is decided, and the refused event and its ticket's later event stay undecided, in order."""
    active_restriction(cast)
    _store(
        engine,
        connection_id,
        new_ticket("bad", ticket="90"),
        new_ticket("good", ticket="91"),
        new_ticket("after-bad", ticket="90"),
    )
    real = decisions.write_decided

    def refusing(ctx, decided):
        if any(d.stored.delivery_key == "bad" for d in decided):
            raise IntegrityError("UPDATE webhook_events", {}, Exception("refused"))
        return real(ctx, decided)

    monkeypatch.setattr(decisions, "write_decided", refusing)
    assert decisions.decide_pending(sessions, settings) == 1
    assert _outcomes(sessions) == {"bad": PENDING, "good": "flag", "after-bad": PENDING}

    monkeypatch.setattr(decisions, "write_decided", real)
    assert decisions.decide_pending(sessions, settings) == 2
    assert set(_outcomes(sessions).values()) == {"flag"}


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's single writer: PostgreSQL's readers never take a writer lock")
def test_on_sqlite_the_worker_reads_and_decides_without_the_writer_lock(cast, engine, connection_id, sessions):
    """While the worker reads a batch and decides it, the webhook's insert does not wait for it: the reading
    session holds no writer lock, and an event is stored meanwhile."""
    active_restriction(cast)
    with reading(sessions) as session:
        assert session.scalar(select(func.count()).select_from(WebhookEvent)) == 0
        assert not writer_lock_of(engine).held
        _store(engine, connection_id, new_ticket("meanwhile", ticket="95"))
    assert _outcomes(sessions) == {"meanwhile": PENDING}

"""The database goes away in the middle of a write: nothing is half-written, and the work is done once later.

Issue 9, Prove: the webhook stores the event in one transaction; the worker's decision, its outbox actions and
its audit entry are one transaction. On PostgreSQL the worker's own backend is terminated
(pg_terminate_backend), as a restart would; on SQLite the last write fails.
"""

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from plugin.models import AuditEntry, OutboxAction, WebhookEvent
from plugin.services import pipeline
from plugin.worker.decisions import decide_pending
from tests.conftest import ON_POSTGRES
from tests.helpers import active_restriction, webhook_path
from tests.webhooks.conftest import fixture_body


def _counts(sessions) -> dict:
    with sessions() as s:
        return {
            "events": s.scalar(select(func.count()).select_from(WebhookEvent)),
            "actions": s.scalar(select(func.count()).select_from(OutboxAction)),
            "audit": s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action.like("contact.%"))),
        }


@pytest.fixture
def database_dies_at_the_audit_entry(monkeypatch, settings):
    """The batch's audit entries find the database gone (the events' decisions and actions already written in
    the same transaction): the worker appends them last, with plugin.models.audit.append."""
    original = pipeline.append_audit
    fired = []

    def append(connection, rows):
        if any(row["action"].startswith("contact.") for row in rows) and not fired:
            fired.append(len(rows))
            if ON_POSTGRES:
                pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
                dsn = make_url(settings.DATABASE_URL).set(drivername="postgresql").render_as_string(False)
                with psycopg.connect(dsn, autocommit=True) as admin:
                    admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            else:
                raise OperationalError("INSERT INTO audit_entries", {}, Exception("disk I/O error"))
        return original(connection, rows)

    monkeypatch.setattr(pipeline, "append_audit", append)
    return fired


def test_a_decision_cut_off_mid_transaction_leaves_nothing_half_written_and_the_next_pass_writes_it_once(
    app, cast, fake_connection_id, sessions, settings, database_dies_at_the_audit_entry
):
    """The webhook stores the event and answers; the worker's decision is cut off at its audit entry (the
    event's decision and actions already flushed): nothing of it is kept, the event waits undecided, and
    the next pass writes the decision, its actions and its audit entry once."""
    connection_id = fake_connection_id
    active_restriction(cast)
    client = app.test_client()  # plain: the worker's step is run by hand below
    before = _counts(sessions)
    body = fixture_body("django-helpdesk-ticket-created", id=501)

    assert client.post(webhook_path(settings, connection_id), json=body).status_code == 200
    stored = _counts(sessions)
    assert stored == {**before, "events": before["events"] + 1}, "the event is stored, nothing decided yet"

    with pytest.raises(OperationalError):
        decide_pending(sessions, settings)
    assert database_dies_at_the_audit_entry, "the fault fired inside the decision's transaction"
    assert _counts(sessions) == stored, "nothing half-written: no action, no audit entry"
    with sessions() as s:
        event = s.scalar(select(WebhookEvent).order_by(WebhookEvent.id.desc()))
        assert (event.outcome, event.inbound is not None) == ("pending", True), "it waits for the next pass"

    assert decide_pending(sessions, settings) == 1  # the next pass
    after = _counts(sessions)
    assert after["events"] == stored["events"] and after["audit"] == before["audit"] + 1
    assert after["actions"] - before["actions"] >= 3, "the flag, the tags and the note"
    with sessions() as s:
        event = s.scalar(select(WebhookEvent).order_by(WebhookEvent.id.desc()))
        kinds = list(s.scalars(select(OutboxAction.kind).where(OutboxAction.event_id == event.id)))
    assert event.outcome in ("flag", "disregard", "escalate") and {"set_flag", "add_note"} <= set(kinds)
    assert event.inbound is None, "the subject and text are not kept once decided"

    again = client.post(webhook_path(settings, connection_id), json=body)  # the helpdesk sends it again
    assert again.status_code == 200
    assert decide_pending(sessions, settings) == 0
    assert _counts(sessions) == after, "a repeated delivery is stored once"


def test_the_database_down_when_the_webhook_stores_answers_503_and_keeps_nothing(
    app, cast, fake_connection_id, sessions, monkeypatch, settings
):
    """Issue 9: while the database is unreachable the webhook answers 503 with Retry-After (not 500), so the
    helpdesk sends it again; nothing was committed, so the retry is stored exactly once."""
    from webhooks import group_commit

    def database_gone(*args, **kwargs):
        raise OperationalError("INSERT INTO webhook_events", {}, Exception("server closed the connection"))

    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as in production
    client = app.test_client()
    before = _counts(sessions)
    body = fixture_body("django-helpdesk-ticket-created", id=502)
    with monkeypatch.context() as patched:
        patched.setattr(group_commit, "store_event", database_gone)
        answer = client.post(webhook_path(settings, fake_connection_id), json=body)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "30"
    assert answer.json["code"] == "database_unavailable"
    assert _counts(sessions) == before
    assert client.post(webhook_path(settings, fake_connection_id), json=body).status_code == 200  # the retry
    assert _counts(sessions)["events"] == before["events"] + 1

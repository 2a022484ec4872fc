"""The database goes away in the middle of a webhook's transaction: nothing is half-written, the retry writes all.

Issue 9, Prove: the event, its decision, its outbox actions and its audit entry are one transaction. On
PostgreSQL the request's own backend is terminated (pg_terminate_backend), as a restart would; on SQLite
the last write fails. The helpdesk is answered 503 with Retry-After, so it retries; the retry writes everything once.
"""
import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from plugin.models import AuditEntry, OutboxAction, WebhookEvent
from plugin.services.context import Context
from tests.conftest import ON_POSTGRES
from tests.helpers import active_restriction
from tests.webhooks.conftest import fixture_body


def _counts(sessions) -> dict:
    with sessions() as s:
        return {"events": s.scalar(select(func.count()).select_from(WebhookEvent)),
                "actions": s.scalar(select(func.count()).select_from(OutboxAction)),
                "audit": s.scalar(select(func.count()).select_from(AuditEntry)
                                  .where(AuditEntry.action.like("contact.%")))}


@pytest.fixture
def database_dies_at_the_audit_entry(monkeypatch, settings):
    """The first contact.* audit entry finds the database gone (the event and its actions already flushed)."""
    original = Context.audit
    fired = []

    def audit(self, action, entity, *args, **kwargs):
        if action.startswith("contact.") and not fired:
            fired.append(action)
            if ON_POSTGRES:
                pid = self.session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
                dsn = make_url(settings["DATABASE_URL"]).set(drivername="postgresql").render_as_string(False)
                with psycopg.connect(dsn, autocommit=True) as admin:
                    admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            else:
                raise OperationalError("INSERT INTO audit_entries", {}, Exception("disk I/O error"))
        return original(self, action, entity, *args, **kwargs)

    monkeypatch.setattr(Context, "audit", audit)
    return fired


def test_a_webhook_cut_off_mid_transaction_leaves_nothing_and_its_retry_writes_everything_once(
        app, client, cast, fake_connection_id, sessions, database_dies_at_the_audit_entry):
    connection_id = fake_connection_id
    active_restriction(cast)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as in production: a 5xx the helpdesk retries
    before = _counts(sessions)
    body = fixture_body("django-helpdesk-ticket-created", id=501)

    answer = client.post(f"/webhooks/{connection_id}", json=body)
    assert database_dies_at_the_audit_entry, "the fault fired inside the webhook's transaction"
    assert answer.status_code == 503, "not acknowledged: the helpdesk will send it again"
    assert answer.headers["Retry-After"] == "30" and answer.json["code"] == "database_unavailable"
    assert _counts(sessions) == before, "nothing half-written: no event, no action, no audit entry"

    assert client.post(f"/webhooks/{connection_id}", json=body).status_code == 200  # the helpdesk's retry
    after = _counts(sessions)
    assert after["events"] == before["events"] + 1 and after["audit"] == before["audit"] + 1
    assert after["actions"] - before["actions"] >= 3, "the flag, the tags and the note"
    with sessions() as s:
        event = s.scalar(select(WebhookEvent).order_by(WebhookEvent.id.desc()))
        kinds = list(s.scalars(select(OutboxAction.kind).where(OutboxAction.event_id == event.id)))
    assert event.outcome in ("flag", "disregard", "escalate") and {"set_flag", "add_note"} <= set(kinds)

    assert client.post(f"/webhooks/{connection_id}", json=body).status_code == 200  # sent once more
    assert _counts(sessions) == after, "a repeated delivery is stored once"

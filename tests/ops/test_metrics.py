"""/metrics: Prometheus text format, counted from the database at scrape time."""

import datetime as dt

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from plugin import metrics
from plugin.models import OutboxAction
from tests.conftest import MONITORING, MONITORING_TOKEN
from tests.helpers import active_restriction, webhook_path
from tests.webhooks.conftest import fixture_body


def _scrape(client) -> dict:
    response = client.get("/metrics", headers=MONITORING)
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for s in family.samples
    }


def test_metrics_count_events_decisions_outbox_and_sweeps(client, cast, connection_id, sessions, settings):
    before = _scrape(client)
    assert before[("contactguard_database_up", ())] == 1
    assert before[("contactguard_outbox_actions", (("state", "pending"),))] == 0
    assert before[("contactguard_sweep_last_run_timestamp_seconds", ())] == 0
    ok_before = before.get(("contactguard_webhook_responses_total", (("status_class", "2xx"),)), 0)

    active_restriction(cast)
    assert (
        client.post(
            webhook_path(settings, connection_id), json=fixture_body("django-helpdesk-ticket-created")
        ).status_code
        == 200
    )
    unrestricted = fixture_body("django-helpdesk-ticket-created", submitter_email="someone@example.org", id=45)
    assert client.post(webhook_path(settings, connection_id), json=unrestricted).status_code == 200
    assert client.post("/webhooks/cgnosuchconnection", json={}).status_code == 404
    with sessions() as s, s.begin():
        first = s.scalars(OutboxAction.__table__.select().with_only_columns(OutboxAction.id)).first()
        s.execute(update(OutboxAction).where(OutboxAction.id == first).values(state="dead", attempts=8))
    metrics.record_sweep_run(sessions, at=dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.timezone.utc))

    after = _scrape(client)
    assert after[("contactguard_webhook_events_total", (("adapter", "django_helpdesk"), ("outcome", "flag")))] == 1
    assert after[("contactguard_webhook_events_total", (("adapter", "django_helpdesk"), ("outcome", "allow")))] == 1
    assert after[("contactguard_decisions_total", (("outcome", "flag"),))] == 1
    assert after[("contactguard_outbox_actions", (("state", "pending"),))] == 3
    assert after[("contactguard_outbox_actions", (("state", "dead"),))] == 1
    assert after[("contactguard_outbox_dead_total", ())] == 1
    assert after[("contactguard_outbox_failed_attempts_total", ())] == 8
    assert after[("contactguard_outbox_oldest_pending_age_seconds", ())] >= 0
    assert (
        after[("contactguard_sweep_last_run_timestamp_seconds", ())]
        == dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.timezone.utc).timestamp()
    )
    assert after[("contactguard_webhook_responses_total", (("status_class", "2xx"),))] == ok_before + 2
    assert after[("contactguard_webhook_responses_total", (("status_class", "4xx"),))] >= 1

    metrics.record_sweep_run(sessions, at=dt.datetime(2026, 11, 30, 9, 5, tzinfo=dt.timezone.utc))
    assert (
        _scrape(client)[("contactguard_sweep_last_run_timestamp_seconds", ())]
        == dt.datetime(2026, 11, 30, 9, 5, tzinfo=dt.timezone.utc).timestamp()
    )


def test_a_scrape_answers_when_the_database_does_not(tmp_path):
    from plugin.app import create_app, dispose

    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'm.sqlite3'}",
            "INSTANCE_PATH": str(tmp_path),
            "MONITORING_TOKEN": MONITORING_TOKEN,
        }
    )
    try:
        samples = _scrape(app.test_client())  # no tables: the queries fail, the scrape still answers
        assert samples[("contactguard_database_up", ())] == 0
    finally:
        dispose(app)


def test_metrics_need_the_monitoring_token(client, settings):
    """Issue 21: /metrics answered anyone. Without the token (or with a wrong one) it is 401; with no token set at
    all it says how to turn metrics on."""
    refused = client.get("/metrics")
    assert refused.status_code == 401 and "send the monitoring token" in refused.get_json()["message"]
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong-token-0123456789"}).status_code == 401
    from plugin.app import create_app, dispose

    off = create_app({"DATABASE_URL": settings.DATABASE_URL, "INSTANCE_PATH": settings.INSTANCE_PATH, "TESTING": True})
    try:
        answer = off.test_client().get("/metrics", headers=MONITORING)
        assert answer.status_code == 401 and "set CONTACTGUARD_MONITORING_TOKEN" in answer.get_json()["message"]
    finally:
        dispose(off)


def test_a_helpdesk_that_stopped_answering_shows_how_long_it_has_been_down(client, connection_id, sessions):
    """Issue 21 item 7: the outage is a metric to alert on (docs/operations.md, ContactguardHelpdeskDown)."""
    from plugin.models import Connection

    with sessions() as s, s.begin():
        s.get(Connection, connection_id).unreachable_since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=15)
    samples = _scrape(client)
    (down,) = [v for (name, labels), v in samples.items() if name == "contactguard_helpdesk_unreachable_seconds"]
    assert 890 <= down <= 960

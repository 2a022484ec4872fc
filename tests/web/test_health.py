"""Health endpoints the operator and load balancer rely on."""

from tests.conftest import MONITORING
from tests.helpers import webhook_path
from tests.webhooks.conftest import connection_id  # noqa: F401 - a fixture


def test_healthz_answers_200(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_readyz_checks_the_database(client):
    response = client.get("/readyz", headers=MONITORING)
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ready",
        "attention": [],
        "detail": {
            "database": "ok",
            "outbox": {"pending": 0, "dead": 0, "oldest_pending_at": None},
            "undecided_events": 0,
        },
    }


def test_readyz_names_dead_lettered_helpdesk_actions(client, connection_id, sessions):  # noqa: F811 - the fixture imported above
    """Issue 8 item 19: a failed helpdesk action is visible where the operator on call looks."""
    from plugin.models import OutboxAction

    with sessions() as s, s.begin():
        s.add(
            OutboxAction(
                connection_id=connection_id,
                ticket_id="44",
                kind="set_flag",
                state="dead",
                payload={"kind": "set_flag", "value": "x"},
                idempotency_key="dead-1",
                attempts=8,
                last_error="HTTP 400",
            )
        )
        s.add(
            OutboxAction(
                connection_id=connection_id,
                ticket_id="45",
                kind="add_note",
                payload={"kind": "add_note", "text": "x"},
                idempotency_key="pending-1",
            )
        )
    body = client.get("/readyz", headers=MONITORING).get_json()
    assert body["status"] == "ready", "the service still receives webhooks"
    assert body["detail"]["outbox"]["dead"] == 1 and body["detail"]["outbox"]["pending"] == 1
    assert body["detail"]["outbox"]["oldest_pending_at"]
    assert "1 helpdesk action(s) refused for good" in body["attention"][0] and "/admin/outbox" in body["attention"][0]


def test_readyz_names_webhook_events_the_worker_has_not_decided(app, cast, connection_id, sessions, settings):  # noqa: F811 - the fixture imported above
    """Issue 12: the webhook only stores events; if no worker decides them, the operator on call sees it."""
    import datetime as dt

    import time_machine

    from tests.helpers import active_restriction
    from tests.webhooks.conftest import fixture_body

    active_restriction(cast)
    plain = app.test_client()  # no worker beside it
    assert (
        plain.post(
            webhook_path(settings, connection_id), json=fixture_body("django-helpdesk-ticket-created")
        ).status_code
        == 200
    )
    assert plain.get("/readyz", headers=MONITORING).get_json()["attention"] == [], (
        "just arrived: the worker has a moment"
    )
    with time_machine.travel(dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=3), tick=False):
        body = plain.get("/readyz", headers=MONITORING).get_json()
    assert body["detail"]["undecided_events"] == 1
    assert "1 webhook event(s) waiting over 2 minutes" in body["attention"][0] and "worker" in body["attention"][0]


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path):
    from plugin.app import create_app

    app = create_app({"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "INSTANCE_PATH": str(tmp_path)})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert "database" in response.get_json()["reason"]


def test_without_the_monitoring_token_readyz_says_only_whether_it_is_ready(client):
    """Issue 21: the outbox and event counts are for monitoring, not for anyone who asks; /healthz stays open."""
    assert client.get("/readyz").get_json() == {"status": "ready"}
    wrong = {"Authorization": "Bearer not-the-monitoring-token"}
    assert client.get("/readyz", headers=wrong).get_json() == {"status": "ready"}
    assert client.get("/healthz").status_code == 200

"""The webhook's insert on PostgreSQL takes a pooled connection without pinging it first (one round trip less
per delivery, issue 12); a connection the server has closed is found by the insert, and the delivery is stored
on a new one. Helpdesks retry a failed delivery, but a database restart must not cost one."""

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.helpers import webhook_path
from tests.webhooks.conftest import fixture_body


def _close_the_apps_connections(url: str) -> int:
    """What a database restart or an idle timeout does to the pool: the server ends every other session."""
    database = make_url(url).database
    admin = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        return len(
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            ).fetchall()
        )


@pytest.mark.postgres_only
def test_a_delivery_after_the_server_closed_the_pooled_connection_is_stored_once(
    client, connection_id, stored, settings
):
    first = client.post(
        webhook_path(settings, connection_id), json=fixture_body("django-helpdesk-ticket-created", id=1)
    )
    assert first.status_code == 200
    assert _close_the_apps_connections(client.application.config["CONTACTGUARD"].DATABASE_URL) >= 1
    second = client.post(
        webhook_path(settings, connection_id), json=fixture_body("django-helpdesk-ticket-created", id=2)
    )
    assert second.status_code == 200, second.get_data(as_text=True)
    assert len(stored()) == 2, "both deliveries stored, each once"

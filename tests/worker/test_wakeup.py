"""Issue 11 item 3: a worker wakes when a webhook event or a helpdesk action is committed, not at its next poll.

The assertions are about what wakes the worker (committed work, and nothing else), never about
how fast: the speed is measured by `make bench` (time_to_flag_p99_ms).
"""

import threading

import pytest

from plugin.worker.wakeup import Waker
from tests.helpers import active_restriction, webhook_path
from tests.webhooks.conftest import fixture_body

NEVER = 30.0  # seconds: far longer than any wake-up; reaching it means no notification came


@pytest.fixture
def waker(settings):
    stop = threading.Event()
    waker = Waker(settings.DATABASE_URL, stop)
    yield waker
    stop.set()
    waker.close()


def _listening(waker) -> None:
    """LISTEN before the work is committed (a worker listens from the moment it starts)."""
    assert waker.wait(0.01) is False


@pytest.mark.postgres_only
def test_a_restricted_contact_committed_by_the_webhook_wakes_the_worker(
    waker, app, client, cast, connection_id, settings
):
    active_restriction(cast)
    _listening(waker)
    assert (
        client.post(
            webhook_path(settings, connection_id), json=fixture_body("django-helpdesk-ticket-created")
        ).status_code
        == 200
    )
    assert waker.wait(NEVER) is True, "woken by the committed outbox actions"
    assert waker.wait(0.2) is False, "one wake-up for one delivery: the rest were swallowed with it"


@pytest.mark.postgres_only
def test_every_stored_event_wakes_the_worker_and_a_rolled_back_write_wakes_no_one(
    waker, app, cast, connection_id, sessions, settings
):
    """Issue 12: the webhook only stores the event; the worker must wake to decide it, restricted or not."""
    from plugin.models import OutboxAction

    plain = app.test_client()  # no decision step beside it: the stored event alone must wake the worker
    _listening(waker)
    assert (
        plain.post(
            webhook_path(settings, connection_id), json=fixture_body("django-helpdesk-ticket-created")
        ).status_code
        == 200
    )
    assert waker.wait(NEVER) is True, "an unrestricted customer's event is decided by the worker too"
    with sessions() as session, session.begin():
        session.add(
            OutboxAction(
                connection_id=connection_id,
                ticket_id="1",
                kind="add_note",
                payload={},
                idempotency_key="never-committed",
            )
        )
        session.flush()
        session.rollback()
    assert waker.wait(0.5) is False, "nothing committed: no one woken"


@pytest.mark.postgres_only
def test_a_lost_listening_connection_falls_back_to_polling_and_listens_again(
    waker, client, cast, connection_id, settings
):
    _listening(waker)
    waker.connection.close()  # as when the database restarts
    assert waker.wait(0.05) is False, "no error: it polls"
    active_restriction(cast)
    _listening(waker)
    assert (
        client.post(
            webhook_path(settings, connection_id), json=fixture_body("django-helpdesk-ticket-created")
        ).status_code
        == 200
    )
    assert waker.wait(NEVER) is True


def test_the_wait_ends_at_once_when_the_worker_is_stopping_and_sqlite_just_polls(settings):
    stop = threading.Event()
    waker = Waker(settings.DATABASE_URL, stop)
    try:
        assert waker.wait(0.01) is False
        assert (waker.connection is None) == settings.DATABASE_URL.startswith("sqlite"), (
            "SQLite has no notifications: nothing to listen on"
        )
        stop.set()
        assert waker.wait(NEVER) is False, "returns at once when the worker is stopping"
    finally:
        waker.close()


@pytest.mark.postgres_only
def test_putting_dead_actions_back_wakes_the_worker_and_a_lease_renewal_does_not(waker, connection_id, sessions):
    """`outbox retry` makes dead actions due now: the worker wakes; changing a pending row (a claim, a lease, a
    backoff) makes nothing newly due and wakes no one."""
    import datetime as dt

    from plugin.clock import utcnow
    from plugin.models import OutboxAction
    from plugin.worker import outbox

    with sessions() as session, session.begin():
        session.add(
            OutboxAction(
                connection_id=connection_id,
                ticket_id="7",
                kind="add_note",
                payload={},
                idempotency_key="dead-one",
                state="dead",
                attempts=8,
            )
        )
        session.add(
            OutboxAction(
                connection_id=connection_id, ticket_id="8", kind="add_note", payload={}, idempotency_key="pending-one"
            )
        )
    _listening(waker)
    waker.wait(0.2)  # the inserts above notified (their trigger); take that one away
    with sessions() as session, session.begin():
        row = session.query(OutboxAction).filter_by(idempotency_key="pending-one").one()
        row.next_attempt_at = utcnow() + dt.timedelta(minutes=1)
    assert waker.wait(0.5) is False
    with sessions() as session, session.begin():
        assert outbox.retry(session) == 1
    assert waker.wait(NEVER) is True

"""The webhook's insert on the driver's cursor (webhooks/event_insert.py) stores what the ORM would, on both
databases: the same row read back through SQLAlchemy, and SQLAlchemy's own errors for a duplicate, a value the
database refuses and a database that is gone."""

import datetime as dt

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

from plugin.models import WebhookEvent
from plugin.services.pipeline import event_from, pending_row
from tests.conftest import ON_POSTGRES
from webhooks.event_insert import EventInsert

from .conftest import new_ticket

RECEIVED = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))  # 23:30 UTC the day before


def _insert_on_driver(engine, row):
    with engine.begin() as connection:
        EventInsert(engine.dialect).execute(connection.connection.dbapi_connection, row)


def _read(sessions, key):
    with sessions() as session:
        return session.scalar(select(WebhookEvent).where(WebhookEvent.delivery_key == key))


def test_a_row_stored_on_the_driver_reads_back_as_the_orm_stores_it(engine, sessions, connection_id):
    event = new_ticket("drv-1", ticket="71")
    _insert_on_driver(engine, pending_row(connection_id, event, RECEIVED))
    with engine.begin() as connection:
        connection.execute(insert(WebhookEvent), pending_row(connection_id, new_ticket("orm-1", ticket="71"), RECEIVED))
    driver, orm = _read(sessions, "drv-1"), _read(sessions, "orm-1")
    assert driver.received_at == orm.received_at == dt.datetime(2026, 3, 28, 23, 30, tzinfo=dt.timezone.utc)
    assert (driver.outcome, driver.reason, driver.screen_hits, driver.ticket_id) == (
        orm.outcome,
        orm.reason,
        orm.screen_hits,
        orm.ticket_id,
    )
    assert {**driver.inbound, "delivery_key": "orm-1"} == orm.inbound
    assert event_from(driver.inbound) == event, "the worker gets back the event as the adapter read it"


def test_a_repeated_delivery_is_sqlalchemys_integrity_error(engine, connection_id, stored):
    row = pending_row(connection_id, new_ticket("drv-2"), RECEIVED)
    _insert_on_driver(engine, row)
    with pytest.raises(IntegrityError):
        _insert_on_driver(engine, row)
    assert stored() == ["drv-2"]


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite stores text of any length in a VARCHAR(64)")
def test_a_value_postgresql_refuses_is_sqlalchemys_data_error_without_the_values(engine, connection_id, stored):
    row = pending_row(connection_id, new_ticket("drv-3", ticket="9" * 65), RECEIVED)
    with pytest.raises(DataError) as refused:
        _insert_on_driver(engine, row)
    assert "9" * 65 not in str(refused.value), "the values (personal data) stay out of the message"
    assert stored() == []


def test_a_closed_driver_connection_is_an_error_that_says_so(engine, connection_id):
    """What EventStore retries on once with a new connection (tests/ingest/test_closed_connection.py)."""
    raw = engine.raw_connection()
    try:
        raw.driver_connection.close()
        with pytest.raises(DBAPIError) as failed:
            EventInsert(engine.dialect).execute(
                raw.dbapi_connection, pending_row(connection_id, new_ticket("x"), RECEIVED)
            )
        assert failed.value.connection_invalidated
    finally:
        raw.invalidate()
        raw.close()

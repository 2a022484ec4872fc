"""Issue 24: the webhook's autocommit pool on PostgreSQL keeps the connections a burst needed. With SQLAlchemy's
default (5 kept, 10 more opened as needed and closed on return), every burst of more than five deliveries at once
started new server processes again (a fork and the authentication each): a profile of `contactguard serve` under
load found 4% of the web's CPU there, and PostgreSQL forked a backend every few deliveries."""

import threading

import pytest
from sqlalchemy import event, text

from plugin.db import POOL_SIZE, make_engine

AT_ONCE = 8  # WEB_THREADS' default: the requests a web worker runs at once


@pytest.mark.postgres_only
def test_bursts_of_concurrent_inserts_reuse_the_connections_the_first_burst_opened(settings):
    engine = make_engine(settings.DATABASE_URL, pre_ping=False, autocommit=True)
    opened: list[object] = []
    event.listen(engine, "connect", lambda dbapi_connection, _record: opened.append(dbapi_connection))
    try:
        for _burst in range(5):
            ready = threading.Barrier(AT_ONCE)

            def deliver(ready: threading.Barrier = ready) -> None:
                with engine.connect() as connection:
                    ready.wait(10)  # all AT_ONCE hold a connection at the same moment
                    connection.execute(text("SELECT 1"))

            threads = [threading.Thread(target=deliver) for _ in range(AT_ONCE)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
        assert len(opened) == AT_ONCE, "the first burst opened its connections; the four after it opened none"
        assert engine.pool.checkedin() == AT_ONCE <= POOL_SIZE
    finally:
        engine.dispose()

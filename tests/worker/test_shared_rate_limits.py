"""Worker processes share each helpdesk account's rate limit through PostgreSQL (issue 12 item 3: the outbox
drains at the helpdesk's limit without a 429 storm, however many workers there are)."""

import threading
import time

import pytest

from adapters import ratelimit
from plugin.db import make_engine
from plugin.worker.rate_limits import PostgresBuckets, share_between_workers, stop_sharing


@pytest.fixture
def stores(settings):
    """Two stores on two engines: what two `contactguard worker` processes hold."""
    engines = [make_engine(settings.DATABASE_URL) for _ in range(2)]
    yield [PostgresBuckets(e) for e in engines]
    for engine in engines:
        engine.dispose()


@pytest.mark.postgres_only
def test_two_workers_reserving_together_are_paced_to_one_limit(stores):
    """20 calls from two processes against 10 a second with a burst of 2: the reservations queue one after
    another across both, so the last waits about 1.8 s (each process alone would have let its tenth go
    at 0.8 s)."""
    waits: list[float] = []
    lock = threading.Lock()

    def calls(store):
        for _ in range(10):
            reserved, wait = store.reserve("acct", rate=10.0, burst=2.0, cost=1.0, max_wait=5.0)
            assert reserved
            with lock:
                waits.append(wait)

    started = time.monotonic()
    threads = [threading.Thread(target=calls, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    elapsed = time.monotonic() - started
    assert len(waits) == 20
    assert sorted(waits)[:2] == [0.0, 0.0], "the burst goes at once"
    assert max(waits) >= 1.8 - elapsed, "18 tokens beyond the burst take 1.8 s at 10 a second"


@pytest.mark.postgres_only
def test_a_wait_longer_than_allowed_reserves_nothing(stores):
    first, second = stores
    assert first.reserve("acct", rate=1.0, burst=1.0, cost=1.0, max_wait=0.0) == (True, 0.0)
    reserved, wait = second.reserve("acct", rate=1.0, burst=1.0, cost=1.0, max_wait=0.5)
    assert not reserved and 0.5 < wait <= 1.0
    reserved, wait_again = second.reserve("acct", rate=1.0, burst=1.0, cost=1.0, max_wait=0.5)
    assert not reserved and wait_again <= wait, "the refused call took no tokens"


@pytest.mark.postgres_only
def test_a_429_seen_by_one_worker_holds_the_other(stores):
    """The helpdesk's Retry-After holds every process, not only the one that was told."""
    first, second = stores
    first.hold("acct", rate=10.0, seconds=30.0)
    reserved, wait = second.reserve("acct", rate=10.0, burst=10.0, cost=1.0, max_wait=2.0)
    assert not reserved and 29.0 < wait <= 30.1


@pytest.mark.postgres_only
def test_a_worker_paces_its_calls_in_the_shared_table_keeping_only_a_hash_of_the_account(engine, sessions):
    """Some adapters key their bucket with the end of an API token; the table holds only a hash of it."""
    from sqlalchemy import select

    from plugin.models import RateLimitBucket

    share_between_workers(engine)
    try:
        bucket = ratelimit.bucket_for("front:tokenEND1", rate=2.0, burst=1.0)
        ratelimit.pace(bucket)
        with pytest.raises(ratelimit.RetryLater):
            ratelimit.pace(bucket, cost=10.0)  # 4.5 s away: rescheduled, not waited for
    finally:
        stop_sharing()
    with sessions() as s:
        rows = list(s.scalars(select(RateLimitBucket)))
    assert len(rows) == 1 and "tokenEND1" not in rows[0].account and len(rows[0].account) == 40
    assert rows[0].tokens <= 0.0, "the paced call took the only token"


class _Unreachable:
    def reserve(self, *args):
        raise ConnectionError("database gone")

    def hold(self, *args):
        raise ConnectionError("database gone")


def test_when_the_shared_store_fails_the_process_paces_alone(caplog):
    """A database blip must not fail helpdesk calls: the process's own bucket paces them meanwhile."""
    ratelimit.share_through(_Unreachable())
    try:
        bucket = ratelimit.bucket_for("zendesk:council", rate=1.0, burst=1.0)
        ratelimit.pace(bucket)
        with pytest.raises(ratelimit.RetryLater):
            ratelimit.pace(bucket, cost=5.0)
        bucket.hold_for(10.0)
        assert bucket.take() > 9.0, "a 429 still holds this process"
    finally:
        ratelimit.share_through(None)
    assert "shared rate limit unavailable (ConnectionError)" in caplog.text

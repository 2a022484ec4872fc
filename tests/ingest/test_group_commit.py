"""The webhook's event store (webhooks/group_commit.py): many requests' events in one durable commit.

Each test drives the batch itself (EventStore.commit_batch, the writer thread's step) so what shares a
transaction is known; the last one goes through the writer thread as the receiver does. On PostgreSQL the
receiver stores each event alone, but a batch must behave the same there too.
"""

import os
import threading

import pytest
from sqlalchemy.exc import DataError, OperationalError

from plugin.clock import utcnow
from tests.conftest import ON_POSTGRES
from webhooks import group_commit
from webhooks.group_commit import Delivery, EventStore

from .conftest import new_ticket


def _delivery(connection_id, *deliveries):
    return Delivery(connection_id, [new_ticket(key, ticket=str(40 + n)) for n, key in enumerate(deliveries)], utcnow())


def test_a_duplicate_in_a_batch_loses_on_its_key_and_the_others_are_stored(engine, connection_id, stored):
    """A helpdesk retry arriving while its first delivery is in the same batch: stored once, and the other
    deliveries of the batch are stored and acknowledged as usual."""
    first, twin, other = (_delivery(connection_id, key) for key in ("d-1", "d-1", "d-2"))
    EventStore(engine).commit_batch([first, twin, other])
    assert (first.outcomes, twin.outcomes, other.outcomes) == (["accepted"], ["duplicate"], ["accepted"])
    assert all(d.error is None and d.committed.is_set() for d in (first, twin, other))
    assert stored() == ["d-1", "d-2"]


def test_a_delivery_seen_in_an_earlier_batch_is_a_duplicate_in_the_next(engine, connection_id, stored):
    store = EventStore(engine)
    store.commit_batch([_delivery(connection_id, "d-1")])
    again, new = _delivery(connection_id, "d-1"), _delivery(connection_id, "d-3")
    store.commit_batch([again, new])
    assert (again.outcomes, new.outcomes) == (["duplicate"], ["accepted"])
    assert stored() == ["d-1", "d-3"]


def test_a_value_the_database_refuses_fails_its_own_delivery_only(engine, connection_id, stored, monkeypatch):
    """A delivery whose insert the database refuses (DataError: 400 to the helpdesk) is undone whole, even its
    events already inserted; the batch's other deliveries are stored."""
    real_store = group_commit.store_event

    def refusing(insert, connection, delivery, event):
        if event.delivery_key == "bad-2":
            raise DataError("INSERT INTO webhook_events", {}, Exception("value too long"))
        return real_store(insert, connection, delivery, event)

    monkeypatch.setattr(group_commit, "store_event", refusing)
    before, bad, after = (
        _delivery(connection_id, "ok-1"),
        _delivery(connection_id, "bad-1", "bad-2"),
        _delivery(connection_id, "ok-2"),
    )
    EventStore(engine).commit_batch([before, bad, after])
    assert isinstance(bad.error, DataError) and bad.outcomes == []
    assert (before.outcomes, after.outcomes) == (["accepted"], ["accepted"])
    assert stored() == ["ok-1", "ok-2"], "bad-1 went with its delivery"


def test_a_failing_transaction_fails_every_delivery_and_stores_none(engine, connection_id, stored, monkeypatch):
    """The database itself failing mid-batch (a lost connection, a full disk): nothing of the batch is kept and
    every request hears it (503, so the helpdesk sends it again); nothing acknowledged is lost."""
    real_store = group_commit.store_event

    def failing(insert, connection, delivery, event):
        if event.delivery_key == "d-2":
            raise OperationalError("INSERT INTO webhook_events", {}, Exception("disk I/O error"))
        return real_store(insert, connection, delivery, event)

    monkeypatch.setattr(group_commit, "store_event", failing)
    batch = [_delivery(connection_id, key) for key in ("d-1", "d-2", "d-3")]
    EventStore(engine).commit_batch(batch)
    assert all(isinstance(d.error, OperationalError) and d.outcomes == [] for d in batch)
    assert all(d.committed.is_set() for d in batch), "every waiting request is released"
    assert stored() == []


def test_requests_from_many_threads_are_each_stored_once_and_answered_after_the_commit(engine, connection_id, stored):
    """The receiver's path: concurrent requests hand their events to the writer thread and return once the
    commit holding them is done; a repeated delivery among them is stored once."""
    store = EventStore(engine)
    keys = [f"t-{n}" for n in range(12)] + ["t-0", "t-5"]
    outcomes: dict[int, list[str]] = {}

    def request(n: int) -> None:
        outcomes[n] = store.store(connection_id, [new_ticket(keys[n], ticket=str(n))], utcnow())

    threads = [threading.Thread(target=request, args=(n,)) for n in range(len(keys))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(stored()) == sorted(set(keys)), "every acknowledged delivery is in the database, once"
    assert sorted(o for result in outcomes.values() for o in result) == ["accepted"] * 12 + ["duplicate"] * 2


def test_a_refused_value_reaches_the_request_that_sent_it(engine, connection_id, monkeypatch):
    def refusing(*args):
        raise DataError("INSERT INTO webhook_events", {}, Exception("value too long"))

    monkeypatch.setattr(group_commit, "store_event", refusing)
    with pytest.raises(DataError):
        EventStore(engine).store(connection_id, [new_ticket("d-9")], utcnow())


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's write-ahead log; PostgreSQL's commits are durable when they return")
def test_a_batch_is_on_disk_before_its_requests_are_answered(engine, connection_id, stored, monkeypatch):
    """An acknowledged delivery survives a power cut: the write-ahead log is synced after the batch commits
    and before `store` returns (outside the writer lock, so other writers do not wait for the disk)."""
    synced = []
    real_fsync = group_commit.os.fsync

    def fsync(fd):
        synced.append((os.readlink(f"/proc/self/fd/{fd}"), group_commit_lock_held(engine), stored()))
        return real_fsync(fd)

    monkeypatch.setattr(group_commit.os, "fsync", fsync)
    assert EventStore(engine).store(connection_id, [new_ticket("durable-1")], utcnow()) == ["accepted"]
    assert [(path.endswith("-wal"), held, keys) for path, held, keys in synced] == [(True, False, ["durable-1"])]


def group_commit_lock_held(engine) -> bool:
    from plugin.db import writer_lock_of

    return writer_lock_of(engine).held


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's write-ahead log; PostgreSQL's commits are durable when they return")
def test_a_batch_committed_while_the_log_is_synced_waits_for_the_next_sync(engine, connection_id, stored, monkeypatch):
    """The writer commits the next batch while the log is synced for the one before (the disk's wait no longer
    queues the writes); each request is answered only after a sync that began after its batch's commit."""
    first_sync, go_on, second_committed = threading.Event(), threading.Event(), threading.Event()
    syncs: list[list[str]] = []
    real_fsync, real_hand = group_commit.os.fsync, EventStore._hand_to_sync

    def fsync(fd):
        syncs.append(sorted(stored()))
        if len(syncs) == 1:
            first_sync.set()
            assert go_on.wait(10)
        return real_fsync(fd)

    def hand_to_sync(self, batch):
        real_hand(self, batch)
        if any(event.delivery_key == "second" for delivery in batch for event in delivery.events):
            second_committed.set()

    monkeypatch.setattr(group_commit.os, "fsync", fsync)
    monkeypatch.setattr(EventStore, "_hand_to_sync", hand_to_sync)
    store, answered = EventStore(engine), {}

    def request(key: str) -> None:
        answered[key] = store.store(connection_id, [new_ticket(key)], utcnow())

    first = threading.Thread(target=request, args=("first",))
    first.start()
    assert first_sync.wait(10)
    second = threading.Thread(target=request, args=("second",))
    second.start()
    assert second_committed.wait(10), "the second batch is committed while the first one's sync is under way"
    assert answered == {}, "neither is answered before a sync that follows its commit"
    go_on.set()
    first.join(10)
    second.join(10)
    assert answered == {"first": ["accepted"], "second": ["accepted"]}
    assert syncs == [["first"], ["first", "second"]]

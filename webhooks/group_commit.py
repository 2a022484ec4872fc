"""Storing the webhook's events: one durable commit for many requests on SQLite, autocommit on PostgreSQL.

SQLite has a single writer and a commit that waits for the disk (the log's sync, below) costs a few
milliseconds whatever it holds. So on SQLite the requests of one process hand their events to one writer
thread, which stores everything waiting in one transaction under the cross-process writer lock
(plugin.db.WriterLock), commits, and only then releases every request it holds: each answer still goes
back after its events are durably committed, and a crash before the commit loses nothing that was
acknowledged, because nothing in the batch was acknowledged yet.

A batch is first written as plain inserts. If one fails, the batch is undone and written again with each
delivery in a savepoint of its own and each event in a nested one, so a duplicate (a retry, a replay, a
concurrent twin) loses on the (connection, delivery key) unique key without touching the others, and a
value the database refuses fails its own delivery only. A failure of the transaction itself (the disk, the
lock) fails every delivery of the batch: none was stored.

Each batch is synced to disk before its requests are answered: in WAL mode with synchronous=NORMAL a commit
survives the process dying but may roll back after a power cut or an operating-system crash, and an
acknowledged delivery is never sent again by the helpdesk. synchronous=FULL would sync the write-ahead log
inside the commit, while the writer lock is held, so every other writer (the other web processes' batches,
the worker's decisions) would wait for the disk too. Instead the batch commits with NORMAL, releases the
lock, and then syncs the write-ahead log file itself (`_sync_log`): the same guarantee as FULL (FULL is
NORMAL plus that sync after each commit), with the disk's wait outside the lock, where the syncs of
several writers overlap. Nor does the writer thread wait for it: a sync thread syncs the log for every batch
committed before it began and then answers their requests, while the writer commits the next batch (answered
by the next sync). Under gevent the sync runs in gevent's thread pool, so the worker's loop goes on serving.
Frames a checkpoint has already copied into the database file were synced there by SQLite before the log
could be reused or removed.

PostgreSQL commits each insert by itself in autocommit mode (its commits are durable and concurrent).
Either way the insert is the same statement, run on the driver's cursor (webhooks/event_insert.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import queue
import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

from adapters.base import InboundEvent
from plugin.offload import off_the_event_loop
from plugin.services.pipeline import pending_row

from .event_insert import EventInsert

log = logging.getLogger(__name__)
MAX_BATCH = 64  # deliveries per commit: bounds how long one transaction holds SQLite's write lock
IDLE_SECONDS = 2.0  # the writer thread ends after this long without work (started again on demand)


@dataclass(eq=False)
class Delivery:
    """One request's events, waiting for the commit that stores them."""

    connection_id: str
    events: list[InboundEvent]
    now: dt.datetime
    outcomes: list[str] = field(default_factory=list)
    error: BaseException | None = None
    committed: threading.Event = field(default_factory=threading.Event)


def store_event(insert: EventInsert, driver_connection: Any, delivery: Delivery, event: InboundEvent) -> str:
    """Insert one event ('accepted'; committed with the connection's transaction, or at once in autocommit
    mode), or 'ignored'. A delivery seen before fails on the (connection, delivery key) unique key."""
    row = pending_row(delivery.connection_id, event, delivery.now)
    if row is None:
        return "ignored"
    insert.execute(driver_connection, row)
    return "accepted"


def write_batch(connection: Connection, batch: list[Delivery], insert: EventInsert) -> None:
    """Commit the batch's events. Plain inserts first (the common case: no duplicate, no refused value); if
    one fails, they are undone and the batch is stored again delivery by delivery in savepoints, so that a
    duplicate or a refused value touches only its own delivery."""
    try:
        with connection.begin():
            driver = connection.connection.dbapi_connection
            for delivery in batch:
                delivery.outcomes = [store_event(insert, driver, delivery, e) for e in delivery.events]
        return
    except (IntegrityError, DataError):
        pass  # rolled back: nothing of the batch is stored yet
    with connection.begin():
        for delivery in batch:
            store_delivery(connection, delivery, insert)


def store_delivery(connection: Connection, delivery: Delivery, insert: EventInsert) -> None:
    """Stage one delivery's events in a savepoint: its outcomes, or its error (its events undone) when the
    database refused one of its values. Errors of the transaction itself propagate."""
    try:
        with connection.begin_nested():
            delivery.outcomes = [_store_event(connection, delivery, event, insert) for event in delivery.events]
    except DataError as exc:
        delivery.outcomes, delivery.error = [], exc


def _store_event(connection: Connection, delivery: Delivery, event: InboundEvent, insert: EventInsert) -> str:
    try:
        with connection.begin_nested():
            return store_event(insert, connection.connection.dbapi_connection, delivery, event)
    except IntegrityError:
        log.info("duplicate delivery connection=%s delivery=%s", delivery.connection_id[:6], event.delivery_key)
        return "duplicate"


def _sync_log(engine: Engine) -> None:
    """Make everything committed to a SQLite database file durable: fsync its write-ahead log (what
    synchronous=FULL does inside each commit). Nothing to do on PostgreSQL (its commits are durable when they
    return) or for an in-memory database; a log already gone was checkpointed into the database, and synced."""
    database = engine.url.database or ""
    if database.startswith("file:"):  # a URI: its path, unless the database is in memory
        database = "" if "mode=memory" in database else database[len("file:") :].split("?", 1)[0]
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return
    try:
        fd = os.open(database + "-wal", os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        off_the_event_loop(os.fsync, fd)  # under gevent the loop serves other requests while the disk works
    finally:
        os.close(fd)


class EventStore:
    """Stores a delivery's events before the webhook answers; `store` returns each event's outcome
    ('accepted', 'ignored' or 'duplicate') and raises DataError for a value the database refuses."""

    def __init__(self, engine: Engine, max_batch: int = MAX_BATCH, idle_seconds: float = IDLE_SECONDS):
        self.engine, self.max_batch, self.idle_seconds = engine, max_batch, idle_seconds
        self.insert = EventInsert(engine.dialect)
        self.grouped = engine.dialect.name == "sqlite"
        self._queue: queue.SimpleQueue[Delivery] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._writer_pid: int | None = None  # the process whose writer thread is running, if any
        self._synced_lock = threading.Lock()
        self._unsynced: list[list[Delivery]] = []  # committed batches waiting for the log's sync
        self._syncer_pid: int | None = None  # the process whose sync thread is running, if any

    def store(self, connection_id: str, events: list[InboundEvent], now: dt.datetime) -> list[str]:
        delivery = Delivery(connection_id, list(events), now)
        if not self.grouped:
            return [self._store_alone(delivery, event) for event in delivery.events]
        with self._lock:
            self._queue.put(delivery)
            if self._writer_pid != os.getpid():  # none yet, idle and gone, or inherited across a fork
                self._writer_pid = os.getpid()
                threading.Thread(target=self._write_batches, name="webhook-writer", daemon=True).start()
        delivery.committed.wait()
        if delivery.error is not None:
            raise delivery.error
        return delivery.outcomes

    def _store_alone(self, delivery: Delivery, event: InboundEvent) -> str:
        """One insert, committed at once, on a pooled driver connection. A connection the server has closed (a
        restart, an idle timeout) is found by the insert itself instead of a ping before every webhook: the
        pool is then renewed and the insert tried once more. Safe to repeat: had the first one been committed,
        the second fails on the delivery key and the event is stored once."""
        for attempt in (1, 2):
            pooled = self.engine.raw_connection()
            try:
                outcome = store_event(self.insert, pooled, delivery, event)
                pooled.commit()  # nothing to do on the webhook's autocommit engine (plugin.app)
                return outcome
            except IntegrityError:
                log.info("duplicate delivery connection=%s delivery=%s", delivery.connection_id[:6], event.delivery_key)
                return "duplicate"
            except DBAPIError as exc:
                if not exc.connection_invalidated:
                    raise
                pooled.invalidate(exc.orig)
                self.engine.dispose(close=False)  # a restart closed the pool's other connections too
                if attempt == 2:
                    raise
                log.warning("webhook database connection was closed; storing again on a new one")
            finally:
                pooled.close()
        raise AssertionError("unreachable")

    def _write_batches(self) -> None:
        """The writer thread: commit whatever is waiting, as one batch, until idle for `idle_seconds`."""
        while True:
            try:
                batch = [self._queue.get(timeout=self.idle_seconds)]
            except queue.Empty:
                with self._lock:  # a request puts and checks for a writer under the same lock
                    if self._queue.empty():
                        self._writer_pid = None
                        return
                continue
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if self._write(batch):
                self._hand_to_sync(batch)

    def _hand_to_sync(self, batch: list[Delivery]) -> None:
        """A committed batch waits for the next sync of the log that starts after its commit; meanwhile the writer
        commits the next batch (its requests are answered by the same sync or the one after)."""
        with self._synced_lock:
            self._unsynced.append(batch)
            if self._syncer_pid == os.getpid():
                return
            self._syncer_pid = os.getpid()
        threading.Thread(target=self._sync_batches, name="webhook-log-sync", daemon=True).start()

    def _sync_batches(self) -> None:
        """The sync thread: sync the log for every batch committed so far, answer their requests, and again
        until none waits. Each batch's commit came before the sync that answers it."""
        while True:
            with self._synced_lock:
                batches, self._unsynced = self._unsynced, []
                if not batches:
                    self._syncer_pid = None
                    return
            self._sync_and_release(batches)

    def _sync_and_release(self, batches: list[list[Delivery]]) -> None:
        """Sync the log for batches already committed, then answer their requests (the error, if it failed:
        committed, but not known to be on disk, so not acknowledged)."""
        failure: BaseException | None = None
        try:
            _sync_log(self.engine)  # after the commit, outside the writer lock
        except BaseException as exc:  # noqa: BLE001 - re-raised below once the requests are answered
            log.warning("webhook log not synced deliveries=%d error=%s", sum(map(len, batches)), type(exc).__name__)
            failure = exc
        for batch in batches:
            _release(batch, failure)
        if failure is not None and not isinstance(failure, Exception):
            raise failure

    def _write(self, batch: list[Delivery]) -> bool:
        """Commit the batch (True); on a failure of the transaction release its requests with the error (False)."""
        try:
            with self.engine.connect() as connection:
                write_batch(connection, batch, self.insert)
            return True
        except BaseException as exc:  # the transaction failed: nothing of the batch is stored
            log.warning("webhook batch not stored deliveries=%d error=%s", len(batch), type(exc).__name__)
            _release(batch, exc)
            if not isinstance(exc, Exception):
                raise
            return False

    def commit_batch(self, batch: list[Delivery]) -> None:
        """Store `batch` in one durable transaction, then release every request waiting on it (the writer
        thread's steps, one batch at a time)."""
        if self._write(batch):
            self._sync_and_release([batch])


def _release(batch: list[Delivery], failure: BaseException | None) -> None:
    """Answer the batch's requests: their outcomes, or every one the failure."""
    for delivery in batch:
        if failure is not None:
            delivery.outcomes, delivery.error = [], failure
        delivery.committed.set()

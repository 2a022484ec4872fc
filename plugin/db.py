"""Engines and sessions: SQLite (WAL) in the instance folder by default, PostgreSQL by URL."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
import weakref
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT (RELEASE would commit); SQLAlchemy's
    # documented fix: turn it off here and emit BEGIN ourselves (_order_writers).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000:.0f}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


BUSY_SECONDS = 10.0  # how long a SQLite writer waits for the lock before giving up (also busy_timeout)
POLL_SECONDS = 0.0005  # how often a process waiting for another process's writer looks again


class WriterLock:
    """The order of a SQLite database's writers: every transaction (all begin IMMEDIATE, below) takes it first.

    SQLite has one writer at a time, and a writer that finds the database locked sleeps in its busy handler
    with growing pauses (1, 2, 5 ... 100 ms) whether or not the lock is freed meanwhile: under load the
    webhook's inserts and the worker's decisions then wait far longer than the writes take. Instead, the
    threads of a process queue on a mutex and are woken the moment the holder commits or rolls back, and the
    process holding the mutex takes an exclusive flock on a file beside the database, looking again every
    half millisecond while another process holds it. The kernel drops the flock if the process dies. A
    transaction that a thread opens while it already holds the lock (a nested session) does not wait for
    itself; it falls back to SQLite's busy handler, as before. Waiting longer than BUSY_SECONDS raises
    OperationalError, which the app answers with 503 (plugin/app.py)."""

    def __init__(self, path: Path | None, timeout: float = BUSY_SECONDS):
        self.path, self.timeout = path, timeout
        self._mutex = threading.Lock()
        self._owner: int | None = None  # the thread holding it
        self._held: dict[int, int | None] = {}  # DBAPI connection id -> its flocked file, while in a transaction
        os.register_at_fork(after_in_child=partial(_forget_parent, weakref.ref(self)))

    def forget_parent(self) -> None:
        """A forked child starts with no writer: the parent's transactions (and its flock) are the parent's."""
        self._mutex, self._owner, self._held = threading.Lock(), None, {}

    def acquire(self, connection_key: int) -> None:
        if self._owner == threading.get_ident():
            return  # nested in this thread's own transaction: SQLite's busy handler decides
        if not self._mutex.acquire(timeout=self.timeout):
            raise self._timed_out()
        try:
            self._held[connection_key] = self._flock()
        except BaseException:
            self._mutex.release()
            raise
        self._owner = threading.get_ident()

    @property
    def held(self) -> bool:
        """Whether some transaction of this process holds it."""
        return self._mutex.locked()

    def release(self, connection_key: int) -> None:
        """After the commit or rollback (a no-op for a connection that does not hold it)."""
        if connection_key not in self._held:
            return
        fd = self._held.pop(connection_key)
        if fd is not None:
            os.close(fd)  # drops the flock
        self._owner = None
        self._mutex.release()

    def _flock(self) -> int | None:
        if self.path is None:
            return None
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)  # its own open file: flock conflicts per file
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    raise self._timed_out() from None
                time.sleep(POLL_SECONDS)

    def _timed_out(self) -> OperationalError:
        return OperationalError(
            "BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked (writer lock not free in time)")
        )


def _forget_parent(lock: weakref.ref[WriterLock]) -> None:
    writer_lock = lock()
    if writer_lock is not None:
        writer_lock.forget_parent()


def _key(connection) -> int:
    """The DBAPI connection behind a pooled one: the same object from BEGIN to COMMIT or ROLLBACK."""
    return id(getattr(connection, "dbapi_connection", connection))


_writer_locks: weakref.WeakKeyDictionary[Engine, WriterLock] = weakref.WeakKeyDictionary()


def writer_lock_of(engine: Engine) -> WriterLock | None:
    """The writers' queue of a SQLite engine (None on PostgreSQL)."""
    return _writer_locks.get(engine)


def _order_writers(engine: Engine, lock: WriterLock) -> None:
    """Take `lock` at every BEGIN and release it after every COMMIT, ROLLBACK or close of a connection."""
    _writer_locks[engine] = lock

    def begin(connection) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")  # a WAL reader: one snapshot, no writer lock, waits for no one
            return
        # IMMEDIATE takes SQLite's write lock up front, so a writer never fails upgrading a read transaction.
        key = _key(connection.connection)
        lock.acquire(key)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            lock.release(key)
            raise

    def releasing(original):
        def call(connection, *args, **kwargs):
            try:
                return original(connection, *args, **kwargs)
            finally:
                lock.release(_key(connection))

        return call

    event.listen(engine, "begin", begin)
    dialect = engine.dialect
    dialect.do_commit = releasing(dialect.do_commit)  # type: ignore[method-assign]  # this engine's dialect only
    dialect.do_rollback = releasing(dialect.do_rollback)  # type: ignore[method-assign]  # as above
    dialect.do_close = releasing(dialect.do_close)  # type: ignore[method-assign]  # as above


def _private_file(path: Path) -> None:
    """Create the database file readable by its owner only; SQLite gives its -wal and -shm files the same mode."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def make_engine(url: str, pre_ping: bool = True, autocommit: bool = False) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout on every connection.

    PostgreSQL connections are pinged when taken from the pool (a round trip) unless `pre_ping` is False: for
    callers that retry a statement once when the connection turns out to be closed (the webhook's insert).
    `autocommit` (PostgreSQL only) makes each statement its own transaction, committed in its round trip."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _private_file(Path(parsed.database))
        engine = create_engine(url, connect_args={"timeout": BUSY_SECONDS})
        event.listen(engine, "connect", _sqlite_pragmas)
        _order_writers(engine, WriterLock(_writer_lock_path(parsed.database)))
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if autocommit:  # no transaction is ever left open, so none to roll back when a connection is returned
        return create_engine(
            parsed,
            pool_pre_ping=pre_ping,
            isolation_level="AUTOCOMMIT",
            pool_reset_on_return=None,
            pool_size=POOL_SIZE,
            max_overflow=POOL_SIZE,
        )
    return create_engine(parsed, pool_pre_ping=pre_ping, pool_size=POOL_SIZE, max_overflow=POOL_SIZE)


POOL_SIZE = 16
"""PostgreSQL connections a process keeps open. A worker's threads each hold one while they work (the drain's
OUTBOX_THREADS, the decider, the main loop), and a web worker's requests one each while they store an event (up to
WEB_THREADS at once): with SQLAlchemy's default of 5, the connections beyond it were closed on return and opened
again on the next pass or request, a new server process each time (a fork and the authentication), several times
a second under load (issue 24: the webhook's autocommit pool had kept the default, 4% of the web's CPU and a
backend started for every few deliveries)."""


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (the CLI prints them)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


READ_ONLY = "contactguard_read_only"


@contextmanager
def reading(factory: sessionmaker[Session]):
    """A session for reads only, ended by a rollback. On SQLite its transaction is a plain (deferred) BEGIN: a
    WAL reader, which takes no writer lock and so never waits behind a writer nor holds one up (the worker
    decides a batch this way, then writes it briefly, plugin/worker/decisions.py). It must not write."""
    bind = factory.kw["bind"]
    with factory(bind=bind.execution_options(**{READ_ONLY: True})) as session:
        try:
            yield session
        finally:
            session.rollback()


@contextmanager
def transaction(factory: sessionmaker[Session]):
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


def _writer_lock_path(database: str | None) -> Path | None:
    """The lock file beside the database file; None for an in-memory database (no other process sees it)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database + "-writelock")

"""SQLite's writers queue on plugin.db.WriterLock instead of sleeping in the busy handler.

The lock must be let go however a transaction ends (commit, rollback, an exception inside it), must not make
a thread wait for itself, and must make another process's writer wait: nothing else keeps SQLite's writers
apart without the busy handler's sleeps. PostgreSQL has row locks and no such queue.
"""

import fcntl
import os
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from plugin.db import WriterLock, writer_lock_of
from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="SQLite's writers' queue; PostgreSQL has none")


def test_a_sqlite_engine_has_a_writers_queue(engine):
    assert writer_lock_of(engine) is not None


def test_the_lock_is_held_for_the_transaction_and_let_go_at_commit(engine, sessions):
    lock = writer_lock_of(engine)
    with sessions() as session, session.begin():
        session.execute(text("SELECT 1"))
        assert lock.held
    assert not lock.held


def test_the_lock_is_let_go_when_the_transaction_raises(engine, sessions):
    lock = writer_lock_of(engine)
    with pytest.raises(RuntimeError), sessions() as session, session.begin():
        session.execute(text("SELECT 1"))
        raise RuntimeError("a bug in the middle of a write")
    assert not lock.held
    with engine.begin() as connection:  # the next writer gets in
        connection.execute(text("SELECT 1"))
    assert not lock.held


def test_the_lock_is_let_go_when_a_statement_fails(engine):
    lock = writer_lock_of(engine)
    with pytest.raises(OperationalError), engine.begin() as connection:
        connection.execute(text("INSERT INTO no_such_table VALUES (1)"))
    assert not lock.held


def test_a_session_closed_without_commit_lets_go(engine, sessions):
    lock = writer_lock_of(engine)
    session = sessions()
    session.execute(text("SELECT 1"))  # autobegins
    assert lock.held
    session.close()
    assert not lock.held


def test_another_thread_waits_for_the_holder_and_gets_in_after(tmp_path):
    """Threads of one process queue on the lock as processes do: while one holds it, another gets in only
    when it lets go (here it gives up after its timeout, with the 503's OperationalError, and holds nothing)."""
    lock = WriterLock(tmp_path / "db-writelock", timeout=0.05)
    lock.acquire(1)
    outcome = []

    def second_writer(key: int) -> None:
        try:
            lock.acquire(key)
            outcome.append("in")
            lock.release(key)
        except OperationalError:
            outcome.append("timed out")

    waiting = threading.Thread(target=second_writer, args=(2,))
    waiting.start()
    waiting.join()
    assert outcome == ["timed out"] and lock.held
    lock.release(1)
    after = threading.Thread(target=second_writer, args=(3,))
    after.start()
    after.join()
    assert outcome == ["timed out", "in"] and not lock.held


def test_a_nested_transaction_in_the_same_thread_does_not_wait_for_itself(tmp_path):
    lock = WriterLock(tmp_path / "db-writelock", timeout=0.2)
    lock.acquire(1)
    lock.acquire(2)  # the same thread: returns at once, SQLite's own busy handling decides
    lock.release(2)
    assert lock.held, "the outer transaction still holds it"
    lock.release(1)
    assert not lock.held


def test_a_writer_in_another_process_holds_it_off_until_the_timeout(tmp_path):
    """The flock on the file beside the database, as another process's writer holds it: this process's
    writer gets OperationalError after the timeout (503 to a webhook) and holds nothing; once the other
    process lets go, it gets in."""
    path = tmp_path / "db-writelock"
    other_process = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(other_process, fcntl.LOCK_EX)
    lock = WriterLock(path, timeout=0.05)
    with pytest.raises(OperationalError, match="database is locked"):
        lock.acquire(1)
    assert not lock.held
    os.close(other_process)
    lock.acquire(1)
    assert lock.held
    lock.release(1)


def test_a_forked_child_does_not_inherit_the_parents_transaction(tmp_path):
    lock = WriterLock(tmp_path / "db-writelock", timeout=0.2)
    lock.acquire(1)
    pid = os.fork()
    if pid == 0:  # the child: the parent's holder is not its own, and the parent's flock keeps it out
        try:
            lock.acquire(7)
            code = 1  # it should have timed out
        except OperationalError:
            code = 0 if not lock.held else 2
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    lock.release(1)
    assert os.waitstatus_to_exitcode(status) == 0

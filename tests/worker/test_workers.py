"""Several workers: one scheduler elected by a PostgreSQL advisory lock; concurrent sweeps act once."""

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select, text

from plugin.models import ClockNotice, OutboxAction
from plugin.worker.scheduler import Election, make_scheduler, stop_scheduler
from plugin.worker.sweeps import run_sweeps
from tests.worker.test_sweeps import _restriction_on


@pytest.mark.postgres_only
def test_exactly_one_worker_holds_the_scheduler_lock_and_another_takes_over(settings):
    """Design decision 5: a Postgres advisory lock makes one worker the scheduler."""
    first, second = Election(settings.DATABASE_URL), Election(settings.DATABASE_URL)
    try:
        assert first.try_lead() is True
        assert second.try_lead() is False
        assert first.try_lead() is True, "the leader keeps its lock"
        first.resign()  # the leader dies: its connection, and so its lock, goes
        assert second.try_lead() is True
    finally:
        first.resign()
        second.resign()


def test_concurrent_sweeps_do_each_act_once(cast, sessions, settings):
    """Two workers sweeping at the same moment: every reminder, escalation and lapse happens once."""
    for n in range(6):
        _restriction_on(cast, dt.date(2026, 1, 12), review_due="2026-03-02", ends_on=f"2026-03-{n + 3:02d}")
    errors = []

    def sweep():
        try:
            run_sweeps(sessions, settings, today=dt.date(2026, 3, 10))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    run_sweeps(sessions, settings, today=dt.date(2026, 3, 10))
    with sessions() as s:
        kinds = dict(s.execute(select(ClockNotice.kind, func.count()).group_by(ClockNotice.kind)).all())
        letters = s.scalar(select(func.count()).select_from(OutboxAction))
    assert not [e for e in errors if "locked" not in str(e)], errors
    assert kinds.get("lapse") == 6
    assert letters == 0, "no helpdesk tickets were flagged, so there is nothing to remove"


def test_the_scheduler_keeps_no_settings_or_secrets_in_the_database(engine, sessions, settings):
    """Issue 9 item 1: APScheduler's job store pickled the settings (secret key, database password) into
    `apscheduler_jobs`; the sweep job now lives in the elected worker's memory only."""
    from sqlalchemy import inspect

    settings = settings.replace(SECRET_KEY="do-not-store-me-anywhere")
    scheduler = make_scheduler(sessions, settings)
    scheduler.start(paused=True)
    try:
        job = scheduler.get_job("sweeps")
        assert job is not None and job.trigger.interval == dt.timedelta(minutes=10)
        assert job.next_run_time is not None
        assert "apscheduler_jobs" not in inspect(engine).get_table_names()
        with engine.connect() as conn:
            for table in inspect(engine).get_table_names():
                dump = " ".join(str(row) for row in conn.execute(text(f'SELECT * FROM "{table}"')))
                assert "do-not-store-me-anywhere" not in dump, table
    finally:
        stop_scheduler(scheduler)


def test_the_migration_drops_an_old_job_store_with_its_pickled_settings(tmp_path):
    """Databases upgraded from an earlier version lose the `apscheduler_jobs` table and what it held."""
    from sqlalchemy import create_engine, inspect

    from plugin import migrate

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    migrate.upgrade(url, "0005")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE apscheduler_jobs (id VARCHAR(191) PRIMARY KEY, next_run_time FLOAT, "
                "job_state BLOB NOT NULL)"
            )
        )
    migrate.upgrade(url)
    assert "apscheduler_jobs" not in inspect(engine).get_table_names()
    engine.dispose()

"""The worker process: every worker decides stored webhook events and drains the outbox; one elected worker
runs the clock's sweeps.

APScheduler 3.x runs the sweep job in memory, in the elected worker only: nothing is pickled
into the database (a job store would hold the settings, secret key and database password
included). Nothing is lost by that: every sweep is idempotent and the elected worker catches up
at once when it starts. On PostgreSQL a session-level advisory lock elects the scheduler: the
worker holding it schedules; the others try again every few seconds and take over when its
connection (and so its lock) goes away.
"""

from __future__ import annotations

import logging
import os
import threading

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Connection, text

from ..config import Settings
from ..db import make_engine
from ..secretbox import check_key
from . import decisions, outbox, rate_limits, sweeps
from .wakeup import Waker

log = logging.getLogger(__name__)
SCHEDULER_LOCK = 0x636F6E74  # "cont": the advisory lock id that elects the scheduler
SWEEP_MINUTES = 10
DRAIN_BATCH = 50  # actions claimed per outbox pass
LINGER = 0.02  # seconds the decider waits after a part batch: a few more events per batch, far within time to flag


def run_sweeps_job(sessions, settings: Settings) -> None:
    """The periodic sweep job; a failure is logged and the next run tries again."""
    try:
        sweeps.run_sweeps(sessions, settings)
    except Exception:  # keep the scheduler alive
        log.exception("sweep pass failed")


class Election:
    """Holds the scheduler lock on PostgreSQL; on SQLite the single worker is the scheduler."""

    def __init__(self, url: str):
        self.engine = make_engine(url)
        self.connection: Connection | None = None

    def try_lead(self) -> bool:
        """True when this worker holds (or just took) the scheduler lock."""
        if self.engine.dialect.name != "postgresql":
            return True
        if self.connection is not None:
            return True
        conn = self.engine.connect()
        if conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": SCHEDULER_LOCK}).scalar():
            conn.commit()
            self.connection = conn
            return True
        conn.rollback()
        conn.close()
        return False

    def resign(self) -> None:
        """Let another worker take over."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        self.engine.dispose()


def make_scheduler(sessions, settings: Settings) -> BackgroundScheduler:
    """A scheduler with the sweep job in memory (never in the database); stop it with `stop_scheduler`."""
    scheduler = BackgroundScheduler(
        timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
    )
    scheduler.add_job(
        run_sweeps_job, "interval", minutes=SWEEP_MINUTES, args=[sessions, settings], id="sweeps", replace_existing=True
    )
    return scheduler


def stop_scheduler(scheduler: BackgroundScheduler) -> None:
    """Stop the scheduler."""
    scheduler.shutdown(wait=False)


def run_worker(sessions, settings: Settings, stop: threading.Event, interval: float = 2.0) -> None:
    """Drain the outbox forever; run the scheduler while elected. Refuses to start if the key is lost.

    Between passes the worker sleeps until new work is announced (PostgreSQL) or `interval` passes."""
    _yield_to_the_web()
    with sessions() as session:
        check_key(session, settings)
    election = Election(settings.DATABASE_URL)
    waker = Waker(settings.DATABASE_URL, stop)
    scheduler = None
    engine = sessions.kw["bind"]
    rate_limits.share_between_workers(engine)
    decider = None
    if engine.dialect.name == "postgresql":  # SQLite has one writer: there the loop below decides in turn
        decider = threading.Thread(target=_decide_until, args=(sessions, settings, stop, interval), name="decide")
        decider.start()
    try:
        while not stop.is_set():
            if scheduler is None and election.try_lead():
                log.info("this worker runs the scheduler")
                sweeps.run_sweeps(sessions, settings)  # catch up at once on start-up
                scheduler = make_scheduler(sessions, settings)
                scheduler.start()
            try:
                decided = 0 if decider else decisions.decide_pending(sessions, settings)  # stored by the webhook
                stats = outbox.drain_once(sessions, settings, limit=DRAIN_BATCH)
            except Exception:  # keep the worker alive; the next pass retries
                log.exception("worker pass failed")
                decided, stats = 0, None
            # A pass that got actions through looks again at once: a pass claims fewer than DRAIN_BATCH when a
            # ticket's later actions wait behind ones another worker holds, and those are due the moment it is
            # done (no NOTIFY announces them). One that got nothing through (none due, or a helpdesk backing
            # off or down) waits.
            busy = stats is not None and stats.done > 0
            if decided or busy:
                continue
            waker.wait(interval)  # a new action (PostgreSQL NOTIFY) or the interval, whichever comes first
    finally:
        stop.set()
        if decider is not None:
            decider.join(interval + 15)
        rate_limits.stop_sharing()
        waker.close()
        if scheduler is not None:
            stop_scheduler(scheduler)
        election.resign()


WORKER_NICE = 10
"""The worker's CPU priority below the web's. Where they share cores (`contactguard run`; a small server with
`contactguard serve` and `contactguard worker` side by side), a burst of webhooks is answered first, before
the helpdesk gives up on them (django-helpdesk waits 3 s), and the worker catches up after; measured on two
shared cores, gunicorn answered 0.81-0.90 of its rate alone with the worker beside it, against 0.61-0.75 at
the same priority. On a machine of its own the worker loses nothing."""


def _yield_to_the_web() -> None:
    """Lower this thread's priority to WORKER_NICE (once: a nice value only rises). On Linux a thread has its
    own, inherited by the threads it starts, so in `contactguard run` the web's threads keep theirs."""
    try:
        current = os.getpriority(os.PRIO_PROCESS, 0)
        if current < WORKER_NICE:
            os.setpriority(os.PRIO_PROCESS, 0, WORKER_NICE)
    except OSError:  # not allowed here (a container's policy): run at the priority given
        log.info("worker priority left at its default")


def _decide_until(sessions, settings: Settings, stop: threading.Event, interval: float) -> None:
    """On PostgreSQL the stored events are decided beside the drain, so neither waits for the other's batch:
    a burst of webhooks is decided while the helpdesk calls for earlier ones are being made."""
    waker = Waker(settings.DATABASE_URL, stop)
    try:
        while not stop.is_set():
            try:
                decided = decisions.decide_pending(sessions, settings)
            except Exception:  # keep deciding; the next pass retries
                log.exception("deciding stored events failed")
                decided = 0
            if decided >= decisions.BATCH:
                continue  # a full batch: more is waiting
            if decided:  # a part batch: let the next few arrive, so a steady stream is decided in batches too
                stop.wait(LINGER)
                continue
            waker.wait(interval)  # a new event (PostgreSQL NOTIFY) or the interval
    finally:
        waker.close()

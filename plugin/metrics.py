"""What /metrics reports to Prometheus, read from the database when it is scraped.

Nearly everything is counted from the tables every process shares (webhook_events, outbox_actions,
worker_heartbeats), so the numbers are the same whichever gunicorn worker answers the scrape, and
nothing has to be instrumented in the receiver or the outbox. The one in-process series is the
count of webhook HTTP responses by status class (refused deliveries are never stored): with several
gunicorn workers set PROMETHEUS_MULTIPROC_DIR to an empty directory writable by the service, so that
prometheus_client adds up every worker's count (docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
import os

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .clock import utcnow
from .models import Connection, OutboxAction, WebhookEvent, WorkerHeartbeat

OUTBOX_STATES = ("pending", "done", "dead")
SWEEPS = "sweeps"


def record_sweep_run(sessions, at: dt.datetime | None = None) -> None:
    """Called by the elected worker after each sweep pass (the 'no sweep for 30 minutes' alert reads it)."""
    moment = at or utcnow()
    with sessions() as session, session.begin():
        # One statement, so two passes finishing at once (a sweep run by hand beside the worker's) cannot both
        # insert the row: an upsert on each database.
        dialect = session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(WorkerHeartbeat).values(name=SWEEPS, at=moment)
        session.execute(statement.on_conflict_do_update(index_elements=["name"], set_={"at": moment}))


# In-process: every answer to POST /webhooks/<token>, by status class ('2xx', '4xx', '5xx').
WEBHOOK_RESPONSES = Counter(
    "contactguard_webhook_responses", "Answers to webhook deliveries by HTTP status class", ["status_class"]
)


def observe_webhook_response(status_code: int) -> None:
    WEBHOOK_RESPONSES.labels(status_class=f"{status_code // 100}xx").inc()


class DatabaseCollector:
    """Cheap grouped counts, one short read-only transaction per scrape."""

    def __init__(self, sessions):
        self.sessions = sessions

    def describe(self):
        return []  # collected at scrape time only; never during registration

    def collect(self):
        up = GaugeMetricFamily("contactguard_database_up", "1 when the database answered this scrape")
        try:
            with self.sessions() as session:
                families = list(self._families(session))
        except Exception:  # noqa: BLE001 - a scrape must answer; the alert on database_up says why
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self, session):
        events = CounterMetricFamily(
            "contactguard_webhook_events",
            "Webhook events recorded, by the connection's adapter and the decision",
            labels=["adapter", "outcome"],
        )
        decisions = CounterMetricFamily(
            "contactguard_decisions", "Decisions taken on contacts, by outcome", labels=["outcome"]
        )
        by_outcome: dict[str, int] = {}
        rows = session.execute(
            select(Connection.adapter, WebhookEvent.outcome, func.count())
            .join(Connection, Connection.id == WebhookEvent.connection_id)
            .group_by(Connection.adapter, WebhookEvent.outcome)
        ).all()
        for adapter, outcome, count in rows:
            events.add_metric([adapter, outcome], count)
            by_outcome[outcome] = by_outcome.get(outcome, 0) + count
        for outcome, count in sorted(by_outcome.items()):
            decisions.add_metric([outcome], count)
        yield events
        yield decisions

        states = dict(session.execute(select(OutboxAction.state, func.count()).group_by(OutboxAction.state)).all())
        gauge = GaugeMetricFamily(
            "contactguard_outbox_actions",
            "Helpdesk actions in the outbox by state (dead: gave up, needs a person)",
            labels=["state"],
        )
        for state in sorted(set(OUTBOX_STATES) | set(states)):
            gauge.add_metric([state], states.get(state, 0))
        yield gauge
        done = CounterMetricFamily("contactguard_outbox_done", "Helpdesk actions done")
        done.add_metric([], states.get("done", 0))
        yield done
        dead = CounterMetricFamily("contactguard_outbox_dead", "Helpdesk actions that gave up (dead letters)")
        dead.add_metric([], states.get("dead", 0))
        yield dead
        failed = CounterMetricFamily(
            "contactguard_outbox_failed_attempts",
            "Failed calls to helpdesks that were retried or gave up (sum of attempts)",
        )
        failed.add_metric([], session.scalar(select(func.coalesce(func.sum(OutboxAction.attempts), 0))) or 0)
        yield failed

        now = utcnow()
        oldest = session.scalar(select(func.min(OutboxAction.created_at)).where(OutboxAction.state == "pending"))
        age = GaugeMetricFamily(
            "contactguard_outbox_oldest_pending_age_seconds",
            "Age of the oldest helpdesk action still waiting (0 when none waits)",
        )
        age.add_metric([], max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        yield age

        down = GaugeMetricFamily(
            "contactguard_helpdesk_unreachable_seconds",
            "How long each helpdesk that stopped answering has been down (its actions wait, spending no attempts)",
            labels=["connection"],
        )
        for connection_id, since in session.execute(
            select(Connection.id, Connection.unreachable_since).where(Connection.unreachable_since.is_not(None))
        ):
            down.add_metric([connection_id[:6]], max(0.0, (now - since).total_seconds()))
        yield down

        sweep = session.get(WorkerHeartbeat, SWEEPS)
        last = GaugeMetricFamily(
            "contactguard_sweep_last_run_timestamp_seconds",
            "Unix time the elected worker last finished a sweep pass (0: never)",
        )
        last.add_metric([], sweep.at.timestamp() if sweep else 0.0)
        yield last


def registry_for(sessions) -> CollectorRegistry:
    """The registry /metrics serves: the database counts, plus the in-process counters (every gunicorn worker's,
    added up, when PROMETHEUS_MULTIPROC_DIR is set)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(sessions))
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_InProcess())
    return registry


class _InProcess:
    """The in-process counters of this module (not the default registry's process and platform series)."""

    def collect(self):
        yield from WEBHOOK_RESPONSES.collect()

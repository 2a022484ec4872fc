"""The simulation's engine: the register set up through the services, the accelerated clock, the agenda of the
day's contacts and officers' acts, the worker's steps, and the invariants checked at the end of every day.

The clock is time_machine's, as the tests move time: every `plugin.clock.utcnow()` the product calls (the
webhook's arrival, the decision, the outbox's leases and backoff, the sweeps' today) sees the simulated moment.
The day starts with the sweep pass the worker's scheduler runs after midnight (scheduler.run_sweeps_job, with
today from the council's clock); then the agenda runs in time order, each act followed by the worker's own
steps (decisions.decide_pending, outbox.drain_once) as a worker woken by the commit would run them; at 23:30
the outbox is drained to the end (moving the clock on through any backoff), and at 23:50 the invariants are
checked against the register and the recording helpdesk.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import heapq
import itertools
import logging
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import time_machine
from sqlalchemy import func, insert, select

from plugin.app import create_app, dispose
from plugin.config import Settings
from plugin.identity import normalise
from plugin.models import Customer, Identity, OutboxAction, WebhookEvent
from plugin.policy.vocabulary import Role
from plugin.services import Actor, Context, ServiceError
from plugin.services import connections as conns
from plugin.services import register as reg
from plugin.services.pipeline import PENDING
from plugin.worker import decisions, outbox, scheduler

from .contacts import Contacts
from .decider import Decider
from .helpdesk import RecordingHelpdesk
from .invariants import Invariants
from .stories import Stories
from .world import (
    AGENTS,
    EXTRA_SENIORS,
    OFFICERS_PER_SERVICE,
    SERVICES,
    SIGNING_SECRET,
    Options,
    Person,
    Staff,
    at_local,
)

log = logging.getLogger(__name__)
COUNCIL = {
    "COUNCIL_NAME": "Glasgow City Council (simulated)",
    "COUNCIL_ADDRESS": "City Chambers; George Square; Glasgow G2 1DU",
    "LETTER_SIGNATORY": "A. Senior",
    "LETTER_SIGNATORY_TITLE": "Head of Customer Services",
}
MAPPING = {
    "ticket_id": "/ticket/id",
    "requester_email": "/ticket/requester/email",
    "requester_phone": "/ticket/requester/phone",
    "addressee": "/ticket/assignee",
    "channel": "/ticket/via",
    "event_type": "/event",
    "delivery_id": "/delivery",
    "subject": "/ticket/subject",
    "text": "/comment/body",
    "occurred_at": "/ticket/at",
}
BATCHED_CONTACTS = 40  # independent contacts the worker may let queue before it catches up
SETTLE_STEPS = 120
STUCK_PASSES = 6  # passes without progress after which the day's drain stops waiting  # end-of-day drain passes, 30 simulated seconds apart (backoff after an injected 503)


@dataclass
class Result:
    """What a run did and found."""

    figures: dict[str, object] = field(default_factory=dict)
    checked: dict[str, int] = field(default_factory=dict)
    violations: dict[str, list[str]] = field(default_factory=dict)
    refusals: list[str] = field(default_factory=list)
    report_files: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(self.violations.values())


class Simulation:
    """One run over a migrated, empty database; `run()` returns the Result."""

    def __init__(
        self,
        settings: Settings,
        sessions,
        options: Options,
        hooks: list[Callable] | None = None,
        progress: bool = False,
    ):
        self.settings = settings.replace(**COUNCIL)
        self.sessions = sessions
        self.options = options
        self.hooks = list(hooks or [])
        self.progress = progress
        self.started = time.monotonic()
        self.rng = random.Random(options.seed)
        self.agenda: list[tuple[dt.datetime, int, Callable, tuple, bool]] = []
        self.undecided = 0  # contacts sent since the worker last caught up
        self.sequence = itertools.count()
        self.now = at_local(options.start, 0, 1)
        self.today = options.start
        self.staff: list[Staff] = []
        self.people: list[Person] = []
        self.by_id: dict[int, Person] = {}
        self.refused = Counter[str]()
        self.refusals: list[str] = []
        self.counts = Counter[str]()
        self.helpdesk = RecordingHelpdesk(SIGNING_SECRET, options.failure_rate)
        self.app = None
        self.client = None
        self.token = ""
        self.connection_id = ""
        self.traveller = None
        self.decider: Decider | None = None
        self.contacts = Contacts(self)
        self.stories = Stories(self)
        self.invariants = Invariants(self)

    # The clock -------------------------------------------------------------------------------------

    def move_to(self, when: dt.datetime) -> None:
        """Move the product's clock forward (never back) to `when`."""
        when = max(when, self.now)
        self.now = when
        self.traveller.move_to(when)

    def schedule(self, when: dt.datetime, act: Callable, *args, independent: bool = False) -> None:
        """Do `act(*args)` at `when` (or at once, if that moment has passed).

        An `independent` act (a contact from a customer with nothing in force) needs nothing decided before it
        and changes nothing a later decision reads, so the worker may catch up on a few of them at once; before
        any other act it has caught up, as a worker woken by each commit would have."""
        heapq.heappush(self.agenda, (max(when, self.now), next(self.sequence), act, args, independent))

    # Acting through the service layer ----------------------------------------------------------------

    @contextlib.contextmanager
    def act(self, who: Staff | None = None):
        """A unit of work as `who` (None: the system, as an admin at the server's shell)."""
        actor = who.actor if who is not None else Actor.system("simulation")
        with self.sessions() as session, session.begin():
            yield Context(session, actor, self.settings)

    def attempt(self, what: str, who: Staff | None, step: Callable[[Context], object], **ids) -> object | None:
        """Do one officer's act; a refusal is counted and kept (by ids and code) instead of stopping the run."""
        try:
            with self.act(who) as ctx:
                return step(ctx)
        except ServiceError as exc:
            self.refused[f"{what}:{exc.code}"] += 1
            shown = " ".join(f"{k}={v}" for k, v in ids.items())
            self.refusals.append(f"refused={what} day={self.today} {shown} code={exc.code}")
            return None

    # Set-up ----------------------------------------------------------------------------------------

    def setup(self) -> None:
        """Services, staff, customers and the helpdesk connection, added as an admin and officers would."""
        self.helpdesk.start()
        with self.act() as ctx:
            for slug, name in SERVICES + (("corporate", "Corporate Services"),):
                reg.add_service(ctx, {"slug": slug, "name": name})
        self._add_staff()
        self._add_customers()
        with self.act() as ctx:
            connection = conns.add(
                ctx,
                "generic",
                "Contact centre helpdesk",
                {
                    "mapping": MAPPING,
                    "event_types": {"created": "ticket.created", "replied": "ticket.customer_reply"},
                    "callback_url": self.helpdesk.url,
                    "allow_private_network": True,  # the recording helpdesk listens on loopback
                    "rate_limit_per_minute": 10000,
                },
                {"signing_secret": SIGNING_SECRET},
                test=False,
            )
            self.connection_id = connection.id
            self.token = conns.webhook_path(ctx.settings, connection).rsplit("/", 1)[1]
        config = {
            "DATABASE_URL": self.settings.DATABASE_URL,
            "INSTANCE_PATH": self.settings.INSTANCE_PATH,
            "TESTING": self.settings.TESTING,
            "LOG_LEVEL": self.settings.LOG_LEVEL,
        }
        if self.settings.SECRET_KEY:
            config["SECRET_KEY"] = self.settings.SECRET_KEY
        self.app = create_app(config)
        self.client = self.app.test_client()
        if self.app.extensions["contactguard.engine"].dialect.name == "postgresql":
            self.decider = Decider(self.sessions, self.settings).start()

    def _add_staff(self) -> None:
        agent_ids = itertools.count(501)
        plan: list[tuple[str, str, Role, str | None]] = []
        for slug, name in SERVICES:
            plan.append((f"{slug}.senior@council.example", f"{name} Senior Officer", Role.SENIOR, slug))
            for n in range(1, OFFICERS_PER_SERVICE + 1):
                plan.append((f"{slug}.officer{n}@council.example", f"{name} Officer {n}", Role.OFFICER, slug))
        for n in range(1, EXTRA_SENIORS + 1):
            plan.append((f"corporate.senior{n}@council.example", f"Corporate Senior Officer {n}", Role.SENIOR, None))
        plan.append(("business.support@council.example", "Business Support Officer", Role.OFFICER, "corporate"))
        for n in range(1, AGENTS + 1):
            plan.append((f"contact.agent{n}@council.example", f"Contact Centre Agent {n}", Role.AGENT, None))
        with self.act() as ctx:
            for email, name, role, service in plan:
                agent = str(next(agent_ids))
                officer = reg.add_officer(
                    ctx,
                    {
                        "email": email,
                        "name": name,
                        "role": role.value,
                        "service": service,
                        "helpdesk_ids": [{"connection": "", "agent_id": agent}],
                    },
                )
                self.staff.append(Staff(officer.id, email, name, role, service, agent))
            for slug, _ in SERVICES:  # each officer's standing deputy is the next officer of their service
                team = self.officers_of(slug)
                for n, officer in enumerate(team):
                    officer.deputy = team[(n + 1) % len(team)].email
                    reg.update_officer(ctx, officer.email, {"deputy": officer.deputy})

    def _add_customers(self) -> None:
        """The register's customers, loaded in bulk as an import from the council's CRM would load them: an
        e-mail address each (normalised as the register normalises it), a telephone number for the first
        thousand, a postal address for all but one in 25 (whose letters cannot go by post). Officers add nobody
        by hand in the simulation, so nothing else differs."""
        total = self.options.customers
        for start in range(0, total, 2000):
            batch = [
                Person(
                    i,
                    f"S{i:06d}",
                    f"resident{i}@example.org",
                    f"07700 9{i:05d}" if i < 1000 else None,
                    has_address=i % 25 != 0,
                )
                for i in range(start, min(total, start + 2000))
            ]
            with self.sessions() as session, session.begin():
                ids = dict(
                    session.execute(
                        insert(Customer).returning(Customer.reference, Customer.id),
                        [{"reference": p.ref, "name": f"Resident {p.index}", **_address(p)} for p in batch],
                    ).all()
                )
                identities = []
                for person in batch:
                    person.id = ids[person.ref]
                    identities.append(
                        {"customer_id": person.id, "kind": "email", "value": normalise("email", person.email)}
                    )
                    if person.phone:
                        identities.append(
                            {"customer_id": person.id, "kind": "phone", "value": normalise("phone", person.phone)}
                        )
                session.execute(insert(Identity), identities)
            for person in batch:
                self.people.append(person)
                self.by_id[person.id] = person

    # Who is who ------------------------------------------------------------------------------------

    def officers_of(self, service: str, active_only: bool = True) -> list[Staff]:
        return [
            s for s in self.staff if s.service == service and s.role == Role.OFFICER and (s.active or not active_only)
        ]

    def seniors(self) -> list[Staff]:
        return [s for s in self.staff if s.role == Role.SENIOR and s.active]

    def senior_of(self, service: str) -> Staff:
        return next(s for s in self.staff if s.role == Role.SENIOR and s.service == service)

    def agents(self) -> list[Staff]:
        return [s for s in self.staff if s.role == Role.AGENT]

    @property
    def support(self) -> Staff:
        return next(s for s in self.staff if s.email == "business.support@council.example")

    def staff_by_id(self, officer_id: int | None) -> Staff | None:
        return next((s for s in self.staff if s.id == officer_id), None)

    # The worker --------------------------------------------------------------------------------------

    def _independently(self, when: dt.datetime, act: Callable, args: tuple) -> None:
        """A contact needing nothing decided before it: the decision thread decides it while the next is sent (on
        SQLite, which has one writer, the worker catches up after every few of them instead)."""
        if self.undecided >= BATCHED_CONTACTS:
            self.work()
        self.move_to(when)
        act(*args)
        if self.decider is not None:
            self.decider.poke()
        else:
            self.undecided += 1

    @contextlib.contextmanager
    def caught_up(self):
        """Hold the decision thread off and catch up first: every earlier contact is decided before what follows."""
        if self.decider is None:
            self.work()
            yield
            return
        with self.decider.lock:
            self.decider.check()
            self.work()
            yield

    def work(self) -> None:
        """What a worker woken by the commit does: decide the stored events, then apply their actions."""
        self.undecided = 0
        while decisions.decide_pending(self.sessions, self.settings) >= decisions.BATCH:
            pass
        while True:
            stats = outbox.drain_once(self.sessions, self.settings, limit=scheduler.DRAIN_BATCH)
            if stats.done == 0:
                break  # nothing due, or only actions backing off after a failed call

    def waiting(self) -> int:
        """Events not yet decided and actions not yet done."""
        with self.sessions() as session:
            events = session.scalar(
                select(func.count()).select_from(WebhookEvent).where(WebhookEvent.outcome == PENDING)
            )
            actions = session.scalar(
                select(func.count()).select_from(OutboxAction).where(OutboxAction.state == "pending")
            )
        return events + actions

    def settle(self) -> None:
        """Drain everything before the day's checks, moving the clock on through any backoff; give up once nothing
        moves for a few passes (an event whose decision fails stays pending: the invariants report it)."""
        previous, unchanged = -1, 0
        for _ in range(SETTLE_STEPS):
            self.work()
            left = self.waiting()
            if not left:
                return
            unchanged = unchanged + 1 if left == previous else 0
            if unchanged >= STUCK_PASSES:
                return
            previous = left
            self.move_to(self.now + dt.timedelta(seconds=30))

    # The run ---------------------------------------------------------------------------------------

    def run(self) -> Result:
        self.started = started = time.monotonic()
        cpu = time.process_time()
        travel = time_machine.travel(self.now, tick=False)
        self.traveller = travel.start()
        try:
            self.setup()
            self.stories.plan_year()
            for n in range(min(self.options.days, self.options.stop_after or self.options.days)):
                self.run_day(self.options.start + dt.timedelta(days=n))
            result = self.result()
            if self.options.out is not None:
                from .report import write_report

                result.report_files = write_report(self)
        finally:
            if self.decider is not None:
                self.decider.stop()
            with contextlib.suppress(Exception):
                if self.app is not None:
                    dispose(self.app)
            self.helpdesk.stop()
            travel.stop()
        result.figures["cpu_seconds"] = round(time.process_time() - cpu, 1)  # this process; PostgreSQL's is not in it
        result.figures["wall_seconds"] = round(time.monotonic() - started, 1)
        return result

    def run_day(self, day: dt.date) -> None:
        if day.day == 1 and self.progress:
            elapsed = time.monotonic() - self.started
            print(f"simulation: {day} contacts={self.counts['contacts']} after {elapsed:.0f} s", file=sys.stderr)
        self.today = day
        with self.caught_up():
            self.move_to(at_local(day, 0, 5))
            scheduler.run_sweeps_job(self.sessions, self.settings)  # the scheduler's first pass after midnight
            self.work()
        self.contacts.plan_day(day)
        self.stories.plan_day(day)
        closing = at_local(day, 23, 30)
        while self.agenda and self.agenda[0][0] < closing:
            when, _, act, args, independent = heapq.heappop(self.agenda)
            if independent:
                self._independently(when, act, args)
                continue
            with self.caught_up():
                self.move_to(when)
                act(*args)
                self.work()
        with self.caught_up():
            self.move_to(closing)
            self.settle()
        for hook in self.hooks:
            hook(self, day)
        with self.caught_up():
            self.move_to(at_local(day, 23, 50))
            self.invariants.check(day)

    def result(self) -> Result:
        result = Result()
        result.figures = self.figures()
        result.checked = dict(self.invariants.checked)
        result.violations = {name: list(found) for name, found in self.invariants.violations.items()}
        result.refusals = list(self.refusals)
        return result

    def figures(self) -> dict[str, object]:
        from .figures import figures

        return figures(self)


GLASGOW_POSTCODES = ("G1 1XQ", "G2 1DU", "G3 8AG", "G4 0BA", "G5 9DS", "G11 6BL", "G12 8QQ", "G20 7TG", "G31 2HX")


def _address(person: Person) -> dict:
    """A Glasgow postal address for `person`, in the register's columns (none for one in 25)."""
    if not person.has_address:
        return {}
    return {
        "address_line_1": f"{person.index % 300 + 1} Example Street",
        "address_town": "Glasgow",
        "address_postcode": GLASGOW_POSTCODES[person.index % len(GLASGOW_POSTCODES)],
    }

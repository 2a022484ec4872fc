"""Customers' contacts: tickets opened at the helpdesk and sent to contactguard as signed generic webhooks.

Most contacts come from customers with nothing in force (and some from people not on the register at all),
more on working days and in office hours. Customers with a restriction in force write more often, and not
always within their arrangement: to their sole point of contact, to another officer, on a channel that is not
open to them, at a time outside their permitted hours (probes either side of each window, in BST and GMT),
with a request for information or with words that mean someone is at risk. A reply goes to one of the
customer's open tickets, addressed to whoever the helpdesk shows holding it. The simulation keeps what each
contact was (a request for information, a safeguarding text, a probe inside or outside the permitted times),
so the invariants can say whether it was treated as such.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
from bisect import bisect
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from adapters.generic.adapter import sign
from plugin.models import Officer, Restriction
from plugin.models.register import OfficerAbsence
from plugin.policy.lifecycle import IN_FORCE_VALUES

from .texts import INFORMATION_REQUESTS, ORDINARY, SAFEGUARDING
from .world import CALENDAR, SIGNING_SECRET, ZONE, Person, at_local

if TYPE_CHECKING:
    from .run import Simulation

GENERAL_CHANNELS = (("email", 0.5), ("web_form", 0.2), ("telephone", 0.2), ("letter", 0.05), ("chat", 0.05))
UNKNOWN_SENDERS = 0.08
RESTRICTED_DAILY = 0.3  # a restricted customer writes on about three days in ten
DIFFICULT_DAILY = 0.1
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Arrangement:
    """A restriction in force as the customer knows it (read from the register each morning)."""

    restriction: int
    spoc: int | None
    deputy: int | None
    channels: tuple[str, ...]
    windows: tuple[dict, ...]


@dataclass(frozen=True)
class Sent:
    """A contact the invariants look at again: its delivery and what it was."""

    delivery: str
    kind: str  # statutory | safeguarding | inside | outside
    customer: int | None
    day: dt.date
    phrase: int  # which of texts.INFORMATION_REQUESTS or texts.SAFEGUARDING it was (an index, never the text)


class Contacts:
    """The customers' side of the simulation."""

    def __init__(self, sim: Simulation):
        self.sim = sim
        self.rng = sim.rng
        self.tickets = itertools.count(100_001)
        self.deliveries = itertools.count(1)
        self.visitors = itertools.count(1)
        self.closing: dict[dt.date, list[str]] = {}
        self.watched: list[Sent] = []  # contacts the invariants check the decision of
        self.cumulative: list[float] = []

    # The day's contacts ----------------------------------------------------------------------------

    def plan_day(self, day: dt.date) -> None:
        sim, rng = self.sim, self.rng
        if not self.cumulative:
            weights = [1.0 / (1 + (n % 97)) ** 0.6 for n in range(len(sim.people))]  # a few write a lot
            self.cumulative = list(itertools.accumulate(weights))
        base = sim.options.contacts_per_working_day * len(sim.people) / 20_000
        if CALENDAR.is_working_day(day):
            mean = base
        elif day.weekday() < 5:
            mean = base * 0.3  # a bank holiday
        else:
            mean = base * (0.35 if day.weekday() == 5 else 0.25)
        for _ in range(max(0, round(rng.gauss(mean, math.sqrt(mean))))):
            sim.schedule(self._moment(day), self.general, independent=True)
        arrangements = self.arrangements()
        for customer_id, arrangement in arrangements.items():
            person = sim.by_id[customer_id]
            if rng.random() < RESTRICTED_DAILY * (1.0 if day.weekday() < 5 else 0.5):
                sim.schedule(self._moment(day), self.restricted, person)
            if arrangement.windows and rng.random() < 0.3:
                self._plan_probe(day, person, arrangement)
        for person in sim.people:
            if person.case is not None and person.id not in arrangements and rng.random() < DIFFICULT_DAILY:
                sim.schedule(self._moment(day), self.general, person)

    def _moment(self, day: dt.date) -> dt.datetime:
        """When a customer writes: mostly office hours on working days, evenings too, rarely at night."""
        rng = self.rng
        if rng.random() < 0.75:
            hour, minute = rng.randint(8, 17), rng.randint(0, 59)
        else:
            hour, minute = rng.choice((6, 7, 18, 19, 20, 21, 22)), rng.randint(0, 59)
        return at_local(day, hour, minute)

    def arrangements(self) -> dict[int, Arrangement]:
        """Customer id -> the restriction in force on them now, as the register has it."""
        with self.sim.sessions() as session:
            rows = session.execute(
                select(
                    Restriction.customer_id,
                    Restriction.id,
                    Restriction.spoc_officer_id,
                    Restriction.deputy_officer_id,
                    Restriction.allowed_channels,
                    Restriction.time_windows,
                )
                .where(Restriction.state.in_(IN_FORCE_VALUES))
                .order_by(Restriction.id)
            ).all()
        found: dict[int, Arrangement] = {}
        for customer, rid, spoc, deputy, channels, windows in rows:
            found.setdefault(customer, Arrangement(rid, spoc, deputy, tuple(channels or ()), tuple(windows or ())))
        return found

    # Kinds of contact --------------------------------------------------------------------------------

    def general(self, person: Person | None = None) -> None:
        """Someone writes about an everyday matter (now and then a request for information, or a crisis)."""
        rng = self.rng
        if person is None and rng.random() >= UNKNOWN_SENDERS:
            person = self.sim.people[bisect(self.cumulative, rng.random() * self.cumulative[-1])]
        kind, subject, text = self._content(0.025, 0.015)
        channel = rng.choices(*zip(*GENERAL_CHANNELS, strict=True))[0]
        if person is not None and person.open_tickets and rng.random() < 0.3:
            self.send(person, rng.choice(person.open_tickets), None, subject, text, kind, reply=True)
            return
        assignee = rng.choice(self.sim.agents()).agent if rng.random() < 0.6 else None
        self.send(person, None, channel, subject, text, kind, assignee=assignee)

    def restricted(self, person: Person) -> None:
        """A customer with a restriction in force writes: within the arrangement or not."""
        rng, sim = self.rng, self.sim
        arrangement = self.arrangements().get(person.id)
        if arrangement is None:
            self.general(person)
            return
        kind, subject, text = self._content(0.08, 0.08)
        if person.open_tickets and rng.random() < 0.35:
            self.send(person, rng.choice(person.open_tickets), None, subject, text, kind, reply=True)
            return
        spoc = sim.staff_by_id(arrangement.spoc)
        open_channels = [
            c for c in arrangement.channels if not any(c in w.get("channels", [c]) for w in arrangement.windows)
        ]
        closed = [
            c for c in ("email", "telephone", "letter", "web_form", "social_media") if c not in arrangement.channels
        ]
        u = rng.random()
        if u < 0.5 and open_channels:  # to the sole point of contact, on a channel open at any time
            assignee = spoc.agent if spoc is not None and rng.random() < 0.3 else None
            self.send(person, None, rng.choice(open_channels), subject, text, kind, assignee=assignee)
        elif u < 0.75:  # to another officer
            others = [s for s in sim.staff if s.id not in (arrangement.spoc, arrangement.deputy) and s.active]
            channel = rng.choice(arrangement.channels or ("email",))
            self.send(person, None, channel, subject, text, kind, assignee=rng.choice(others).agent)
        elif closed:  # on a channel that is not open to them
            self.send(person, None, rng.choice(closed), subject, text, kind)
        else:
            self.general(person)

    def _plan_probe(self, day: dt.date, person: Person, arrangement: Arrangement) -> None:
        """A new telephone ticket a few minutes either side of a window's start or end, on a day it applies."""
        day_code = DAYS[day.weekday()]
        windows = [w for w in arrangement.windows if day_code in w["days"]]
        if not windows:
            return
        window = self.rng.choice(windows)
        edge = dt.datetime.strptime(self.rng.choice((window["start"], window["end"])), "%H:%M")
        local = dt.datetime.combine(day, edge.time()) + dt.timedelta(minutes=self.rng.choice((-7, -3, 2, 6)))
        when = local.replace(tzinfo=ZONE).astimezone(dt.timezone.utc)
        self.sim.schedule(when, self.probe, person)

    def probe(self, person: Person) -> None:
        """An everyday contact on a channel with permitted times: within them or not, as the clock says now."""
        arrangement = self.arrangements().get(person.id)
        if arrangement is None:
            return
        local = self.sim.now.astimezone(ZONE)
        day_code, clock = DAYS[local.weekday()], local.strftime("%H:%M")
        channel = next((c for w in arrangement.windows for c in w.get("channels", [])), "telephone")
        applies = [w for w in arrangement.windows if not w.get("channels") or channel in w["channels"]]
        inside = any(day_code in w["days"] and w["start"] <= clock < w["end"] for w in applies)
        subject, text = self.rng.choice(ORDINARY)
        self.send(person, None, channel, subject, text, "inside" if inside else "outside")

    def _content(self, statutory: float, safeguarding: float) -> tuple[str, str, str]:
        """(kind, subject, text): kind is `statutory#N` or `safeguarding#N` (N indexes texts.py), or ordinary."""
        u = self.rng.random()
        for kind, share, phrasings in (
            ("statutory", statutory, INFORMATION_REQUESTS),
            ("safeguarding", statutory + safeguarding, SAFEGUARDING),
        ):
            if u < share:
                n = self.rng.randrange(len(phrasings))
                return (f"{kind}#{n}", *phrasings[n])
        return ("ordinary", *self.rng.choice(ORDINARY))

    # Sending -----------------------------------------------------------------------------------------

    def send(
        self,
        person: Person | None,
        ticket: str | None,
        channel: str | None,
        subject: str,
        text: str,
        kind: str,
        assignee: str | None = None,
        reply: bool = False,
    ) -> None:
        """Open the ticket at the helpdesk (or reply on one), then deliver the webhook, signed."""
        sim, helpdesk = self.sim, self.sim.helpdesk
        if ticket is None:
            ticket = str(next(self.tickets))
            helpdesk.open_ticket(ticket, person.index if person else None, channel or "email", assignee)
            if person is not None:
                person.open_tickets.append(ticket)
            closes = sim.today + dt.timedelta(days=self.rng.choice((0, 1, 2, 3, 5, 7, 10, 14)))
            self.closing.setdefault(closes, []).append(ticket)
        else:
            assignee = helpdesk.assignee_of(ticket)
            channel = channel or "email"
        email = person.email if person else f"visitor{next(self.visitors)}@mail.example"
        delivery = f"d{next(self.deliveries)}"
        requester = {"email": email}
        if person is not None and person.phone and channel == "telephone":
            requester["phone"] = person.phone
        body = {
            "event": "replied" if reply else "created",
            "delivery": delivery,
            "ticket": {
                "id": int(ticket),
                "requester": requester,
                "assignee": assignee,
                "via": channel,
                "subject": subject,
                "at": sim.now.isoformat(),
            },
            "comment": {"body": text},
        }
        raw = json.dumps(body).encode()
        response = sim.client.post(
            f"/webhooks/{sim.token}",
            data=raw,
            headers={"Content-Type": "application/json", "X-Signature-SHA256": "sha256=" + sign(SIGNING_SECRET, raw)},
        )
        if response.status_code != 200:
            sim.counts[f"webhooks_refused_{response.status_code}"] += 1
            return
        sim.counts["contacts"] += 1
        if kind != "ordinary":
            name, _, phrase = kind.partition("#")
            self.watched.append(
                Sent(f"id:{delivery}", name, person.id if person else None, sim.today, int(phrase or -1))
            )

    def close_tickets(self, day: dt.date) -> None:
        """The helpdesk's agents close the day's finished tickets."""
        due = [d for d in self.closing if d <= day]
        for ticket in [t for d in due for t in self.closing.pop(d)]:
            self.sim.helpdesk.close_ticket(ticket)
            customer = self.sim.helpdesk.tickets[ticket].customer
            if customer is not None:
                self.sim.people[customer].open_tickets.remove(ticket)


def absent_on(session, officer_ids: list[int], day: dt.date) -> set[int]:
    """Which of these officers are away on `day` (inactive, or on recorded leave)."""
    inactive = set(session.scalars(select(Officer.id).where(Officer.id.in_(officer_ids), Officer.active.is_(False))))
    away = set(
        session.scalars(
            select(OfficerAbsence.officer_id).where(
                OfficerAbsence.officer_id.in_(officer_ids),
                OfficerAbsence.starts_on <= day,
                OfficerAbsence.ends_on >= day,
            )
        )
    )
    return inactive | away

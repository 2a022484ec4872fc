"""What officers do over the year, through the service layer, on working days in office hours.

Each difficult customer's story follows one of the policy's paths: an incident and a warning first (about
half of those warned offend again within the follow-up window, as Glasgow reports: then a restriction after
the warning), a restriction without a warning for vexatious behaviour, an immediate restriction after a
serious threat, or an immediate action at the counter that a senior officer confirms, lifts or lets lapse.
A restriction in force then has its letter sent, may be appealed (on time, or late with a reason), is
reviewed (mostly on time, sometimes late), may be amended (a new sole point of contact, other channels,
permitted times), lifted early, or reach its end date. Officers take leave (their deputies cover) and two
leave the council (their cases move to colleagues first). Every act is a service call as the officer; a
refusal is counted and listed, never hidden.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import select

from plugin.models import Appeal, FormalWarning, Letter, Restriction
from plugin.policy.lifecycle import IN_FORCE_VALUES
from plugin.policy.vocabulary import Role
from plugin.services import appeals as ap
from plugin.services import incidents as inc
from plugin.services import letter_documents as docs
from plugin.services import letters as lt
from plugin.services import register as reg
from plugin.services import restrictions as rs
from plugin.services import reviews as rv

from .texts import INCIDENT_TEXT, WARNING_TEXT
from .world import (
    CALENDAR,
    SERVICES,
    Case,
    Person,
    Staff,
    at_local,
    working_day_on_or_after,
    working_day_on_or_before,
    working_days_after,
)

if TYPE_CHECKING:
    from .run import Simulation

KINDS = (("warn", 0.62), ("vexatious", 0.12), ("serious", 0.09), ("interim", 0.17))
CHANNEL_SETS = (("email",), ("email", "letter"), ("email", "telephone"), ("letter",), ("email", "web_form"))
PHONE_WINDOW = {"days": ["tue", "thu"], "start": "10:00", "end": "12:00", "channels": ["telephone"]}
APPEALABLE_LETTERS = ("restriction", "amendment", "warning")
REVIEW_ON_TIME = 0.85
SEND_METHODS = (("post_first_class", 0.6), ("email", 0.3), ("hand", 0.1))


class Stories:
    """The officers' side of the simulation."""

    def __init__(self, sim: Simulation):
        self.sim = sim
        self.rng = sim.rng
        self.letter_lag: dict[int, int] = {}  # letter id -> working days the officer takes to send it
        self.appeal_route: dict[int, bool] = {}  # letter id -> the written letter told the customer how to appeal
        self.former_spocs: dict[int, set[int]] = {}  # restriction id -> officers who were its SPOC before
        self.activated_on: dict[int, dt.date] = {}

    # Planning ----------------------------------------------------------------------------------------

    def plan_year(self) -> None:
        """Pick the difficult customers and when their stories start; plan leave and two officers leaving."""
        sim, rng, days = self.sim, self.rng, self.sim.options.days
        count = max(12, round(len(sim.people) * sim.options.difficult_share))
        chosen = rng.sample(sim.people, min(count, len(sim.people)))
        kinds, weights = zip(*KINDS, strict=True)
        for n, person in enumerate(chosen):
            kind = kinds[n % len(kinds)] if n < len(kinds) else rng.choices(kinds, weights)[0]
            service = rng.choice(SERVICES)[0]
            first = sim.options.start + dt.timedelta(days=rng.randrange(0, max(1, int(days * 0.85))))
            person.case = Case(kind, service, rng.choice(sim.officers_of(service)), working_day_on_or_after(first))
            self._at_office(person.case.first_day, self.begin, person)
        for officer in [s for s in sim.staff if s.role == Role.OFFICER and s.service not in (None, "corporate")]:
            for length in (5, 10):
                starts = working_day_on_or_after(sim.options.start + dt.timedelta(days=rng.randrange(10, days + 10)))
                told = max(sim.options.start, starts - dt.timedelta(days=rng.randint(3, 20)))
                self._at_office(working_day_on_or_after(told), self.add_absence, officer, starts, length)
        if days >= 60:
            for fraction in (0.35, 0.7):
                service = rng.choice(SERVICES)[0]
                leaver = rng.choice(self.sim.officers_of(service))
                day = working_day_on_or_after(sim.options.start + dt.timedelta(days=int(days * fraction)))
                self._at_office(day, self.hand_over, leaver)
                self._at_office(working_days_after(day, 2), self.leave, leaver)

    def plan_day(self, day: dt.date) -> None:
        """Every working day: the letters go out in the afternoon; every day, tickets are closed in the evening."""
        if CALENDAR.is_working_day(day):
            self.sim.schedule(at_local(day, 14, self.rng.randint(0, 50)), self.send_letters)
        self.sim.schedule(at_local(day, 22, 55), self.sim.contacts.close_tickets, day)

    def _at_office(self, day: dt.date, act, *args) -> None:
        """Schedule `act` in office hours on `day` (a working day)."""
        day = max(day, self.sim.today)
        hour, minute = self.rng.randint(9, 16), self.rng.randint(0, 59)
        self.sim.schedule(at_local(day, hour, minute), act, *args)

    def _later(self, working_days: int, act, *args) -> None:
        self._at_office(working_days_after(self.sim.today, working_days), act, *args)

    # Incidents and warnings ------------------------------------------------------------------------

    def begin(self, person: Person) -> None:
        case = person.case
        assert case is not None
        if case.kind == "warn":
            if self.incident(person, self.rng.choice(("verbal_abuse", "written_abuse"))):
                self._later(self.rng.randint(1, 5), self.warn, person)
        elif case.kind == "vexatious":
            if self.incident(person, "unreasonable_persistence"):
                self._at_office(self.sim.today + dt.timedelta(days=self.rng.randint(4, 12)), self.persist, person)
        elif case.kind == "serious":
            if self.incident(person, self.rng.choice(("threat", "physical_violence")), violent=True):
                self._later(self.rng.randint(0, 2), self.impose, person)
        else:
            self.interim(person)

    def incident(self, person: Person, category: str, violent: bool = False, by: Staff | None = None) -> bool:
        case = person.case
        assert case is not None
        by = by or case.officer
        occurred = self.sim.now - dt.timedelta(minutes=self.rng.randint(5, 90))
        data = {
            "customer": person.ref,
            "experienced_by": by.email,
            "occurred_at": occurred.isoformat(),
            "channel": "in_person" if violent else self.rng.choice(("telephone", "email")),
            "category": category,
            "description": INCIDENT_TEXT[category],
        }
        if violent:
            data["violence_at_work_ref"] = f"VAW-{self.sim.today:%Y}-{person.index}"
            data["immediate_action"] = "Customer asked to leave the office"
        incident = self.sim.attempt("incident", by, lambda ctx: inc.record_incident(ctx, data).id, customer=person.id)
        if incident is None:
            return False
        case.incidents.append(incident)
        self.sim.counts["incidents"] += 1
        return True

    def warn(self, person: Person) -> None:
        case = person.case
        assert case is not None
        data = {"customer": person.ref, "incidents": list(case.incidents), **WARNING_TEXT}
        warning = self.sim.attempt(
            "warning", case.officer, lambda ctx: inc.issue_warning(ctx, data).id, customer=person.id
        )
        if warning is None:
            return
        case.warning = warning
        self.sim.counts["warnings"] += 1
        if self.rng.random() < 0.5:  # Glasgow: about half of warnings change behaviour; the rest offend again
            followup = self.sim.today + dt.timedelta(days=self.rng.randint(7, 80))
            self._at_office(working_day_on_or_after(followup), self.offend_again, person)

    def offend_again(self, person: Person) -> None:
        case = person.case
        assert case is not None
        if not self.warning_stands(case):
            return  # the warning was quashed on appeal: the story ends here
        if self.incident(person, self.rng.choice(("verbal_abuse", "written_abuse", "unreasonable_persistence"))):
            self._later(self.rng.randint(1, 3), self.propose, person, "after_warning")

    def persist(self, person: Person) -> None:
        if self.incident(person, "vexatious"):
            self._later(self.rng.randint(1, 3), self.propose, person, "without_warning")

    # Restrictions ------------------------------------------------------------------------------------

    def terms(self) -> dict:
        """The arrangement a senior officer would agree: channels open, sometimes permitted times, an end date."""
        rng = self.rng
        channels = list(rng.choice(CHANNEL_SETS))
        terms: dict = {"allowed_channels": channels}
        if "telephone" in channels and rng.random() < 0.6:
            terms["time_windows"] = [dict(PHONE_WINDOW)]
        if rng.random() < 0.35:
            terms["ends_on"] = (self.sim.today + dt.timedelta(days=rng.choice((91, 182, 273)))).isoformat()
        elif rng.random() < 0.2:
            terms["review_due"] = (self.sim.today + dt.timedelta(days=90)).isoformat()
        return terms

    def checks(self) -> dict:
        rng = self.rng
        known = rng.choices(("no", "yes", "unknown"), (0.7, 0.15, 0.15))[0]
        checks: dict = {"social_work_known": known, "adjustments_needed": False, "other_services": "none"}
        if known == "unknown":
            checks["social_work_enquiry_to"] = "Social Work Services duty team"
            checks["social_work_enquired_on"] = (self.sim.today - dt.timedelta(days=2)).isoformat()
        if rng.random() < 0.08:
            checks["adjustments_needed"], checks["adjustments"] = True, ["large_print"]
        return checks

    def propose(self, person: Person, path: str) -> None:
        case = person.case
        assert case is not None
        data = {
            "customer": person.ref,
            "path": path,
            "why_necessary": "The behaviour continued and is affecting the service to other customers",
            "spoc_officer": case.officer.email,
            "incidents": list(case.incidents[-1:]),
            **self.terms(),
        }
        if path == "after_warning":
            data["warning"] = case.warning
        else:
            data["path_justification"] = "Particularly vexatious: the same closed complaint raised again and again"
        checks = self.checks()

        def step(ctx):
            r = rs.propose(ctx, data)
            rs.record_checks(ctx, r.id, checks)
            return r.id

        restriction = self.sim.attempt("propose", case.officer, step, customer=person.id)
        if restriction is not None:
            case.restriction = restriction
            self._later(self.rng.randint(1, 3), self.activate, person)

    def warning_stands(self, case: Case) -> bool:
        """The warning was not quashed on appeal meanwhile (then no restriction can follow it, R4)."""
        with self.sim.sessions() as session:
            return case.warning is not None and session.get(FormalWarning, case.warning).state == "issued"

    def activate(self, person: Person) -> None:
        case = person.case
        assert case is not None
        senior = self.sim.senior_of(case.service)
        if case.kind == "warn" and not self.warning_stands(case):  # quashed since the proposal: not taken forward
            data = {"reasons": "The warning it followed was withdrawn on appeal"}
            self.sim.attempt("withdraw", case.officer, lambda ctx: rs.withdraw(ctx, case.restriction, data).id)
            return
        done = self.sim.attempt(
            "activate", senior, lambda ctx: rs.activate(ctx, case.restriction).id, restriction=case.restriction
        )
        if done is not None:
            self.in_force(person)

    def impose(self, person: Person) -> None:
        case = person.case
        assert case is not None
        senior = self.sim.senior_of(case.service)
        data = {
            "customer": person.ref,
            "path": "serious_threat",
            "why_necessary": "A serious threat to staff: contact must be limited at once",
            "spoc_officer": case.officer.email,
            "incidents": list(case.incidents[-1:]),
            **self.terms(),
        }
        checks = self.checks()
        restriction = self.sim.attempt(
            "impose", senior, lambda ctx: rs.impose(ctx, data, checks).id, customer=person.id
        )
        if restriction is not None:
            case.restriction = restriction
            self.in_force(person)

    def interim(self, person: Person) -> None:
        """Violence at the counter: the agent there records it and limits contact for now (R1, R32)."""
        case = person.case
        assert case is not None
        agent = self.rng.choice(self.sim.agents())
        if not self.incident(person, "physical_violence", violent=True, by=agent):
            return
        data = {
            "incident": case.incidents[-1],
            "note": "Customer pushed staff at the counter; contact by e-mail and letter only for now",
            "allowed_channels": ["email", "letter"],
        }
        restriction = self.sim.attempt(
            "interim", agent, lambda ctx: rs.record_interim(ctx, data).id, customer=person.id
        )
        if restriction is None:
            return
        case.restriction = restriction
        self.sim.counts["interim_actions"] += 1
        fate = self.rng.choices(("confirm", "lift", "lapse"), (0.75, 0.12, 0.13))[0]
        if fate == "confirm":
            self._later(self.rng.randint(1, 4), self.confirm, person)
        elif fate == "lift":
            self._later(self.rng.randint(1, 3), self.lift, case.restriction, self.sim.senior_of(case.service))

    def confirm(self, person: Person) -> None:
        case = person.case
        assert case is not None
        senior = self.sim.senior_of(case.service)
        checks = self.checks()
        if (
            self.sim.attempt(
                "checks",
                case.officer,
                lambda ctx: rs.record_checks(ctx, case.restriction, checks).id,
                restriction=case.restriction,
            )
            is None
        ):
            return
        data = {
            "path": "serious_threat",
            "why_necessary": "Violence at the counter: the immediate action is needed as a considered restriction",
            "spoc_officer": case.officer.email,
            **self.terms(),
        }
        if (
            self.sim.attempt(
                "confirm",
                senior,
                lambda ctx: rs.confirm_interim(ctx, case.restriction, data).id,
                restriction=case.restriction,
            )
            is not None
        ):
            self.in_force(person)

    def in_force(self, person: Person) -> None:
        """A restriction came into force: plan its review, and perhaps an amendment or an early lift."""
        case = person.case
        assert case is not None
        rid = case.restriction
        self.activated_on[rid] = self.sim.today
        self.sim.counts["restrictions_in_force_started"] += 1
        self.plan_review(rid)
        rng = self.rng
        if rng.random() < 0.15:
            self._at_office(self.sim.today + dt.timedelta(days=rng.randint(20, 150)), self.amend, rid)
        if rng.random() < 0.05:
            self._at_office(self.sim.today + dt.timedelta(days=rng.randint(30, 200)), self.lift, rid, None)

    def restriction(self, rid: int) -> Restriction | None:
        with self.sim.sessions() as session:
            r = session.get(Restriction, rid)
            if r is not None:
                session.expunge(r)
            return r

    def amend(self, rid: int) -> None:
        """A senior officer changes the terms: a new sole point of contact (caseloads), or other channels."""
        r = self.restriction(rid)
        if r is None or r.state != "active":
            return
        person = self.sim.by_id[r.customer_id]
        case = person.case
        assert case is not None
        senior = self.sim.senior_of(case.service)
        if self.rng.random() < 0.6:
            self.change_spoc(r, senior)
            return
        channels = list(r.allowed_channels)
        if "telephone" not in channels:
            data = {"allowed_channels": [*channels, "telephone"], "time_windows": [dict(PHONE_WINDOW)]}
        else:
            data = {"allowed_channels": [c for c in channels if c != "telephone"] or ["email"], "time_windows": []}
        data["reasons"] = "Channels changed to suit the customer's circumstances"
        if self.sim.attempt("amend", senior, lambda ctx: rs.amend(ctx, rid, data).id, restriction=rid) is not None:
            self.sim.counts["amendments"] += 1

    def change_spoc(self, r: Restriction, senior: Staff, leaving: Staff | None = None) -> None:
        person = self.sim.by_id[r.customer_id]
        case = person.case
        assert case is not None
        team = [s for s in self.sim.officers_of(case.service) if s.id != r.spoc_officer_id and s != leaving]
        if not team:
            return
        new = self.rng.choice(team)
        deputy = new.deputy if new.deputy and (leaving is None or new.deputy != leaving.email) else None
        data = {"spoc_officer": new.email, "deputy_officer": deputy, "reasons": "Caseloads rebalanced in the team"}
        if leaving is not None:
            data["reasons"] = "The sole point of contact is leaving the council"
        old = r.spoc_officer_id
        if self.sim.attempt("amend_spoc", senior, lambda ctx: rs.amend(ctx, r.id, data).id, restriction=r.id) is None:
            return
        self.former_spocs.setdefault(r.id, set()).add(old)
        case.officer = new
        self.sim.counts["amendments"] += 1
        self.sim.counts["spoc_changes"] += 1

    def lift(self, rid: int, senior: Staff | None) -> None:
        r = self.restriction(rid)
        if r is None or r.state not in ("active", "interim"):
            return
        person = self.sim.by_id[r.customer_id]
        senior = senior or self.sim.senior_of(person.case.service)
        data = {"reasons": "Behaviour has improved and the restriction is no longer necessary"}
        if self.sim.attempt("lift", senior, lambda ctx: rs.lift(ctx, rid, data).id, restriction=rid) is not None:
            self.sim.counts["lifts"] += 1

    # Reviews ---------------------------------------------------------------------------------------

    def plan_review(self, rid: int) -> None:
        """Hold the review on a working day before it is due (mostly), or a few days late."""
        r = self.restriction(rid)
        if r is None or r.review_due is None or (r.ends_on is not None and r.review_due >= r.ends_on):
            return  # reviewed by its end date: it lapses then unless lifted
        due = r.review_due
        if self.rng.random() < REVIEW_ON_TIME:
            day = working_day_on_or_before(due - dt.timedelta(days=self.rng.randint(0, 6)))
        else:
            day = working_day_on_or_after(due + dt.timedelta(days=self.rng.randint(1, 8)))
        day = max(day, working_days_after(self.sim.today, 1))
        self._at_office(day, self.review, rid, due)

    def review(self, rid: int, due: dt.date) -> None:
        r = self.restriction(rid)
        if r is None or r.review_due != due or r.state not in ("active", "under_appeal"):
            return
        if r.state == "under_appeal":  # reviewed once the appeal is decided
            self._later(3, self.review, rid, due)
            return
        senior = self._reviewer(r)
        outcome = self.rng.choices(("continue", "amend", "lift"), (0.6, 0.15, 0.25))[0]
        data: dict = {"outcome": outcome, "reasons": "Reviewed with the service: see the case notes"}
        if outcome == "amend":
            channels = list(r.allowed_channels)
            extra = next((c for c in ("letter", "web_form", "email") if c not in channels), None)
            data["terms"] = {"allowed_channels": [*channels, extra] if extra else channels}
        held = self.sim.attempt("review", senior, lambda ctx: rv.hold(ctx, rid, data).id, restriction=rid)
        if held is None:
            return
        self.sim.counts["reviews"] += 1
        self.sim.counts["reviews_late"] += self.sim.today > due
        if outcome == "lift":
            self.sim.counts["lifts"] += 1
        else:
            self.plan_review(rid)

    def _reviewer(self, r: Restriction) -> Staff:
        senior = self.sim.staff_by_id(r.activated_by_id)
        return senior if senior is not None and senior.active else self.sim.seniors()[0]

    # Letters and appeals -----------------------------------------------------------------------------

    def send_letters(self) -> None:
        """The afternoon post: each queued letter is written (HTML) and recorded as sent once its officer gets
        to it, a few working days after it was queued; appealable letters are read for the appeal route."""
        sim, support = self.sim, self.sim.support
        with sim.act(support) as ctx:
            queued = [(x.id, x.kind, lt.decision_date(x, ctx.settings.zone), x.customer_id) for x in lt.unsent(ctx)]
        for letter_id, kind, decided, customer_id in queued:
            lag = self.letter_lag.setdefault(
                letter_id, self.rng.randint(5, 8) if self.rng.random() < 0.1 else self.rng.randint(1, 3)
            )
            if decided is not None and working_days_after(decided, lag) > sim.today:
                continue
            html = sim.attempt(
                "write_letter", support, lambda ctx, i=letter_id: docs.render_letter(ctx, i, "html"), letter=letter_id
            )
            if html is None:
                continue
            if kind in APPEALABLE_LETTERS:
                self.appeal_route[letter_id] = b"How to appeal" in html
            method = self.rng.choices(*zip(*SEND_METHODS, strict=True))[0]
            if method.startswith("post") and not sim.by_id[customer_id].has_address:
                method = "email"  # the letter page offers post only to an address on the register
            sent = sim.attempt(
                "send_letter",
                support,
                lambda ctx, i=letter_id, m=method: lt.mark_sent(ctx, i, {"method": m}).id,
                letter=letter_id,
            )
            if sent is not None:
                sim.counts["letters_sent"] += 1
                self.after_sending(letter_id)

    def after_sending(self, letter_id: int) -> None:
        """Some customers appeal: a restriction in about one case in five, a warning in one in twelve."""
        with self.sim.sessions() as session:
            letter = session.get(Letter, letter_id)
            kind, rid, wid, deemed = letter.kind, letter.restriction_id, letter.warning_id, letter.deemed_receipt
        if kind == "restriction" and self.rng.random() < 0.2:
            subject = ("restriction", rid)
        elif kind == "warning" and self.rng.random() < 0.08:
            subject = ("warning", wid)
        else:
            return
        closes = working_days_after(deemed, 10)
        if self.rng.random() < 0.15:
            day, late = working_days_after(closes, self.rng.randint(2, 8)), True
        else:
            day, late = working_days_after(deemed, self.rng.randint(1, 9)), False
        self._at_office(day, self.lodge, subject, late)

    def lodge(self, subject: tuple[str, int], late: bool) -> None:
        kind, subject_id = subject
        with self.sim.sessions() as session:
            if kind == "restriction":
                r = session.get(Restriction, subject_id)
                state, customer = r.state, r.customer_id
                involved = {r.proposed_by_id, r.activated_by_id}
            else:
                w = session.get(FormalWarning, subject_id)
                state, customer = ("active" if w.state == "issued" else w.state), w.customer_id
                involved = {w.issued_by_id}
        if state != "active":
            return  # lifted, lapsed or withdrawn meanwhile: nothing left to appeal
        hearer = self.rng.choice([s for s in self.sim.seniors() if s.id not in involved])
        data = {
            kind: subject_id,
            "grounds": "disproportionate" if kind == "restriction" else "factual_inaccuracy",
            "statement": "I do not accept what the letter says happened",
            "heard_by": hearer.email,
        }
        if late:
            data["late_reason"] = "The customer was in hospital when the letter arrived"
        officer = self.sim.by_id[customer].case.officer
        appeal = self.sim.attempt("appeal", officer, lambda ctx: ap.lodge(ctx, data).id, **{kind: subject_id})
        if appeal is None:
            return
        self.sim.counts["appeals"] += 1
        self.sim.counts["appeals_late"] += late
        with self.sim.sessions() as session:
            due = session.get(Appeal, appeal).decision_due
        if self.rng.random() < 0.88:
            day = max(
                working_days_after(self.sim.today, 2),
                working_day_on_or_before(due - dt.timedelta(days=self.rng.randint(0, 5))),
            )
            day = min(day, due)
        else:
            day = working_days_after(due, self.rng.randint(1, 4))
        self._at_office(day, self.decide_appeal, appeal, hearer, kind)

    def decide_appeal(self, appeal_id: int, hearer: Staff, kind: str) -> None:
        if kind == "restriction":
            outcome = self.rng.choices(("upheld", "varied", "quashed"), (0.6, 0.2, 0.2))[0]
        else:
            outcome = self.rng.choices(("upheld", "quashed"), (0.7, 0.3))[0]
        data: dict = {"outcome": outcome, "reasons": "Considered the appeal and the case file"}
        if outcome == "varied":
            with self.sim.sessions() as session:
                r = session.get(Restriction, session.get(Appeal, appeal_id).restriction_id)
                channels = list(r.allowed_channels)
            extra = next((c for c in ("letter", "web_form", "email") if c not in channels), None)
            data["terms"] = {"allowed_channels": [*channels, extra] if extra else channels}
        if self.sim.attempt("decide_appeal", hearer, lambda ctx: ap.decide(ctx, appeal_id, data).id, appeal=appeal_id):
            self.sim.counts[f"appeals_{outcome}"] += 1

    # Staff -----------------------------------------------------------------------------------------

    def add_absence(self, officer: Staff, starts: dt.date, working_days: int) -> None:
        if not officer.active:
            return
        ends = working_days_after(starts, working_days - 1)
        data = {"starts_on": starts.isoformat(), "ends_on": ends.isoformat(), "note": "annual leave"}
        if self.sim.attempt(
            "absence", None, lambda ctx: reg.add_absence(ctx, officer.email, data).id, officer=officer.id
        ):
            self.sim.counts["absences"] += 1

    def hand_over(self, leaver: Staff) -> None:
        """Before an officer leaves, their restrictions get a new sole point of contact and deputy."""
        senior = self.sim.senior_of(leaver.service)
        with self.sim.sessions() as session:
            affected = list(
                session.scalars(
                    select(Restriction).where(
                        Restriction.state.in_(IN_FORCE_VALUES),
                        (Restriction.spoc_officer_id == leaver.id) | (Restriction.deputy_officer_id == leaver.id),
                    )
                )
            )
            for r in affected:
                session.expunge(r)
        for r in affected:
            if r.spoc_officer_id == leaver.id:
                self.change_spoc(r, senior, leaving=leaver)
            else:
                team = [s for s in self.sim.officers_of(leaver.service) if s.id not in (leaver.id, r.spoc_officer_id)]
                data = {"deputy_officer": self.rng.choice(team).email, "reasons": "The deputy is leaving the council"}
                self.sim.attempt(
                    "amend_deputy", senior, lambda ctx, d=data, i=r.id: rs.amend(ctx, i, d).id, restriction=r.id
                )
        for person in self.sim.people:
            if person.case is not None and person.case.officer == leaver:
                person.case.officer = self.rng.choice([s for s in self.sim.officers_of(leaver.service) if s != leaver])

    def leave(self, leaver: Staff) -> None:
        team = [s for s in self.sim.officers_of(leaver.service) if s != leaver]
        for officer in team:
            if officer.deputy == leaver.email:
                officer.deputy = next(s.email for s in team if s != officer)
                self.sim.attempt(
                    "deputy", None, lambda ctx, o=officer: reg.update_officer(ctx, o.email, {"deputy": o.deputy}).id
                )
        if self.sim.attempt("leave", None, lambda ctx: reg.update_officer(ctx, leaver.email, {"active": False}).id):
            leaver.active = False
            self.sim.counts["officers_left"] += 1

"""What must hold at the end of every simulated day, read from the register and the recording helpdesk.

Each invariant counts what it checked and keeps each violation once, by identifiers only (restriction,
ticket, letter, appeal, event and outbox ids; never a name, an address or any text):

- no_review_overdue_unescalated: a restriction whose review date has passed is escalated today (the clock's
  review_overdue notice), or, while an appeal is heard, the appeal is in time or escalated as late (R47, R36);
- restrictions_in_force_complete: each restriction in force has its letter, an appeal route (the sent
  restriction or amendment letter says how and by when to appeal), a review date not after its end, a senior
  officer who approved it and its pre-restriction checks (R2, R9, R30, R36, R42, R44); an immediate action has
  its written confirmation and a confirm-by date still to come (R1, R32);
- protected_contacts_not_disregarded: no request for information and no safeguarding text is disregarded; from
  a restricted customer a request is routed as statutory (R28) and a safeguarding text is screened, tagged as
  escalated and its ticket's priority raised, within the arrangement too (R24);
- flags_match_register: each open ticket shows what the register says now: a ticket contactguard wrote to
  under the customer's restriction in force shows that arrangement (its sole point of contact, channels and
  review date; during the SPOC's absence, who covers), the tags of the latest outcome only, and is not held by
  a former sole point of contact; a ticket of a customer with nothing in force shows no flag and no tags;
- actions_applied_once: each outbox action done was applied at the helpdesk exactly once (by idempotency
  key), none was lost (dead, or still waiting at the end of the day), none arrived that the outbox never
  queued, and each ticket's actions arrived in the order they were queued;
- end_dates_kept: a restriction with an end date is in force through that day and not after it (R30, R44);
- letters_not_overtaken: no letter describing an arrangement waits to be sent after its restriction ended;
- permitted_times_kept: a contact on a channel with permitted times is not disregarded within them and not
  treated as within the arrangement outside them, in GMT and BST alike (R11, R15).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from plugin.models import (
    Appeal,
    ClockNotice,
    Letter,
    Officer,
    OutboxAction,
    PreRestrictionCheck,
    Restriction,
    WebhookEvent,
)
from plugin.policy.lifecycle import IN_FORCE_VALUES, REVIEW_DATE_RUNS, values_of
from plugin.services import Actor, Context
from plugin.services import letters as lt
from plugin.services.ticket_actions import DEFAULT_TAGS

from .contacts import absent_on
from .world import CALENDAR, ZONE

if TYPE_CHECKING:
    from .run import Simulation

NAMES = (
    "no_review_overdue_unescalated",
    "restrictions_in_force_complete",
    "protected_contacts_not_disregarded",
    "flags_match_register",
    "actions_applied_once",
    "end_dates_kept",
    "letters_not_overtaken",
    "permitted_times_kept",
)
WROTE_TO_TICKET = ("flag", "disregard", "escalate", "statutory")
OUTCOME_TAGS = {
    "flag": {DEFAULT_TAGS["restricted"]},
    "disregard": {DEFAULT_TAGS["restricted"], DEFAULT_TAGS["disregarded"]},
    "escalate": {DEFAULT_TAGS["restricted"], DEFAULT_TAGS["escalated"]},
    "statutory": {DEFAULT_TAGS["restricted"], DEFAULT_TAGS["information_request"]},
}
CONTACTGUARD_TAGS = set(DEFAULT_TAGS.values())
ARRANGEMENT_LETTERS = ("restriction", "amendment", "review_outcome", "interim_confirmation")
ENDED = ("lapsed", "lifted", "withdrawn")
LETTER_WORKING_DAYS = 10  # a restriction letter not sent after this long is a letter the customer never had


class Invariants:
    """The checks, with what each has checked and found so far."""

    def __init__(self, sim: Simulation):
        self.sim = sim
        self.checked = Counter[str](dict.fromkeys(NAMES, 0))
        self.violations: dict[str, list[str]] = {name: [] for name in NAMES}
        self.seen: set[tuple] = set()
        self.watched_upto = 0
        self.actions_upto = 0
        self.key_ids: dict[str, int] = {}
        self.calls_upto = 0
        self.applied_once: set[str] = set()
        self.last_applied: dict[str, int] = {}
        self.unflagged_when_restricted: set[str] = set()

    def violation(self, name: str, day: dt.date, detail: str, once: bool = True, **ids) -> None:
        """Keep a violation, once per (invariant, detail, ids) unless `once` is False (then once a day)."""
        key = (name, detail, tuple(sorted(ids.items()))) + (() if once else (day,))
        if key in self.seen:
            return
        self.seen.add(key)
        shown = " ".join(f"{k}={v}" for k, v in ids.items())
        self.violations[name].append(f"violation={name} day={day.isoformat()} {shown} detail={detail}")

    def check(self, day: dt.date) -> None:
        """Every invariant, at the end of `day`."""
        with self.sim.sessions() as session:
            ctx = Context(session, Actor.system("simulation-check"), self.sim.settings)
            in_force = list(
                session.scalars(
                    select(Restriction)
                    .where(Restriction.state.in_(IN_FORCE_VALUES))
                    .options(joinedload(Restriction.spoc_officer), joinedload(Restriction.deputy_officer))
                    .order_by(Restriction.id)
                )
            )
            self.reviews(session, day)
            self.complete(session, day, in_force)
            self.protected(session, day)
            self.flags(session, day, in_force)
            self.actions(session, day)
            self.end_dates(session, day)
            self.letters(ctx, day)

    # Reviews -----------------------------------------------------------------------------------------

    def reviews(self, session, day: dt.date) -> None:
        name = "no_review_overdue_unescalated"
        rows = session.execute(
            select(Restriction.id, Restriction.state, Restriction.review_due).where(
                Restriction.state.in_(values_of(REVIEW_DATE_RUNS)), Restriction.review_due.is_not(None)
            )
        ).all()
        escalated = self._notices(session, "review_overdue", day)
        late = self._notices(session, "appeal_late", day)
        heard = {
            rid: (aid, due)
            for aid, rid, due in session.execute(
                select(Appeal.id, Appeal.restriction_id, Appeal.decision_due).where(
                    Appeal.state == "lodged", Appeal.restriction_id.is_not(None)
                )
            )
        }
        # While an appeal is heard the review waits for its decision; the clock escalates again from the next day.
        decided_today = set(
            session.scalars(
                select(Appeal.restriction_id).where(Appeal.decided_on == day, Appeal.restriction_id.is_not(None))
            )
        )
        for rid, state, review_due in rows:
            self.checked[name] += 1
            if review_due >= day:
                continue
            if state == "active" and rid not in escalated and rid not in decided_today:
                self.violation(name, day, "overdue_not_escalated", once=False, restriction=rid, review_due=review_due)
            elif state == "under_appeal":
                appeal = heard.get(rid)
                if appeal is None:
                    self.violation(name, day, "under_appeal_without_appeal", restriction=rid)
                elif appeal[1] < day and appeal[0] not in late:
                    self.violation(
                        name, day, "late_appeal_not_escalated", once=False, restriction=rid, appeal=appeal[0]
                    )

    @staticmethod
    def _notices(session, kind: str, day: dt.date) -> set[int]:
        return set(
            session.scalars(
                select(ClockNotice.subject_id).where(ClockNotice.kind == kind, ClockNotice.key == day.isoformat())
            )
        )

    # Restrictions in force ---------------------------------------------------------------------------

    def complete(self, session, day: dt.date, in_force: list[Restriction]) -> None:
        name = "restrictions_in_force_complete"
        ids = [r.id for r in in_force]
        letters: dict[int, list] = defaultdict(list)
        for row in session.execute(
            select(Letter.id, Letter.restriction_id, Letter.kind, Letter.state, Letter.sent_on, Letter.deemed_receipt)
            .where(Letter.restriction_id.in_(ids))
            .order_by(Letter.id)
        ):
            letters[row.restriction_id].append(row)
        checks = {
            c.restriction_id: c
            for c in session.scalars(select(PreRestrictionCheck).where(PreRestrictionCheck.restriction_id.in_(ids)))
        }
        roles = dict(session.execute(select(Officer.id, Officer.role)).all())
        for r in in_force:
            self.checked[name] += 1
            own = letters[r.id]
            if r.state == "interim":
                if not any(x.kind == "interim_confirmation" for x in own):
                    self.violation(name, day, "no_written_confirmation", restriction=r.id)
                if r.confirm_by is None or r.confirm_by < day:
                    self.violation(name, day, "unconfirmed_past_confirm_by", restriction=r.id)
                continue
            if not any(x.kind == "restriction" for x in own):
                self.violation(name, day, "no_letter", restriction=r.id)
            sent = [x for x in own if x.kind in ("restriction", "amendment") and x.state == "sent"]
            if sent:
                newest = max(sent, key=lambda x: (x.sent_on, x.id))
                if newest.deemed_receipt is None or self.sim.stories.appeal_route.get(newest.id) is not True:
                    self.violation(name, day, "no_appeal_route", restriction=r.id, letter=newest.id)
            elif r.activated_at is not None:
                activated = local_date(r.activated_at)
                if CALENDAR.add_working_days(activated, LETTER_WORKING_DAYS) < day:
                    self.violation(name, day, "letter_not_sent", restriction=r.id)
            if r.review_due is None:
                self.violation(name, day, "no_review_date", restriction=r.id)
            elif r.ends_on is not None and r.review_due > r.ends_on:
                self.violation(name, day, "review_after_end", restriction=r.id)
            if r.activated_by_id is None or roles.get(r.activated_by_id) != "senior":
                self.violation(name, day, "not_approved_by_senior", restriction=r.id)
            c = checks.get(r.id)
            if c is None or c.social_work_known is None or c.adjustments_needed is None or c.other_services is None:
                self.violation(name, day, "checks_missing", restriction=r.id)
            elif c.social_work_known == "unknown" and not (c.social_work_enquiry_to and c.social_work_enquired_on):
                self.violation(name, day, "social_work_enquiry_missing", restriction=r.id)

    # Requests for information, safeguarding, permitted times -------------------------------------------

    def protected(self, session, day: dt.date) -> None:
        watched = self.sim.contacts.watched[self.watched_upto :]
        self.watched_upto = len(self.sim.contacts.watched)
        if not watched:
            return
        events = {
            e.delivery_key: e
            for e in session.execute(
                select(
                    WebhookEvent.id,
                    WebhookEvent.delivery_key,
                    WebhookEvent.outcome,
                    WebhookEvent.restriction_id,
                    WebhookEvent.screen_hits,
                ).where(
                    WebhookEvent.connection_id == self.sim.connection_id,
                    WebhookEvent.delivery_key.in_([w.delivery for w in watched]),
                )
            )
        }
        actions: dict[int, list[dict]] = defaultdict(list)
        for event_id, payload in session.execute(
            select(OutboxAction.event_id, OutboxAction.payload).where(
                OutboxAction.event_id.in_([e.id for e in events.values() if e.restriction_id is not None])
            )
        ):
            actions[event_id].append(payload)
        for sent in watched:
            event = events.get(sent.delivery)
            name = (
                "permitted_times_kept" if sent.kind in ("inside", "outside") else "protected_contacts_not_disregarded"
            )
            self.checked[name] += 1
            if event is None or event.outcome == "pending":
                self.violation(name, sent.day, "not_decided", delivery=sent.delivery.removeprefix("id:"))
                continue
            ids = {"event": event.id, "restriction": event.restriction_id}
            if sent.kind == "inside" and event.outcome == "disregard":
                self.violation(name, sent.day, "disregarded_within_permitted_times", **ids)
            elif sent.kind == "outside" and event.outcome == "flag":
                self.violation(name, sent.day, "outside_permitted_times_taken_as_within", **ids)
            elif sent.kind in ("statutory", "safeguarding"):
                self._protected(sent, event, actions[event.id], ids)

    def _protected(self, sent, event, actions: list[dict], ids: dict) -> None:
        name, day = "protected_contacts_not_disregarded", sent.day
        ids = {**ids, "phrasing": f"{sent.kind}#{sent.phrase}"}  # which of texts.py's phrasings, never the text
        if event.outcome == "disregard":
            self.violation(name, day, f"{sent.kind}_disregarded", **ids)
        if event.restriction_id is None:
            return  # nothing in force: allowed, as any contact
        if sent.kind == "statutory" and event.outcome != "statutory":
            self.violation(name, day, "request_not_routed_as_statutory", **ids)
        if sent.kind == "safeguarding":
            tags = {t for a in actions if a.get("kind") == "add_tags" for t in a.get("tags", [])}
            raised = any(a.get("kind") == "set_priority" for a in actions)
            if not event.screen_hits:
                self.violation(name, day, "safeguarding_not_screened", **ids)
            elif DEFAULT_TAGS["escalated"] not in tags or not raised:
                self.violation(name, day, "safeguarding_not_escalated_on_ticket", **ids)

    # The helpdesk against the register -------------------------------------------------------------

    def flags(self, session, day: dt.date, in_force: list[Restriction]) -> None:
        name = "flags_match_register"
        tickets = self.sim.helpdesk.open_tickets()
        by_customer = {}
        for r in in_force:
            by_customer.setdefault(r.customer_id, r)
        latest: dict[str, tuple] = {}
        for ticket_id, outcome, hits, rid in session.execute(
            select(WebhookEvent.ticket_id, WebhookEvent.outcome, WebhookEvent.screen_hits, WebhookEvent.restriction_id)
            .where(
                WebhookEvent.connection_id == self.sim.connection_id,
                WebhookEvent.outcome.in_(WROTE_TO_TICKET),
                WebhookEvent.ticket_id.in_([t.id for t in tickets]),
            )
            .order_by(WebhookEvent.id)
        ):
            latest[ticket_id] = (outcome, hits, rid)
        officers = [o for r in in_force for o in (r.spoc_officer_id, r.deputy_officer_id) if o is not None]
        spoc_deputies = {o.id: o.deputy_id for o in session.scalars(select(Officer).where(Officer.id.in_(officers)))}
        away = absent_on(session, list({*officers, *(d for d in spoc_deputies.values() if d)}), day)
        emails = dict(session.execute(select(Officer.id, Officer.email)).all())
        agents = {s.id: s.agent for s in self.sim.staff}
        for ticket in tickets:
            self.checked[name] += 1
            person = self.sim.people[ticket.customer] if ticket.customer is not None else None
            r = by_customer.get(person.id) if person is not None else None
            cg_tags = ticket.tags & CONTACTGUARD_TAGS
            ids = {"ticket": ticket.id, "customer": person.id if person else "-"}
            if r is None:
                if ticket.flag:
                    self.violation(name, day, "flag_left_with_nothing_in_force", **ids)
                if cg_tags:
                    self.violation(name, day, "tags_left_with_nothing_in_force", **ids)
                continue
            ids["restriction"] = r.id
            written = latest.get(ticket.id)
            if written is None or written[2] != r.id:
                if not ticket.flag:
                    self.unflagged_when_restricted.add(ticket.id)
                continue  # contactguard has not been told of this ticket since the restriction came into force
            self._flag(ticket, r, day, ids, emails, spoc_deputies, away)
            outcome, hits, _ = written
            required = OUTCOME_TAGS[outcome]
            allowed = required | ({DEFAULT_TAGS["escalated"]} if hits else set())
            if required - cg_tags:
                self.violation(name, day, "tags_missing", **ids, outcome=outcome)
            if cg_tags - allowed:
                self.violation(
                    name, day, "tags_accumulated", **ids, outcome=outcome, extra="+".join(sorted(cg_tags - allowed))
                )
            former = self.sim.stories.former_spocs.get(r.id, set()) - {r.spoc_officer_id, r.deputy_officer_id}
            if ticket.assignee is not None and ticket.assignee in {agents.get(f) for f in former}:
                self.violation(name, day, "held_by_former_spoc", **ids, agent=ticket.assignee)

    def _flag(self, ticket, r: Restriction, day: dt.date, ids: dict, emails: dict, deputies: dict, away: set) -> None:
        name = "flags_match_register"
        flag = ticket.flag
        if not flag:
            self.violation(name, day, "flag_missing", **ids)
            return
        contact = r.spoc_officer.email if r.spoc_officer is not None else r.spoc_inbox
        spoc = r.spoc_officer_id
        if spoc is not None and spoc in away:  # the SPOC is away: the flag names who covers (issue 20 item 3)
            candidates = [c for c in (r.deputy_officer_id, deputies.get(spoc)) if c is not None and c != spoc]
            cover = next((c for c in candidates if c not in away), None)
            if cover is not None:
                contact = None
                if emails[cover] not in flag:
                    self.violation(name, day, "absence_cover_not_named", **ids, spoc=spoc, cover=cover)
        if contact and contact not in flag:
            self.violation(name, day, "flag_names_another_contact", **ids)
        if r.review_due is not None and r.review_due.isoformat() not in flag:
            self.violation(name, day, "flag_shows_another_review_date", **ids, review_due=r.review_due)
        if any(channel not in flag for channel in r.allowed_channels or ()):
            self.violation(name, day, "flag_shows_other_channels", **ids)

    def actions(self, session, day: dt.date) -> None:
        name = "actions_applied_once"
        rows = session.execute(
            select(OutboxAction.id, OutboxAction.kind, OutboxAction.idempotency_key, OutboxAction.state)
            .where(OutboxAction.id > self.actions_upto)
            .order_by(OutboxAction.id)
        ).all()
        self.key_ids.update({key: action_id for action_id, _kind, key, _state in rows})
        with self.sim.helpdesk.lock:
            calls = self.sim.helpdesk.calls[self.calls_upto :]
            self.calls_upto += len(calls)
        for call in calls:
            if call.status != 200:
                continue
            action_id = self.key_ids.get(call.key)
            if action_id is None:
                self.violation(name, day, "applied_but_never_queued", kind=call.kind, origin=call.key.split(":")[0])
                continue
            if call.key in self.applied_once:
                self.violation(name, day, "applied_more_than_once", action=action_id, kind=call.kind)
            self.applied_once.add(call.key)
            ticket = call.ticket_id or "-"
            if call.ticket_id is not None and action_id < self.last_applied.get(ticket, 0):
                self.violation(name, day, "applied_out_of_order", ticket=ticket, action=action_id)
            self.last_applied[ticket] = max(action_id, self.last_applied.get(ticket, 0))
        for action_id, kind, key, state in rows:
            self.checked[name] += 1
            if kind == "lookup":
                continue  # answered by the helpdesk's lookup, not applied to a ticket
            if state == "dead":
                self.violation(name, day, "dead_lettered", action=action_id, kind=kind)
            elif state == "pending":
                self.violation(name, day, "not_applied_by_end_of_day", action=action_id, kind=kind)
            elif key not in self.applied_once:
                self.violation(name, day, "done_but_never_applied", action=action_id, kind=kind)
        if rows:
            self.actions_upto = rows[-1][0]

    # Dates and letters -----------------------------------------------------------------------------

    def end_dates(self, session, day: dt.date) -> None:
        name = "end_dates_kept"
        lapsed_by_clock = set(
            session.execute(select(ClockNotice.subject_id, ClockNotice.key).where(ClockNotice.kind == "lapse")).all()
        )
        for rid, state, ends_on, ended_at in session.execute(
            select(Restriction.id, Restriction.state, Restriction.ends_on, Restriction.ended_at).where(
                Restriction.ends_on.is_not(None), Restriction.activated_at.is_not(None)
            )
        ):
            self.checked[name] += 1
            if state in IN_FORCE_VALUES and ends_on < day:
                self.violation(name, day, "in_force_after_its_end_date", restriction=rid, ends_on=ends_on)
            if state == "lapsed" and (rid, str(ends_on)) in lapsed_by_clock:
                ended = local_date(ended_at)
                if ended <= ends_on:
                    self.violation(
                        name,
                        day,
                        "lapsed_before_its_end_date_was_over",
                        restriction=rid,
                        ends_on=ends_on,
                        lapsed_on=ended,
                    )

    def letters(self, ctx: Context, day: dt.date) -> None:
        name = "letters_not_overtaken"
        waiting = [x for x in lt.unsent(ctx) if x.restriction_id is not None]
        states = dict(
            ctx.session.execute(
                select(Restriction.id, Restriction.state).where(Restriction.id.in_([x.restriction_id for x in waiting]))
            ).all()
        )
        for letter in waiting:
            self.checked[name] += 1
            if letter.kind in ARRANGEMENT_LETTERS and states.get(letter.restriction_id) in ENDED:
                self.violation(
                    name,
                    day,
                    "waiting_to_be_sent_after_restriction_ended",
                    letter=letter.id,
                    kind=letter.kind,
                    restriction=letter.restriction_id,
                )


def local_date(moment: dt.datetime) -> dt.date:
    """The council's date of a stored moment (stored as UTC, with or without its zone)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.timezone.utc)
    return aware.astimezone(ZONE).date()

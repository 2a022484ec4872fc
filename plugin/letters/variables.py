"""What a letter says, gathered from the records: the variables its template is rendered with.

Only what the customer is to read goes in. Incidents appear as their date and category, never their
description; the pre-restriction checks (social work, health, adjustments, other services) are never read
here at all. Each kind's builder adds its own section to the variables every letter shares (docs/letters.md
lists them).
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from ..config import Settings
from ..models import Appeal, FormalWarning, Letter, Officer, Restriction, Review, Service
from ..policy.vocabulary import LetterKind, SpocKind
from ..services import letters as lt
from ..services.context import Context
from ..services.terms import terms_of
from .ombudsman import ombudsman_for
from .wording import ROLE_TITLES, category, channel, time_window

ADDRESS_LINES = re.compile(r"\s*(?:\n|;)\s*")


def letter_variables(ctx: Context, letter: Letter) -> dict:
    """Every variable the letter's template may use."""
    postal_address = letter.customer.postal_address
    variables = {
        "letter": {
            "id": letter.id,
            "kind": letter.kind,
            "sent": letter.state == "sent",
            "date": letter.sent_on or ctx.today(),
            "decided_on": lt.decision_date(letter, ctx.settings.zone),
            "reference": f"{letter.customer.reference}/{letter.id}",
        },
        "customer": {
            "name": letter.customer.name,
            "reference": letter.customer.reference,
            "postal_address": postal_address.lines() if postal_address else [],
        },
        "council": council(ctx.settings),
        "signatory": signatory(ctx, letter),
        "ombudsman": ombudsman_for(ctx.settings.JURISDICTION),
        "appeal": appeal_route(ctx, letter),
        "policy_enclosed": True,
    }
    variables.update(BUILDERS[letter.kind](ctx, letter))
    return variables


def signatory(ctx: Context, letter: Letter) -> dict:
    """Who signs: the officer who made the decision the letter reports, with their role as the officer records hold
    it; the LETTER_SIGNATORY setting only when no officer is known (the clock ended a restriction, say)."""
    officer = deciding_officer(ctx, letter)
    if officer is not None:
        return {"name": officer.name, "title": ROLE_TITLES.get(officer.role, officer.role)}
    return {"name": ctx.settings.LETTER_SIGNATORY, "title": ctx.settings.LETTER_SIGNATORY_TITLE}


def deciding_officer(ctx: Context, letter: Letter) -> Officer | None:
    """The officer who decided what the letter reports: the one recorded with the letter when it was queued, or
    (for a letter queued before that was kept) the one its record names: the hearing officer of an appeal, the
    senior who held the review, who issued the warning, activated the restriction, recorded the immediate action
    or ended the restriction. None when the records name nobody."""
    officer_id = letter.decided_by_id or _decider_on_record(ctx, letter)
    return ctx.session.get(Officer, officer_id) if officer_id else None


def _decider_on_record(ctx: Context, letter: Letter) -> int | None:
    kind = letter.kind
    if kind == LetterKind.APPEAL_OUTCOME.value:
        appeal = ctx.session.get(Appeal, letter.appeal_id) if letter.appeal_id else None
        return appeal.heard_by_id if appeal else None
    if kind == LetterKind.WARNING.value:
        warning = ctx.session.get(FormalWarning, letter.warning_id) if letter.warning_id else None
        return warning.issued_by_id if warning else None
    r = _restriction(ctx, letter)
    if r is None:
        return None
    if kind == LetterKind.REVIEW_OUTCOME.value:
        review = _review_reported(ctx, letter, r)
        return review.held_by_id if review else None
    if kind == LetterKind.RESTRICTION.value:
        return r.activated_by_id
    if kind == LetterKind.INTERIM_CONFIRMATION.value:
        return r.proposed_by_id
    if kind == LetterKind.LIFTING.value:
        return r.ended_by_id
    return None  # an amendment: who changed the terms is in the audit trail only


def council(settings: Settings) -> dict:
    """The letterhead: name, address lines and the logo file (if any)."""
    address = settings.COUNCIL_ADDRESS or ""
    return {
        "name": settings.COUNCIL_NAME,
        "address": [line for line in ADDRESS_LINES.split(address.strip()) if line],
        "logo": settings.COUNCIL_LOGO,
    }


def appeal_route(ctx: Context, letter: Letter) -> dict | None:
    """How and by when to appeal, for the letters a customer may appeal (R30, R35, R36, R41); None otherwise."""
    window = lt.appeal_window(ctx, letter)
    if window is None:
        return None
    return {
        "working_days": window.working_days,
        "deadline": lt.appeal_deadline(ctx, letter),
        "deemed_receipt": letter.deemed_receipt,
        "factual_inaccuracy_only": letter.kind == LetterKind.WARNING.value,
        "decision_working_days": ctx.settings.APPEAL_DECISION_WORKING_DAYS,
    }


def incidents(ctx: Context, rows) -> list[dict]:
    """What happened, as dates and categories only (R51): never the description or who was involved."""
    ordered = sorted(rows, key=lambda i: (i.occurred_at, i.id))
    return [
        {"date": i.occurred_at.astimezone(ctx.settings.zone).date(), "category": category(i.category)} for i in ordered
    ]


def _date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def restriction_terms(ctx: Context, r: Restriction, facts: dict | None) -> dict:
    """The arrangement as the letter states it: from the terms kept when the letter was queued, if it kept them."""
    terms = facts if facts and "allowed_channels" in facts else terms_of(r).as_dict()
    premises, subjects = terms.get("premises") or {}, terms.get("subjects") or {}
    return {
        "id": r.id,
        "path": r.path,
        "reasons": r.why_necessary,
        "contact": sole_point_of_contact(ctx, r, terms.get("sole_point_of_contact") or {}),
        "channels": [channel(c) for c in terms.get("allowed_channels") or []],
        "time_windows": [time_window(w) for w in terms.get("time_windows") or []],
        "excluded_premises": list(premises.get("excluded") or []),
        "appointment_only": bool(premises.get("appointment_only")),
        "subjects_allowed": list(subjects.get("allowed") or []),
        "subjects_excluded": list(subjects.get("excluded") or []),
        "scope": _service_name(ctx, terms.get("scope")),
        "starts_on": r.starts_on,
        "ends_on": _date(terms.get("ends_on")),
        "review_due": _date(terms.get("review_due")),
        "confirm_by": r.confirm_by,
    }


def sole_point_of_contact(ctx: Context, r: Restriction, spoc: dict) -> dict | None:
    """Who the customer contacts, with how to reach them; the deputy who covers an officer's absence."""
    kind = spoc.get("kind")
    if kind == SpocKind.OFFICER.value and spoc.get("officer"):
        officer = _officer(ctx, spoc["officer"])
        deputy = _officer(ctx, spoc.get("deputy"))
        return {
            "name": officer.name if officer else None,
            "email": spoc["officer"],
            "phone": None,
            "role": None,
            "deputy": deputy.name if deputy else None,
        }
    if kind == SpocKind.SHARED_INBOX.value and spoc.get("inbox"):
        return {"name": None, "email": spoc["inbox"], "phone": None, "role": None, "deputy": None}
    if kind in (SpocKind.EXTERNAL_WORKER.value, SpocKind.REPRESENTATIVE.value) and spoc.get("external"):
        return {
            "name": spoc["external"],
            "email": r.spoc_external_email,
            "phone": r.spoc_external_phone,
            "role": r.spoc_external_role,
            "deputy": None,
        }
    return None


def _officer(ctx: Context, email: str | None) -> Officer | None:
    if not email:
        return None
    return ctx.session.scalar(select(Officer).where(Officer.email == email))


def _service_name(ctx: Context, slug: str | None) -> str | None:
    if not slug or slug == "council-wide":
        return None
    return ctx.session.scalar(select(Service.name).where(Service.slug == slug)) or slug


def _restriction(ctx: Context, letter: Letter) -> Restriction | None:
    return ctx.session.get(Restriction, letter.restriction_id) if letter.restriction_id else None


def _warning_issued_on(ctx: Context, warning_id: int | None) -> dt.date | None:
    warning = ctx.session.get(FormalWarning, warning_id) if warning_id else None
    return warning.issued_on if warning else None


def for_warning(ctx: Context, letter: Letter) -> dict:
    """A warning: Describe, Explain, Suggest, Consequences (R4, R4a), and the incidents it rests on."""
    w = ctx.session.get(FormalWarning, letter.warning_id) if letter.warning_id else None
    if w is None:
        return {"warning": None, "incidents": []}
    return {
        "warning": {
            "issued_on": w.issued_on,
            "behaviour": w.behaviour,
            "why_unacceptable": w.why_unacceptable,
            "change_requested": w.change_requested,
            "consequences": w.consequences,
        },
        "incidents": incidents(ctx, w.incidents),
    }


def for_restriction(ctx: Context, letter: Letter) -> dict:
    """A restriction (or its amendment, or an interim action): the reasons, the arrangement and its dates (R30)."""
    r = _restriction(ctx, letter)
    if r is None:
        return {"restriction": None, "incidents": [], "warning_issued_on": None}
    warning = ctx.session.get(FormalWarning, r.warning_id) if r.warning_id else None
    rows = {i.id: i for i in [*(warning.incidents if warning else []), *r.incidents]}  # what it rests on
    return {
        "restriction": restriction_terms(ctx, r, letter.facts),
        "incidents": incidents(ctx, rows.values()),
        "warning_issued_on": warning.issued_on if warning else None,
    }


def for_review(ctx: Context, letter: Letter) -> dict:
    """A review's outcome: continue or amend, why, and the arrangement with its next review date (R44, R45)."""
    found = for_restriction(ctx, letter)
    r = _restriction(ctx, letter)
    review = _review_reported(ctx, letter, r) if r else None
    found["review"] = (
        None
        if review is None
        else {
            "held_on": review.held_on,
            "outcome": (letter.facts or {}).get("outcome") or review.outcome,
            "reasons": review.reasons,
        }
    )
    return found


def _review_reported(ctx: Context, letter: Letter, r: Restriction) -> Review | None:
    """The review whose outcome the letter tells: the latest held by the day of the decision it reports."""
    query = select(Review).where(Review.restriction_id == r.id)
    if letter.decided_on is not None:
        query = query.where(Review.held_on <= letter.decided_on)
    return ctx.session.scalars(query.order_by(Review.held_on.desc(), Review.id.desc())).first()


def for_appeal(ctx: Context, letter: Letter) -> dict:
    """An appeal's outcome and its reasons; what is in force now, unless the appeal quashed it (R36, R39)."""
    appeal = ctx.session.get(Appeal, letter.appeal_id) if letter.appeal_id else None
    if appeal is None:
        return {"appeal_decision": None, "restriction": None, "warning_issued_on": None}
    r = ctx.session.get(Restriction, appeal.restriction_id) if appeal.restriction_id else None
    in_force = r if appeal.outcome != "quashed" else None
    return {
        "appeal_decision": {
            "kind": appeal.kind,
            "received_on": appeal.received_on,
            "outcome": appeal.outcome,
            "reasons": appeal.outcome_reasons,
            "decided_on": appeal.decided_on,
        },
        "restriction": restriction_terms(ctx, in_force, None) if in_force else None,
        "warning_issued_on": _warning_issued_on(ctx, appeal.warning_id),
    }


def for_lifting(ctx: Context, letter: Letter) -> dict:
    """A restriction lifted or come to its end: from when the customer may contact the council as before."""
    r = _restriction(ctx, letter)
    if r is None:
        return {"lifting": None}
    ended = r.ended_at.astimezone(ctx.settings.zone).date() if r.ended_at else None
    return {
        "lifting": {
            "on": ended or letter.decided_on,
            "lapsed": bool((letter.facts or {}).get("lapsed")),
            "starts_on": r.starts_on,
        }
    }


BUILDERS = {
    LetterKind.WARNING.value: for_warning,
    LetterKind.RESTRICTION.value: for_restriction,
    LetterKind.AMENDMENT.value: for_restriction,
    LetterKind.INTERIM_CONFIRMATION.value: for_restriction,
    LetterKind.REVIEW_OUTCOME.value: for_review,
    LetterKind.APPEAL_OUTCOME.value: for_appeal,
    LetterKind.LIFTING.value: for_lifting,
}

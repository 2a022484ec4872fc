"""Applying typed terms to a restriction, and reading them back: as plain policy data, and as shown."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import object_session

from ..models import PreRestrictionCheck, Restriction
from ..policy.decision import Terms as DecisionTerms
from ..policy.restrictions import (
    Arrangement,
    Checks,
    Problem,
    check_arrangement,
)
from ..policy.vocabulary import Adjustment, Channel, SpocKind, Tristate
from ..words import windows_words
from .context import Context
from .lookup import officer_by_email, service_by_slug

PLAIN_TERMS = (
    "spoc_kind",
    "spoc_inbox",
    "spoc_external_name",
    "spoc_external_role",
    "spoc_external_email",
    "spoc_external_phone",
    "consent_basis",
    "allowed_channels",
    "time_windows",
    "premises",
    "subjects",
    "starts_on",
    "ends_on",
    "review_due",
)


def apply_terms(ctx: Context, restriction: Restriction, data: dict) -> list[str]:
    """Set the terms present in `data`; return the names of those that changed."""
    changed = []
    for name in PLAIN_TERMS:
        if name in data and getattr(restriction, name) != data[name]:
            setattr(restriction, name, data[name])
            changed.append(name)
    for name, column in (("spoc_officer", "spoc_officer_id"), ("deputy_officer", "deputy_officer_id")):
        if name in data:
            officer = officer_by_email(ctx, data[name], name)
            new_id = officer.id if officer else None
            if getattr(restriction, column) != new_id:
                setattr(restriction, column, new_id)
                changed.append(name)
    if "scope" in data:
        service = service_by_slug(ctx, data["scope"], "scope")
        restriction.scope_service_id = service.id if service else None
        changed.append("scope")
    if "spoc_officer" in changed and "deputy_officer" not in data:
        restriction.deputy_officer_id = None  # the old officer's deputy is not the new one's: take theirs (below)
    _infer_kind(restriction)
    _default_deputy(restriction)
    return changed


def _infer_kind(restriction: Restriction) -> None:
    """Naming an officer or an inbox says what kind of sole point of contact it is."""
    if restriction.spoc_kind is None:
        if restriction.spoc_officer_id is not None:
            restriction.spoc_kind = SpocKind.OFFICER.value
        elif restriction.spoc_inbox:
            restriction.spoc_kind = SpocKind.SHARED_INBOX.value


def _default_deputy(restriction: Restriction) -> None:
    """An officer's standing deputy covers their absence unless another is named (SPOC continuity)."""
    if restriction.spoc_kind == SpocKind.OFFICER.value and restriction.deputy_officer_id is None:
        officer = restriction.spoc_officer
        if officer is not None and officer.id != restriction.spoc_officer_id:
            officer = None  # the relationship still holds the officer before this change: read the new one
        session = object_session(restriction)
        if officer is None and restriction.spoc_officer_id is not None and session is not None:
            from ..models import Officer

            officer = session.get(Officer, restriction.spoc_officer_id)
        if officer is not None:
            restriction.deputy_officer_id = officer.deputy_id


def arrangement_of(restriction: Restriction) -> Arrangement:
    """The restriction's terms as plain data for the policy rules."""
    officer = restriction.spoc_officer
    return Arrangement(
        spoc_kind=SpocKind(restriction.spoc_kind) if restriction.spoc_kind else None,
        spoc_officer_active=bool(officer and officer.active),
        spoc_inbox=restriction.spoc_inbox,
        spoc_external_name=restriction.spoc_external_name,
        consent_basis=restriction.consent_basis,
        allowed_channels=tuple(Channel(c) for c in restriction.allowed_channels or ()),
        time_windows=tuple(restriction.time_windows or ()),
        starts_on=restriction.starts_on,
        ends_on=restriction.ends_on,
        review_due=restriction.review_due,
    )


def checks_of(row: PreRestrictionCheck | None) -> Checks | None:
    """The recorded pre-restriction checks as plain data."""
    if row is None:
        return None
    return Checks(
        social_work_known=Tristate(row.social_work_known) if row.social_work_known else None,
        mental_health_client=bool(row.mental_health_client),
        adjustments_needed=row.adjustments_needed,
        adjustments=tuple(Adjustment(a) for a in row.adjustments or ()),
        other_services=row.other_services,
        social_work_enquiry_to=row.social_work_enquiry_to,
        social_work_enquired_on=row.social_work_enquired_on,
    )


def min_weekly_contact_minutes(ctx: Context) -> int:
    """The least weekly open time the time windows must leave on some open channel (R12, R15)."""
    return ctx.settings.MIN_WEEKLY_CONTACT_MINUTES


def arrangement_problems(ctx: Context, restriction: Restriction) -> list[Problem]:
    """The restriction's terms checked against the arrangement rules, under this council's settings."""
    return check_arrangement(
        arrangement_of(restriction), checks_of(restriction.checks), min_weekly_contact_minutes(ctx)
    )


@dataclass(frozen=True)
class RestrictionTerms:
    """A restriction's terms as they may be shown outside its case file: who, how, when, where, what.

    The one reading of a restriction for the ticket's flag and notes, the sidebar panel, letters and the
    CLI, API and pages. Need to know (R50): no reasons, incidents, or health and social-work details; an
    external worker's role never appears (`contact` names the kind of arrangement instead)."""

    restriction_id: int
    state: str
    spoc_kind: str | None
    contact: str  # who the customer deals with and how to reach them, e.g. "Ann Officer <ann@council.example>"
    deputy: str | None  # the deputy the same way, when the contact is an officer with one
    officer_email: str | None
    deputy_email: str | None
    inbox: str | None
    external_name: str | None
    channels: tuple[str, ...]
    time_windows: tuple[dict, ...]
    premises: dict
    subjects: dict
    scope_slug: str | None  # None: council-wide
    scope_name: str | None
    review_due: dt.date | None
    ends_on: dt.date | None

    @property
    def channels_text(self) -> str:
        return ", ".join(self.channels) or "none"

    @property
    def windows_text(self) -> str:
        """In words, as the ticket's note and the panel show them: "Mondays and Wednesdays, 10am to 12 noon; Fridays,
        2pm to 3pm" (empty when contact is not limited to times)."""
        return windows_words(self.time_windows)

    def as_dict(self) -> dict:
        """The terms as JSON data: the CLI's --json, the API, the customer view, and the facts a letter keeps."""
        return {
            "restriction": self.restriction_id,
            "state": self.state,
            "sole_point_of_contact": {
                "kind": self.spoc_kind,
                "officer": self.officer_email,
                "deputy": self.deputy_email,
                "inbox": self.inbox,
                "external": self.external_name,
            },
            "allowed_channels": list(self.channels),
            "time_windows": list(self.time_windows),
            "premises": dict(self.premises),
            "subjects": dict(self.subjects),
            "scope": self.scope_slug or "council-wide",
            "review_due": self.review_due.isoformat() if self.review_due else None,
            "ends_on": self.ends_on.isoformat() if self.ends_on else None,
        }


def terms_of(restriction: Restriction) -> RestrictionTerms:
    """The restriction's terms as they may be shown (see RestrictionTerms)."""
    r = restriction
    contact, deputy = _contact(r)
    return RestrictionTerms(
        restriction_id=r.id,
        state=r.state,
        spoc_kind=r.spoc_kind,
        contact=contact,
        deputy=deputy,
        officer_email=r.spoc_officer.email if r.spoc_officer else None,
        deputy_email=r.deputy_officer.email if r.deputy_officer else None,
        inbox=r.spoc_inbox,
        external_name=r.spoc_external_name,
        channels=tuple(r.allowed_channels or ()),
        time_windows=tuple(r.time_windows or ()),
        premises=dict(r.premises or {}),
        subjects=dict(r.subjects or {}),
        scope_slug=r.scope_service.slug if r.scope_service else None,
        scope_name=r.scope_service.name if r.scope_service else None,
        review_due=r.review_due,
        ends_on=r.ends_on,
    )


def _contact(r: Restriction) -> tuple[str, str | None]:
    """Who the customer deals with, as a ticket may show it: a name and how to reach them; and the deputy.

    Need to know (R50): an external worker's role ("community mental health team leader", "social
    worker") tells every agent about the customer's health or care, so it is never shown; the label says
    only which kind of arrangement this is. The role stays in contactguard."""
    if r.spoc_officer is not None:
        return f"{r.spoc_officer.name} <{r.spoc_officer.email}>", (
            f"{r.deputy_officer.name} <{r.deputy_officer.email}>" if r.deputy_officer else None
        )
    if r.spoc_inbox:
        return r.spoc_inbox, None
    if r.spoc_kind is None:  # an immediate action recorded without one: not "the person named in the arrangement"
        return "any officer (no sole point of contact is set)", None
    label = "representative" if r.spoc_kind == SpocKind.REPRESENTATIVE.value else "external contact"
    reach = ", ".join(x for x in (r.spoc_external_email, r.spoc_external_phone) if x)
    name = r.spoc_external_name or "the person named in the arrangement"
    return f"{name} ({label}: {reach})" if reach else f"{name} ({label})", None


def policy_terms(r: Restriction) -> DecisionTerms:
    """A restriction in force as the contact decision reads it (plugin/policy/decision.py).

    SPOC continuity: the officer's standing deputy covers them unless the restriction names another, so a
    ticket routed to that deputy while the SPOC is away is within the arrangement, not disregarded."""
    deputy = r.deputy_officer_id
    if deputy is None and r.spoc_officer is not None and r.spoc_officer.deputy_id:
        deputy = r.spoc_officer.deputy_id
    return DecisionTerms(
        id=r.id,
        spoc_kind=r.spoc_kind,
        spoc_officer_id=r.spoc_officer_id,
        deputy_officer_id=deputy,
        spoc_inbox=r.spoc_inbox,
        external_email=r.spoc_external_email,
        allowed_channels=tuple(r.allowed_channels or ()),
        time_windows=tuple(r.time_windows or ()),
        premises=dict(r.premises or {}),
        subjects=dict(r.subjects or {}),
        scope_service_id=r.scope_service_id,
    )

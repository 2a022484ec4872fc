"""Applying typed terms to a restriction, and reading them back as plain policy data."""

from __future__ import annotations

from sqlalchemy.orm import object_session

from ..models import PreRestrictionCheck, Restriction
from ..policy.restrictions import (
    DEFAULT_MIN_WEEKLY_CONTACT_MINUTES,
    Arrangement,
    Checks,
    Problem,
    check_arrangement,
)
from ..policy.vocabulary import Adjustment, Channel, SpocKind, Tristate
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
    return ctx.settings.get("MIN_WEEKLY_CONTACT_MINUTES", DEFAULT_MIN_WEEKLY_CONTACT_MINUTES)


def arrangement_problems(ctx: Context, restriction: Restriction) -> list[Problem]:
    """The restriction's terms checked against the arrangement rules, under this council's settings."""
    return check_arrangement(
        arrangement_of(restriction), checks_of(restriction.checks), min_weekly_contact_minutes(ctx)
    )


def describe(restriction: Restriction) -> dict:
    """The arrangement as an agent may see it: who, how, when, where, what; no reasons."""
    spoc = restriction.spoc_officer
    deputy = restriction.deputy_officer
    return {
        "restriction": restriction.id,
        "state": restriction.state,
        "sole_point_of_contact": {
            "kind": restriction.spoc_kind,
            "officer": spoc.email if spoc else None,
            "deputy": deputy.email if deputy else None,
            "inbox": restriction.spoc_inbox,
            "external": restriction.spoc_external_name,
        },
        "allowed_channels": list(restriction.allowed_channels or []),
        "time_windows": list(restriction.time_windows or []),
        "premises": dict(restriction.premises or {}),
        "subjects": dict(restriction.subjects or {}),
        "scope": restriction.scope_service.slug if restriction.scope_service else "council-wide",
        "review_due": restriction.review_due.isoformat() if restriction.review_due else None,
        "ends_on": restriction.ends_on.isoformat() if restriction.ends_on else None,
    }

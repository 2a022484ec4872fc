"""Incidents and warnings: the record a restriction must rest on (R1, R3, R4, R51)."""

from __future__ import annotations

from sqlalchemy import select

from ..models import FormalWarning, Incident
from ..policy.calendar import add_months
from ..policy.vocabulary import LetterKind, Role
from ..schemas import IncidentInput, WarningInput
from .context import Context
from .errors import InvalidInput
from .letters import queue_letter
from .lookup import customer_by_ref, get, load, not_after_today, officer_by_email, require_staff, service_by_slug


def record_incident(ctx: Context, data: dict) -> Incident:
    """Any member of staff records what they experienced, and any action taken on the spot."""
    require_staff(ctx, Role.AGENT, "recording an incident")
    data = load(IncidentInput(), data)
    customer = customer_by_ref(ctx, data["customer"])
    experienced_by = officer_by_email(ctx, data["experienced_by"], "experienced_by")
    service = service_by_slug(ctx, data["service"])
    if data["occurred_at"].tzinfo is None:
        raise InvalidInput(
            "give the time with its zone, e.g. 2026-03-02T10:15+00:00", errors={"occurred_at": ["needs a time zone"]}
        )
    if data["occurred_at"] > ctx.now():
        raise InvalidInput("an incident cannot be in the future", errors={"occurred_at": ["in the future"]})
    incident = Incident(
        customer_id=customer.id,
        experienced_by_id=experienced_by.id,
        occurred_at=data["occurred_at"],
        service_id=service.id if service else (experienced_by.service_id),
        channel=data["channel"],
        category=data["category"],
        description=data["description"],
        violence_at_work_ref=data["violence_at_work_ref"],
        immediate_action=data["immediate_action"],
        recorded_by_id=ctx.actor.officer_id,
    )
    ctx.session.add(incident)
    ctx.audit("incident.recorded", incident, category=incident.category, channel=incident.channel)
    return incident


def issue_warning(ctx: Context, data: dict) -> FormalWarning:
    """A formal warning in writing, with the policy enclosed, resting on recorded incidents (R4, R4a, R51)."""
    require_staff(ctx, Role.OFFICER, "issuing a warning")
    data = load(WarningInput(), data)
    customer = customer_by_ref(ctx, data["customer"])
    if not data["policy_enclosed"]:
        raise InvalidInput(
            "a warning letter always encloses a copy of the policy (article 6119)",
            errors={"policy_enclosed": ["must be true"]},
        )
    incidents = [get(ctx, Incident, i, "incident") for i in data["incidents"]]
    if any(i.customer_id != customer.id for i in incidents):
        raise InvalidInput("every incident must be this customer's", errors={"incidents": ["another customer's"]})
    issued_on = not_after_today(ctx, data["issued_on"] or ctx.today(), "issued_on", "a warning")
    months = ctx.settings.WARNING_FOLLOWUP_MONTHS
    warning = FormalWarning(
        customer_id=customer.id,
        issued_by_id=ctx.actor.officer_id,
        issued_on=issued_on,
        behaviour=data["behaviour"],
        why_unacceptable=data["why_unacceptable"],
        change_requested=data["change_requested"],
        consequences=data["consequences"],
        policy_enclosed=True,
        followup_until=add_months(issued_on, months),
        incidents=incidents,
    )
    ctx.session.add(warning)
    ctx.audit("warning.issued", warning, incidents=[i.id for i in incidents])
    queue_letter(
        ctx,
        LetterKind.WARNING,
        customer.id,
        warning_id=warning.id,
        decided_on=issued_on,
        facts={"policy_enclosed": True, "appeal_grounds": "factual_inaccuracy"},
    )
    return warning


def standing_warning(ctx: Context, customer_id: int) -> FormalWarning | None:
    """The newest warning not withdrawn on appeal, if any."""
    query = (
        select(FormalWarning)
        .where(FormalWarning.customer_id == customer_id, FormalWarning.state == "issued")
        .order_by(FormalWarning.issued_on.desc(), FormalWarning.id.desc())
    )
    return ctx.session.scalars(query).first()

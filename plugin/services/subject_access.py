"""Subject access (UK GDPR Art. 15): everything held about one customer, as JSON or as a PDF for the officer.

The export is for the officer handling the request, not for sending as it stands: records that hold
other people's data (staff who experienced an incident, a social worker asked about the customer, a
representative) or health and social-work details are listed under "review before disclosure", with the
field and why, so the officer can apply the exemptions (DPA 2018 Sch. 2 para 16 for third parties; Sch. 3
for health and social-work data) before anything is disclosed.

The JSON has a stable schema (SCHEMA, below): every section is always present (an empty list when there
is nothing), records are in id order, dates are ISO 8601. The PDF is rendered from the same dictionary
through plugin/templates/export/subject_access.html, so the two never disagree. Making an export is
itself audited (`customer.exported`, with the format and the section counts, never the content).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import warnings
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy import or_, select

from ..models import (
    Appeal,
    AuditEntry,
    Connection,
    FormalWarning,
    Incident,
    Letter,
    Officer,
    PreRestrictionCheck,
    Restriction,
    Review,
    WebhookEvent,
)
from ..policy.vocabulary import Role
from .context import Context
from .errors import Forbidden, InvalidInput
from .lookup import customer_by_ref
from .terms import terms_of

SCHEMA = "contactguard.subject-access/1"
SECTIONS = (
    "identities",
    "incidents",
    "warnings",
    "restrictions",
    "checks",
    "appeals",
    "reviews",
    "letters",
    "webhook_events",
    "audit_entries",
)
FORMATS = ("json", "pdf")


def _iso(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _officer(officers: dict, officer_id: int | None) -> dict | None:
    if officer_id is None:
        return None
    o = officers.get(officer_id)
    return {"id": officer_id, "name": o.name if o else None, "email": o.email if o else None}


def require_exporter(ctx: Context) -> None:
    """A subject access export shows everything: a senior officer or an admin makes it."""
    if ctx.actor.role not in (Role.SENIOR, Role.ADMIN):
        shown = ctx.actor.role.value if ctx.actor.role else ctx.actor.label
        raise Forbidden(f"a subject access export needs a senior officer or an admin; you are {shown}")


def collect(ctx: Context, reference: str) -> dict:
    """Everything held about the customer, as the export's dictionary (JSON types only)."""
    customer = customer_by_ref(ctx, reference)
    s, cid = ctx.session, customer.id
    officers = {o.id: o for o in s.scalars(select(Officer))}
    review = []  # the "review before disclosure" list

    def flag(section: str, record_id, fields: list[str], why: str) -> None:
        review.append({"section": section, "record": record_id, "fields": fields, "why": why})

    identities = [
        {
            "id": i.id,
            "kind": i.kind,
            "value": i.value,
            "connection": i.connection_id or None,
            "added_at": _iso(i.created_at),
        }
        for i in sorted(customer.identities, key=lambda i: i.id)
    ]

    incidents = []
    for i in s.scalars(select(Incident).where(Incident.customer_id == cid).order_by(Incident.id)):
        incidents.append(
            {
                "id": i.id,
                "occurred_at": _iso(i.occurred_at),
                "channel": i.channel,
                "category": i.category,
                "description": i.description,
                "immediate_action": i.immediate_action,
                "violence_at_work_ref": i.violence_at_work_ref,
                "service_id": i.service_id,
                "experienced_by": _officer(officers, i.experienced_by_id),
                "recorded_by": _officer(officers, i.recorded_by_id),
                "recorded_at": _iso(i.recorded_at),
            }
        )
        flag(
            "incidents",
            i.id,
            ["experienced_by", "recorded_by", "description", "immediate_action"],
            "names the member of staff who experienced it; the account may name or describe other people",
        )

    warnings_ = []
    for w in s.scalars(select(FormalWarning).where(FormalWarning.customer_id == cid).order_by(FormalWarning.id)):
        warnings_.append(
            {
                "id": w.id,
                "issued_on": _iso(w.issued_on),
                "issued_by": _officer(officers, w.issued_by_id),
                "behaviour": w.behaviour,
                "why_unacceptable": w.why_unacceptable,
                "change_requested": w.change_requested,
                "consequences": w.consequences,
                "policy_enclosed": w.policy_enclosed,
                "state": w.state,
                "followup_until": _iso(w.followup_until),
                "effective": w.effective,
                "incidents": sorted(x.id for x in w.incidents),
            }
        )

    restrictions, checks, reviews = [], [], []
    restriction_rows = list(
        s.scalars(select(Restriction).where(Restriction.customer_id == cid).order_by(Restriction.id))
    )
    for r in restriction_rows:
        restrictions.append(
            {
                "id": r.id,
                "state": r.state,
                "path": r.path,
                "path_justification": r.path_justification,
                "why_necessary": r.why_necessary,
                "warning": r.warning_id,
                "incidents": sorted(x.id for x in r.incidents),
                "terms": _jsonable(terms_of(r).as_dict()),
                "external_contact": {
                    "name": r.spoc_external_name,
                    "role": r.spoc_external_role,
                    "email": r.spoc_external_email,
                    "phone": r.spoc_external_phone,
                    "consent_basis": r.consent_basis,
                },
                "starts_on": _iso(r.starts_on),
                "ends_on": _iso(r.ends_on),
                "review_due": _iso(r.review_due),
                "confirm_by": _iso(r.confirm_by),
                "proposed_by": _officer(officers, r.proposed_by_id),
                "activated_by": _officer(officers, r.activated_by_id),
                "activated_at": _iso(r.activated_at),
                "ended_by": _officer(officers, r.ended_by_id),
                "ended_at": _iso(r.ended_at),
                "end_reason": r.end_reason,
                "created_at": _iso(r.created_at),
            }
        )
        if r.spoc_external_name or r.spoc_external_email or r.spoc_external_phone:
            flag(
                "restrictions",
                r.id,
                ["external_contact"],
                "names a representative or worker (third party): disclose only with their consent or if reasonable",
            )
    ids = [r.id for r in restriction_rows]
    if ids:
        for c in s.scalars(
            select(PreRestrictionCheck)
            .where(PreRestrictionCheck.restriction_id.in_(ids))
            .order_by(PreRestrictionCheck.id)
        ):
            checks.append(
                {
                    "id": c.id,
                    "restriction": c.restriction_id,
                    "social_work_known": c.social_work_known,
                    "social_work_checked_on": _iso(c.social_work_checked_on),
                    "social_work_checked_by": _officer(officers, c.social_work_checked_by_id),
                    "social_work_enquiry_to": c.social_work_enquiry_to,
                    "social_work_enquired_on": _iso(c.social_work_enquired_on),
                    "mental_health_client": c.mental_health_client,
                    "adjustments_needed": c.adjustments_needed,
                    "adjustments": list(c.adjustments or []),
                    "adjustments_notes": c.adjustments_notes,
                    "other_services": c.other_services,
                    "recorded_by": _officer(officers, c.recorded_by_id),
                    "recorded_at": _iso(c.recorded_at),
                }
            )
            flag(
                "checks",
                c.id,
                [
                    "social_work_known",
                    "social_work_enquiry_to",
                    "mental_health_client",
                    "adjustments_notes",
                    "other_services",
                ],
                "social-work and health details, and the people asked about them: apply the serious-harm "
                "test and the third-party rules before disclosure",
            )
        for v in s.scalars(select(Review).where(Review.restriction_id.in_(ids)).order_by(Review.id)):
            reviews.append(
                {
                    "id": v.id,
                    "restriction": v.restriction_id,
                    "due_on": _iso(v.due_on),
                    "held_on": _iso(v.held_on),
                    "held_by": _officer(officers, v.held_by_id),
                    "outcome": v.outcome,
                    "reasons": v.reasons,
                    "next_review_due": _iso(v.next_review_due),
                }
            )

    appeals = []
    for a in s.scalars(select(Appeal).where(Appeal.customer_id == cid).order_by(Appeal.id)):
        appeals.append(
            {
                "id": a.id,
                "kind": a.kind,
                "restriction": a.restriction_id,
                "warning": a.warning_id,
                "received_on": _iso(a.received_on),
                "grounds": a.grounds,
                "statement": a.statement,
                "late": a.late,
                "late_reason": a.late_reason,
                "window_closes_on": _iso(a.window_closes_on),
                "heard_by": _officer(officers, a.heard_by_id),
                "decision_due": _iso(a.decision_due),
                "state": a.state,
                "outcome": a.outcome,
                "outcome_reasons": a.outcome_reasons,
                "decided_on": _iso(a.decided_on),
            }
        )

    letters = []
    for x in s.scalars(select(Letter).where(Letter.customer_id == cid).order_by(Letter.id)):
        letters.append(
            {
                "id": x.id,
                "kind": x.kind,
                "restriction": x.restriction_id,
                "warning": x.warning_id,
                "appeal": x.appeal_id,
                "state": x.state,
                "decided_on": _iso(x.decided_on),
                "generated_at": _iso(x.generated_at),
                "delivery_method": x.delivery_method,
                "sent_on": _iso(x.sent_on),
                "deemed_receipt": _iso(x.deemed_receipt),
                "facts": _jsonable(x.facts),
            }
        )

    connections = {row.id: row.name for row in s.execute(select(Connection.id, Connection.name))}
    events = []
    for e in s.scalars(select(WebhookEvent).where(WebhookEvent.customer_id == cid).order_by(WebhookEvent.id)):
        events.append(
            {
                "id": e.id,
                "received_at": _iso(e.received_at),
                "helpdesk": connections.get(e.connection_id),
                "event_type": e.event_type,
                "ticket": e.ticket_id,
                "outcome": e.outcome,
                "reason": e.reason,
                "restriction": e.restriction_id,
                "screen_hits": list(e.screen_hits or []),
            }
        )

    audit = []
    query = (
        select(AuditEntry)
        .where(
            or_(AuditEntry.customer_id == cid, (AuditEntry.entity_type == "customers") & (AuditEntry.entity_id == cid))
        )
        .order_by(AuditEntry.id)
    )
    for entry in s.scalars(query):
        audit.append(
            {
                "id": entry.id,
                "at": _iso(entry.at),
                "actor": entry.actor,
                "actor_officer": _officer(officers, entry.actor_officer_id),
                "action": entry.action,
                "entity_type": entry.entity_type,
                "entity_id": entry.entity_id,
                "details": _jsonable(entry.details),
            }
        )
    if audit:
        flag(
            "audit_entries",
            None,
            ["actor", "actor_officer"],
            "names the staff who read or changed the record (usually disclosable in their professional role)",
        )

    data = {
        "schema": SCHEMA,
        "generated_at": _iso(ctx.now()),
        "generated_by": ctx.actor.label,
        "customer": {
            "id": customer.id,
            "reference": customer.reference,
            "name": customer.name,
            "postal_address": customer.postal_address.as_dict() if customer.postal_address else None,
            "created_at": _iso(customer.created_at),
        },
        "identities": identities,
        "incidents": incidents,
        "warnings": warnings_,
        "restrictions": restrictions,
        "checks": checks,
        "appeals": appeals,
        "reviews": reviews,
        "letters": letters,
        "webhook_events": events,
        "audit_entries": audit,
        "review_before_disclosure": review,
    }
    data["counts"] = {name: len(data[name]) for name in SECTIONS}
    return data


def _jsonable(value):
    return json.loads(json.dumps(value, default=_iso))


def export(ctx: Context, reference: str, fmt: str, out: str | Path) -> dict:
    """Write the export of `reference` to `out` (0600) as `fmt`; audit it; return the collected dictionary."""
    content, data = export_content(ctx, reference, fmt)
    path = Path(out)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb", opener=lambda p, flags: os.open(p, flags, 0o600)) as fh:
            fh.write(content)
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror or exc}") from None
    return data


def export_content(ctx: Context, reference: str, fmt: str) -> tuple[bytes, dict]:
    """The export of `reference` as `fmt` (the file's bytes) and the collected dictionary; audited (for a download
    from the web pages, and for `export`)."""
    require_exporter(ctx)
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format {fmt}: use one of {', '.join(FORMATS)}", errors={"format": ["unknown"]})
    data = collect(ctx, reference)
    content = render_json(data).encode("utf-8") if fmt == "json" else render_pdf(data)
    customer = customer_by_ref(ctx, reference)
    ctx.audit(
        "customer.exported",
        customer,
        format=fmt,
        counts=data["counts"],
        review_items=len(data["review_before_disclosure"]),
    )
    return content, data


def render_json(data: dict) -> str:
    """The JSON export: stable key order within each record, indented."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


_env = Environment(
    loader=PackageLoader("plugin", "templates"), undefined=StrictUndefined, autoescape=select_autoescape(["html"])
)

SECTION_TITLES = {
    "identities": "Identities",
    "incidents": "Incidents",
    "warnings": "Warnings",
    "restrictions": "Restrictions",
    "checks": "Pre-restriction checks",
    "appeals": "Appeals",
    "reviews": "Reviews",
    "letters": "Letters",
    "webhook_events": "Helpdesk contacts (webhook events)",
    "audit_entries": "Audit trail",
}


def render_html(data: dict) -> str:
    """The export as an HTML page (the PDF's source)."""
    return _env.get_template("export/subject_access.html").render(data=data, sections=SECTIONS, titles=SECTION_TITLES)


def _weasyprint():
    """WeasyPrint, imported late (it loads Pango); its notice about the optional HarfBuzz-Subset is not ours."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*HarfBuzz-Subset.*", category=DeprecationWarning)
        try:
            import weasyprint
        except OSError as exc:  # Pango or its fonts missing from the system
            raise InvalidInput(
                "PDF export needs the Pango libraries (Debian: libpango-1.0-0 libpangoft2-1.0-0); "
                f"JSON works without them: {exc}"
            ) from None
    return weasyprint


def render_pdf(data: dict) -> bytes:
    """The export as a PDF, rendered from the HTML with WeasyPrint."""
    weasyprint = _weasyprint()
    return weasyprint.HTML(string=render_html(data)).write_pdf()

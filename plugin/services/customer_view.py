"""A customer as each role needs to see them, and no more (R50: need-to-know; Clift v Slough).

- agent: who the customer is and the arrangement in force (who to contact, how, when, where, about what).
  No incidents, no reasons, no checks, nothing about health or social work.
- officer: also the incidents and the warnings (what happened, and what the customer was told).
- senior officer or admin: everything on the file, ended restrictions included: reasons, the
  pre-restriction checks (social work, health, adjustments), appeals, reviews and letters.

Anyone else (no role: an operator at the shell acting for nobody) gets the agent's view.
"""

from __future__ import annotations

from sqlalchemy import select

from ..models import Appeal, Customer, FormalWarning, Incident, Letter, Restriction, Review
from ..policy.vocabulary import Role
from .context import Context
from .restrictions import in_force_for
from .terms import terms_of

VIEWS = {Role.AGENT: "agent", Role.OFFICER: "officer", Role.SENIOR: "full", Role.ADMIN: "full"}
# Who may read the reasons a restriction (or its review or appeal) gives the customer: decided here once, for the
# pages, the API, the letters (which state them, so only these roles write letters) and the export. Officers send
# the letters and so read what the customer is told; agents never. The pre-restriction checks (health, social work)
# are narrower still: the full view only.
REASON_READERS = frozenset({Role.OFFICER, Role.SENIOR, Role.ADMIN})
# Who may read the customer's postal address: those who write and post the letters (officers, seniors, admins who
# correct the register). An agent recognises a customer by e-mail, phone or helpdesk id and never posts a letter.
POSTAL_ADDRESS_READERS = frozenset({Role.OFFICER, Role.SENIOR, Role.ADMIN})


def postal_address_for(role: Role | str | None, customer: Customer) -> dict | None:
    """The customer's postal address as `role` may see it: the parts, or None (none held, or not theirs to see)."""
    if role is None or Role(role) not in POSTAL_ADDRESS_READERS or customer.postal_address is None:
        return None
    return customer.postal_address.as_dict()


def may_read_reasons(role: Role | str | None) -> bool:
    """Whether `role` may read the reasons given to the customer (REASON_READERS)."""
    return role is not None and Role(role) in REASON_READERS


def _iso(value):
    return value.isoformat() if value is not None else None


def view_level(role: Role | str | None) -> str:
    """agent | officer | full."""
    if role is None:
        return "agent"
    return VIEWS.get(Role(role), "agent")


def arrangement(r: Restriction) -> dict:
    """A restriction as an agent may see it: the terms in force, and nothing of its history (not even whether it
    is under appeal or interim: that is the case file's, R50); no path or reasons."""
    terms = terms_of(r).as_dict()
    del terms["state"]
    return {"id": r.id, **terms}


def customer_view(ctx: Context, customer: Customer, role: Role | str | None = None) -> dict:
    """The customer as `role` (default: the acting officer's role) may see them."""
    level = view_level(role if role is not None else ctx.actor.role)
    s, cid = ctx.session, customer.id
    data = {
        "view": level,
        "id": customer.id,
        "reference": customer.reference,
        "name": customer.name,
        "identities": [
            {"kind": i.kind, "value": i.value, "connection": i.connection_id}
            for i in sorted(customer.identities, key=lambda i: i.id)
        ],
    }
    in_force = in_force_for(ctx, cid)
    if level != "agent":
        data["address"] = postal_address_for(role if role is not None else ctx.actor.role, customer)
    if level == "agent":
        data["restrictions"] = [arrangement(r) for r in in_force]
        return data
    # Officers see in-force restrictions with the path taken, as the policy workflow shows them.
    data["restrictions"] = [
        {
            **arrangement(r),
            "state": r.state,
            "path": r.path,
            "why_necessary": r.why_necessary,  # what the customer's letter says (REASON_READERS)
            "path_justification": r.path_justification,
            "customer": customer.reference,
            "starts_on": _iso(r.starts_on),
            "activated_at": _iso(r.activated_at),
        }
        for r in in_force
    ]
    data["incidents"] = [
        {
            "id": i.id,
            "occurred_at": _iso(i.occurred_at),
            "channel": i.channel,
            "category": i.category,
            "description": i.description,
            "immediate_action": i.immediate_action,
            "experienced_by": i.experienced_by.email,
            "violence_at_work_ref": i.violence_at_work_ref,
        }
        for i in s.scalars(select(Incident).where(Incident.customer_id == cid).order_by(Incident.id))
    ]
    data["warnings"] = [
        {
            "id": w.id,
            "issued_on": _iso(w.issued_on),
            "state": w.state,
            "issued_by": w.issued_by.email,
            "behaviour": w.behaviour,
            "why_unacceptable": w.why_unacceptable,
            "change_requested": w.change_requested,
            "consequences": w.consequences,
            "followup_until": _iso(w.followup_until),
            "effective": w.effective,
            "incidents": sorted(x.id for x in w.incidents),
        }
        for w in s.scalars(select(FormalWarning).where(FormalWarning.customer_id == cid).order_by(FormalWarning.id))
    ]
    if level == "officer":
        return data
    every = list(s.scalars(select(Restriction).where(Restriction.customer_id == cid).order_by(Restriction.id)))
    data["all_restrictions"] = [
        {
            **arrangement(r),
            "state": r.state,
            "path": r.path,
            "path_justification": r.path_justification,
            "why_necessary": r.why_necessary,
            "end_reason": r.end_reason,
            "starts_on": _iso(r.starts_on),
            "ended_at": _iso(r.ended_at),
            "external_contact": {
                "name": r.spoc_external_name,
                "role": r.spoc_external_role,
                "email": r.spoc_external_email,
                "phone": r.spoc_external_phone,
                "consent_basis": r.consent_basis,
            },
        }
        for r in every
    ]
    data["checks"] = [
        {
            "restriction": r.id,
            "social_work_known": c.social_work_known,
            "social_work_enquiry_to": c.social_work_enquiry_to,
            "social_work_enquired_on": _iso(c.social_work_enquired_on),
            "mental_health_client": c.mental_health_client,
            "adjustments_needed": c.adjustments_needed,
            "adjustments": list(c.adjustments or []),
            "adjustments_notes": c.adjustments_notes,
            "other_services": c.other_services,
        }
        for r in every
        if (c := r.checks) is not None
    ]
    ids = [r.id for r in every]
    data["appeals"] = [
        {
            "id": a.id,
            "kind": a.kind,
            "restriction": a.restriction_id,
            "warning": a.warning_id,
            "received_on": _iso(a.received_on),
            "grounds": a.grounds,
            "statement": a.statement,
            "state": a.state,
            "outcome": a.outcome,
            "outcome_reasons": a.outcome_reasons,
            "decided_on": _iso(a.decided_on),
        }
        for a in s.scalars(select(Appeal).where(Appeal.customer_id == cid).order_by(Appeal.id))
    ]
    data["reviews"] = [
        {
            "id": v.id,
            "restriction": v.restriction_id,
            "held_on": _iso(v.held_on),
            "outcome": v.outcome,
            "reasons": v.reasons,
            "next_review_due": _iso(v.next_review_due),
        }
        for v in (s.scalars(select(Review).where(Review.restriction_id.in_(ids)).order_by(Review.id)) if ids else [])
    ]
    data["letters"] = [
        {
            "id": x.id,
            "kind": x.kind,
            "restriction": x.restriction_id,
            "state": x.state,
            "sent_on": _iso(x.sent_on),
            "deemed_receipt": _iso(x.deemed_receipt),
        }
        for x in s.scalars(select(Letter).where(Letter.customer_id == cid).order_by(Letter.id))
    ]
    return data


def render_text(data: dict) -> str:
    """The view as lines for a terminal."""
    lines = [f"{data['reference']}  {data['name']}"]
    lines += [
        f"  {i['kind']:14} {i['value']}" + (f"  ({i['connection']})" if i["connection"] else "")
        for i in data["identities"]
    ]
    if data.get("address"):
        lines.append("  postal address " + ", ".join(part for part in data["address"].values() if part))
    for r in data["restrictions"]:
        spoc = r["sole_point_of_contact"]
        who = spoc["officer"] or spoc["inbox"] or spoc["external"] or "-"
        lines.append(
            f"  restriction {r['id']}: {r.get('state', 'in force')}, contact via {who}, channels "
            f"{', '.join(r['allowed_channels']) or '-'}, review due {r['review_due']}"
        )
    if not data["restrictions"]:
        lines.append("  no restriction in force")
    for i in data.get("incidents", []):
        lines.append(
            f"  incident {i['id']}: {i['occurred_at'][:10]} {i['category']} by {i['channel']}: {i['description']}"
        )
    for w in data.get("warnings", []):
        lines.append(f"  warning {w['id']}: issued {w['issued_on']} ({w['state']}): {w['behaviour']}")
    for r in data.get("all_restrictions", []):
        lines.append(
            f"  restriction {r['id']} ({r['state']}, {r['path']}): why necessary: {r['why_necessary'] or '-'}"
            + (f"; ended: {r['end_reason']}" if r["end_reason"] else "")
        )
    for c in data.get("checks", []):
        lines.append(
            f"  checks for restriction {c['restriction']}: social work known {c['social_work_known']}, "
            f"mental health client {'yes' if c['mental_health_client'] else 'no'}, adjustments "
            f"{', '.join(c['adjustments']) or 'none'}"
        )
    for a in data.get("appeals", []):
        lines.append(
            f"  appeal {a['id']}: {a['kind']} received {a['received_on']}, {a['state']}"
            + (f" ({a['outcome']})" if a["outcome"] else "")
        )
    for v in data.get("reviews", []):
        lines.append(f"  review {v['id']}: held {v['held_on']}, {v['outcome']}")
    for x in data.get("letters", []):
        lines.append(f"  letter {x['id']}: {x['kind']}, {x['state']}")
    return "\n".join(lines)

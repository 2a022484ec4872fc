"""Plain dictionaries of register records, for the CLI's --json and later the API."""

from __future__ import annotations

from .services.terms import describe


def officer(o) -> dict:
    return {
        "id": o.id,
        "name": o.name,
        "email": o.email,
        "role": o.role,
        "active": o.active,
        "service": o.service.slug if o.service else None,
        "deputy": o.deputy.email if o.deputy else None,
        "helpdesk_ids": [{"connection": h.connection_id, "agent_id": h.agent_id} for h in o.helpdesk_ids],
    }


def customer(c) -> dict:
    return {
        "id": c.id,
        "reference": c.reference,
        "name": c.name,
        "identities": [{"kind": i.kind, "value": i.value, "connection": i.connection_id} for i in c.identities],
    }


def incident(i) -> dict:
    return {
        "id": i.id,
        "customer_id": i.customer_id,
        "experienced_by": i.experienced_by.email,
        "occurred_at": i.occurred_at,
        "channel": i.channel,
        "category": i.category,
        "violence_at_work_ref": i.violence_at_work_ref,
        "immediate_action": i.immediate_action,
    }


def warning(w) -> dict:
    return {
        "id": w.id,
        "customer_id": w.customer_id,
        "issued_on": w.issued_on,
        "state": w.state,
        "issued_by": w.issued_by.email,
        "followup_until": w.followup_until,
        "incidents": [i.id for i in w.incidents],
    }


def restriction(r) -> dict:
    data = describe(r)
    data.update(
        {
            "id": r.id,
            "customer": r.customer.reference,
            "path": r.path,
            "starts_on": r.starts_on,
            "confirm_by": r.confirm_by,
            "activated_at": r.activated_at,
            "ended_at": r.ended_at,
        }
    )
    return data


def appeal(a) -> dict:
    return {
        "id": a.id,
        "kind": a.kind,
        "restriction": a.restriction_id,
        "warning": a.warning_id,
        "received_on": a.received_on,
        "grounds": a.grounds,
        "state": a.state,
        "outcome": a.outcome,
        "heard_by_id": a.heard_by_id,
        "decision_due": a.decision_due,
        "decided_on": a.decided_on,
    }


def review(v) -> dict:
    return {
        "id": v.id,
        "restriction": v.restriction_id,
        "held_on": v.held_on,
        "outcome": v.outcome,
        "next_review_due": v.next_review_due,
    }


def letter(row) -> dict:
    return {
        "id": row.id,
        "kind": row.kind,
        "customer_id": row.customer_id,
        "restriction": row.restriction_id,
        "warning": row.warning_id,
        "appeal": row.appeal_id,
        "state": row.state,
        "method": row.delivery_method,
        "sent_on": row.sent_on,
        "deemed_receipt": row.deemed_receipt,
    }

"""Plain dictionaries of register records, for the CLI's --json, the REST API and the web pages."""

from __future__ import annotations

from .policy.appeals import restriction_appeal_open
from .services import appeals as appeals_service
from .services import letters as letters_service
from .services.terms import terms_of


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


def absence(a) -> dict:
    """An officer's absence (their deputy covers as sole point of contact meanwhile)."""
    return {
        "id": a.id,
        "officer": a.officer.email,
        "starts_on": a.starts_on.isoformat(),
        "ends_on": a.ends_on.isoformat(),
        "note": a.note,
    }


def outbox_action(r) -> dict:
    """An action waiting for, or given up on by, a helpdesk: what, where, how often tried, the last error."""
    return {
        "id": r.id,
        "connection": r.connection_id,
        "kind": r.kind,
        "ticket": r.ticket_id,
        "attempts": r.attempts,
        "next_attempt_at": r.next_attempt_at.isoformat(timespec="seconds"),
        "created_at": r.created_at.isoformat(timespec="seconds"),
        "last_error": r.last_error,
    }


def customer(c) -> dict:
    return {
        "id": c.id,
        "reference": c.reference,
        "name": c.name,
        "identities": [{"kind": i.kind, "value": i.value, "connection": i.connection_id} for i in c.identities],
    }


def customer_with_address(c) -> dict:
    """A customer with their postal address (for those who set it: the address is not in search results)."""
    return {**customer(c), "address": c.postal_address.as_dict() if c.postal_address else None}


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
    data = terms_of(r).as_dict()
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
        "not_sent_reason": row.not_sent_reason,
        "method": row.delivery_method,
        "sent_on": row.sent_on,
        "deemed_receipt": row.deemed_receipt,
    }


# With the appeal clock: what the CLI, the API and the pages all show for a restriction, appeal or letter.


def restriction_with_letters(ctx, r) -> dict:
    """A restriction for output, with its letter's deemed receipt and the appeal deadline (R36, R41)."""
    data = restriction(r)
    newest = letters_service.latest(ctx, appeals_service.RESTRICTION_LETTERS, restriction_id=r.id)
    sent = letters_service.latest_sent(ctx, appeals_service.RESTRICTION_LETTERS, restriction_id=r.id)
    deadline = letters_service.appeal_deadline(ctx, sent) if sent else None
    appeals_made = appeals_service.appeals_against(ctx, restriction_id=r.id)
    data.update(
        {
            "letter": letter_with_deadline(ctx, newest) if newest else None,
            "deemed_receipt": sent.deemed_receipt if sent else None,
            "appeal_deadline": deadline,
            "appeal_window_open": restriction_appeal_open(
                r.state,
                sent.deemed_receipt if sent else None,
                deadline,
                ctx.today(),
                [a.received_on for a in appeals_made],
            ),
            "appeals": [appeal_with_customer(a) for a in appeals_made],
        }
    )
    return data


def appeal_with_customer(a) -> dict:
    """An appeal for output, with the customer's reference and whether it was late (R38)."""
    data = appeal(a)
    data.update(
        {
            "customer": a.customer.reference,
            "late": bool(a.late),
            "late_reason": a.late_reason,
            "window_closes_on": a.window_closes_on,
        }
    )
    return data


def letter_with_deadline(ctx, x) -> dict:
    """A letter for output: the customer's reference, its deemed receipt and the appeal deadline (R36, R41)."""
    data = letter(x)
    window = letters_service.appeal_window(ctx, x)
    data.update(
        {
            "customer": x.customer.reference,
            "decided_on": letters_service.decision_date(x, ctx.settings.zone),
            "appeal_deadline": letters_service.appeal_deadline(ctx, x),
            "appeal_working_days": window.working_days if window else None,
        }
    )
    return data

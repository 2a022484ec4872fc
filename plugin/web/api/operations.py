"""What the webhooks decided, the helpdesk actions waiting or given up on, and the audit trail (admins)."""

from __future__ import annotations

from flask import current_app

from ...present import outbox_action
from ...services import audit, events, outbox
from ...services.errors import InvalidInput, NotFound
from ...services.lookup import customer_by_ref
from .core import ADMIN, ApiBlueprint, acting
from .queries import AuditQuery, EventsQuery, PendingQuery, VerifyQuery
from .schemas import ActionOut, AuditEntryOut, EventOut, RequeuedOut, VerificationOut

bp = ApiBlueprint("operations", __name__, description="Webhook decisions, the outbox and the audit trail (admins).")


@bp.route("/events", methods=["GET"])
@bp.arguments(EventsQuery, location="query")
@bp.response(200, EventOut(many=True))
@acting(ADMIN)
def recent_events(ctx, query):
    """Recent webhook decisions, newest first: when, which ticket, the outcome and the reason."""
    return events.recent(
        ctx, connection_id=query["connection"], outcome=query["outcome"], ticket=query["ticket"], limit=query["limit"]
    )


@bp.route("/outbox/pending", methods=["GET"])
@bp.arguments(PendingQuery, location="query")
@bp.response(200, ActionOut(many=True))
@acting(ADMIN)
def pending_actions(ctx, query):
    """Helpdesk actions still waiting (oldest first), with attempts and the last error."""
    return [outbox_action(r) for r in outbox.pending(ctx.session, query["connection"], query["limit"])]


@bp.route("/outbox/dead", methods=["GET"])
@bp.response(200, ActionOut(many=True))
@acting(ADMIN)
def dead_actions(ctx):
    """Helpdesk actions given up on after every retry, with their last error."""
    return [outbox_action(r) for r in outbox.dead_letters(ctx.session)]


@bp.route("/outbox/dead/<id:action_id>/retry", methods=["POST"])
@bp.response(200, RequeuedOut)
@acting(ADMIN)
def retry_action(ctx, action_id):
    """Queue a dead action again now."""
    if not outbox.retry(ctx.session, [action_id]):
        raise NotFound(f"no dead action with id {action_id}")
    return {"requeued": 1}


@bp.route("/audit", methods=["GET"])
@bp.arguments(AuditQuery, location="query")
@bp.response(200, AuditEntryOut(many=True))
@acting(ADMIN)
def audit_entries(ctx, query):
    """Audit entries newest first (identifiers and codes, never content); `before` pages back."""
    customer_id = customer_by_ref(ctx, query["customer"]).id if query["customer"] else None
    rows = audit.entries(ctx, customer_id=customer_id, before_id=query["before"], limit=query["limit"])
    return [
        {
            "id": e.id,
            "at": e.at,
            "actor": e.actor,
            "actor_officer_id": e.actor_officer_id,
            "action": e.action,
            "entity_type": e.entity_type,
            "entity_id": e.entity_id,
            "customer_id": e.customer_id,
            "details": e.details,
        }
        for e in rows
    ]


@bp.route("/audit/verify", methods=["GET"])
@bp.arguments(VerifyQuery, location="query")
@bp.response(200, VerificationOut)
@acting(ADMIN)
def verify_audit(ctx, query):
    """Recompute the hash chain; `ok` is false with the first bad entry if anything was changed or removed."""
    if query["expect_head"]:
        try:
            audit.parse_head(query["expect_head"])
        except ValueError as exc:
            raise InvalidInput(str(exc), errors={"expect_head": [str(exc)]}) from None
    engine = current_app.extensions["contactguard.engine"]
    with engine.connect() as conn:
        conn = conn.execution_options(**audit.snapshot_options(engine.dialect.name))
        with conn.begin():
            return audit.verify(conn, query["expect_head"], audit.DEFAULT_TOLERANCE).as_dict()

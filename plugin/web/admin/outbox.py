"""The helpdesk outbox: actions waiting, helpdesks down, and dead-lettered actions to retry (one or all) or discard
with a reason (plugin/worker/outbox.py, plugin/services/outbox.py)."""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from ...models import Officer
from ...policy.vocabulary import Role
from ...services import ServiceError
from ...services import outbox as outbox_service
from ...worker import outbox
from ..auth import login_required, signed_in_actor, unit_of_work
from .base import ConfirmForm, bp, connection_names, when

log = logging.getLogger(__name__)


class DiscardForm(FlaskForm):
    """Why a dead-lettered action is given up on for good (kept in the audit trail)."""

    reason = StringField("Why", validators=[InputRequired(), Length(10, 500)])


@bp.get("/admin/outbox")
@login_required(Role.ADMIN)
def outbox_page():
    """Helpdesk actions waiting (with their last error) and those given up on, each with a Retry button."""
    with unit_of_work() as ctx:
        names = connection_names(ctx)
        pending = [_action(a, names) for a in outbox.pending(ctx.session)]
        dead = [_action(a, names) for a in outbox.dead_letters(ctx.session)]
        down = [
            {"name": o.name, "since": when(o.since), "waiting": o.waiting, "error": o.error or "-"}
            for o in outbox_service.outages(ctx.session)
        ]
    return render_template(
        "admin/outbox.html",
        title="Helpdesk outbox",
        pending=pending,
        dead=dead,
        outages=down,
        form=ConfirmForm(),
        discard=DiscardForm(),
    )


def _action(action, names: dict) -> dict:
    return {
        "id": action.id,
        "kind": action.kind.replace("_", " "),
        "ticket": action.ticket_id or "-",
        "connection": names.get(action.connection_id, "-"),
        "attempts": action.attempts,
        "next_attempt_at": when(action.next_attempt_at),
        "created_at": when(action.created_at),
        "last_error": action.last_error or "-",
    }


@bp.post("/admin/outbox/<int:action_id>/retry")
@login_required(Role.ADMIN)
def retry_action(action_id: int):
    """Queue one dead action again; 409 if it is not dead (already retried, or never given up on)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with unit_of_work() as ctx:
        count = outbox.retry(ctx.session, [action_id])
        if count:  # audited as "Retry all" is
            ctx.audit(
                "outbox.retried", ctx.session.get(Officer, signed_in_actor().officer_id), actions=1, action_id=action_id
            )
    if not count:
        return render_template(
            "documents/refused.html",
            title="This cannot be done",
            fields=[],
            message=f"Action {action_id} is not dead-lettered: it was retried already, or it never failed for good.",
        ), 409
    log.info("outbox retry action=%s officer=%s", action_id, signed_in_actor().officer_id)
    flash(f"Action {action_id} queued again: the worker will try it in the next few seconds.")
    return redirect(url_for("admin.outbox_page"))


@bp.post("/admin/outbox/retry-all")
@login_required(Role.ADMIN)
def retry_all():
    """Queue every dead-lettered action again (after the cause was put right, e.g. a field added)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with unit_of_work() as ctx:
        count = outbox.retry(ctx.session)
        if count:
            ctx.audit("outbox.retried", ctx.session.get(Officer, signed_in_actor().officer_id), actions=count)
    log.info("outbox retry all count=%s officer=%s", count, signed_in_actor().officer_id)
    flash(f"{count} action{'' if count == 1 else 's'} queued again: the worker tries them in the next few seconds.")
    return redirect(url_for("admin.outbox_page"))


@bp.post("/admin/outbox/<int:action_id>/discard")
@login_required(Role.ADMIN)
def discard_action(action_id: int):
    """Give up on one dead-lettered action for good, saying why; the reason is kept in the audit trail."""
    form = DiscardForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with unit_of_work() as ctx:
            outbox_service.discard(ctx, action_id, form.reason.data or "")
    except ServiceError as exc:
        return render_template(
            "documents/refused.html", title="This cannot be done", fields=list(exc.errors), message=exc.message
        ), exc.status
    log.info("outbox discard action=%s officer=%s", action_id, signed_in_actor().officer_id)
    flash(f"Action {action_id} discarded.")
    return redirect(url_for("admin.outbox_page"))

"""What the casework pages share: the blueprint and its navigation, who may do what, the standard form page, the
customer or restriction a URL names, the register's choices a form offers, and a service call made from a form."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # in WTForms 3.2, not yet in its stubs

from ...models import Incident, Restriction
from ...policy.vocabulary import Role
from ...services import ServiceError
from ...services import register as reg
from ...services.lookup import customer_by_ref
from ...words import date_words
from ..auth import current_actor, has_bearer, unit_of_work
from ..form_errors import error_list
from .fields import CHANNEL_LABELS
from .refusals import show_refusal

log = logging.getLogger(__name__)

bp = Blueprint("casework", __name__)

READERS = (Role.OFFICER, Role.SENIOR, Role.ADMIN)  # may search customers and read restriction pages
CASEWORKERS = (Role.OFFICER, Role.SENIOR)  # warn, propose, appeal (the service checks the rest)
# Staff who experience abuse deal with it at once (the policy's first paragraph): front-line agents too record an
# incident, as the service (incidents.record_incident) and the API allow.
INCIDENT_RECORDERS = (Role.AGENT, Role.OFFICER, Role.SENIOR)
SENIORS = (Role.SENIOR,)


def form_page(form: FlaskForm, title: str, status: int = 200, **context):
    """Any one form on the standard page: back link, error summary, caption, heading, the fields, the button."""
    return render_template("casework/form.html", form=form, title=title, errors=error_list(form), **context), status


def customer_by_ref_or_404(ctx, reference: str):
    """The customer the URL names, or the 404 page."""
    try:
        return customer_by_ref(ctx, reference)
    except ServiceError:
        abort(404)


def restriction_or_404(ctx, restriction_id: int) -> Restriction:
    """The restriction the URL names, or the 404 page."""
    found = ctx.session.get(Restriction, restriction_id)
    if found is None:
        abort(404)
    return found


def officer_choices(ctx, blank: str) -> list[SelectChoice]:
    """The active officers to choose from, after a first choice that names none (`blank`)."""
    return [SelectChoice("", blank)] + [
        SelectChoice(o.email, f"{o.name} ({o.email})") for o in reg.active_officers(ctx)
    ]


def incident_choices(ctx, customer_id: int) -> list[SelectChoice]:
    """The customer's recorded incidents to choose from, each with its date, kind and channel."""
    rows = ctx.session.scalars(select(Incident).where(Incident.customer_id == customer_id).order_by(Incident.id))
    return [
        SelectChoice(
            i.id,
            f"Incident {i.id}: {date_words(i.occurred_at.astimezone(ctx.settings.zone))}, {i.category.replace('_', ' ')} "
            f"({CHANNEL_LABELS.get(i.channel, i.channel)})",
        )
        for i in rows
    ]


def act(
    form, title: str, page: dict, call, done: str, restriction_id: int | None, aliases: dict | None = None, then=None
):
    """Call the service in one unit of work; on success flash and go to the restriction (or `then`, a URL), else
    show the refusal."""
    try:
        with unit_of_work() as ctx:
            call(ctx)
    except ServiceError as exc:
        if exc.status == 404:
            abort(404)
        show_refusal(form, exc, aliases)
        return form_page(form, title, exc.status, **page)
    log.info("%s via web restriction=%s", title.lower(), restriction_id)
    flash(done)
    return redirect(then or url_for("casework.restriction", restriction_id=restriction_id))


@bp.app_context_processor
def _navigation() -> dict:
    """Customers in the service navigation for those who may search the register (layout.html adds it)."""
    actor = current_actor() if not has_bearer() else None
    items = []
    if actor is not None and actor.role in READERS:
        items.append(
            {
                "text": "Customers",
                "href": url_for("casework.customers"),
                "active": (request.endpoint or "").startswith("casework."),
            }
        )
    return {"casework_navigation": items}

"""What the admin pages share: the blueprint and its navigation, who may do what, the confirmation and form pages,
a service call made from a form, a refusal page, connection names and times as the pages show them."""

from __future__ import annotations

import datetime as dt
import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # in WTForms 3.2, not yet in its stubs

from ... import words
from ...config import settings_of
from ...policy.vocabulary import Role
from ...services import ServiceError
from ...services import connections as conns
from ..auth import current_actor, has_bearer, unit_of_work
from ..documents import put_on_form
from ..form_errors import error_list

log = logging.getLogger(__name__)

bp = Blueprint("admin", __name__)

AUDIT_READERS = (Role.ADMIN, Role.SENIOR)
EXPORTERS = (Role.SENIOR, Role.ADMIN)  # subject access (plugin/services/subject_access.py: require_exporter)
EVERYONE = (Role.AGENT, Role.OFFICER, Role.SENIOR, Role.ADMIN)


class ConfirmForm(FlaskForm):
    """A button and a CSRF token: nothing else to enter."""


def refused(message: str, status: int, fields: list | None = None):
    """The "This cannot be done" page with the service's message (naming its rule) and the status."""
    return render_template(
        "documents/refused.html", title="This cannot be done", fields=fields or [], message=message
    ), status


def form_page(form: FlaskForm, title: str, status: int = 200, **context):
    """One admin form on the standard page: back link, error summary, caption, heading, the fields, the buttons."""
    return render_template("admin/form.html", form=form, title=title, errors=error_list(form), **context), status


def act(form: FlaskForm, title: str, call, done: str, then: str, page: dict, aliases: dict | None = None):
    """Call the service in one unit of work; on success flash `done` and go to `then`, else show the refusal on the
    form (the service's message names the field and, for a policy rule, the rule)."""
    try:
        with unit_of_work() as ctx:
            call(ctx)
    except ServiceError as exc:
        if exc.status == 404 and not exc.errors:
            abort(404)
        put_on_form(form, exc, aliases)
        return form_page(form, title, exc.status, **page)
    log.info("admin %s done", request.endpoint)
    flash(done)
    return redirect(then)


def confirm_page(title: str, warning: str, button: str, name: str, cancel: str, form: FlaskForm | None = None):
    """A page that asks before a change: what happens, one warning button, and Cancel."""
    return render_template(
        "admin/confirm.html",
        title=title,
        warning=warning,
        button=button,
        name=name,
        cancel=cancel,
        form=form or ConfirmForm(),
    )


def choices(pairs) -> list[SelectChoice]:
    """A select's or radios' (value, label) pairs as WTForms takes them."""
    return [SelectChoice(value, label) for value, label in pairs]


def connection_names(ctx) -> dict:
    """Each connection's id to its name."""
    return {c.id: c.name for c in conns.all_connections(ctx)}


def when(moment: dt.datetime | None) -> str:
    """A stored time as the admin pages show it: in UK time (the council's zone), in words, or "-"."""
    return uk_time(moment, settings_of(current_app).zone)


def uk_time(moment: dt.datetime | None, zone) -> str:
    """A stored time in the council's zone, in words (plugin/words.py): "7 December 2026 at 10:02am", or "-"."""
    return words.time_words(moment, zone) if moment is not None else "-"


def uk_date(day: dt.date | None) -> str:
    """A date in words: "7 December 2026", or "-"."""
    return words.date_words(day) if day else "-"


@bp.app_context_processor
def _navigation() -> dict:
    """The admin pages in the service navigation, by role (layout.html adds them): the audit trail for admins and
    senior officers, subject access for them too, the administration pages for admins, API tokens for everyone."""
    actor = current_actor() if not has_bearer() else None
    role = actor.role if actor is not None else None
    items = []
    if role in AUDIT_READERS:
        items.append(_nav_item("Audit trail", "admin.audit", ("admin.audit", "admin.verify_audit")))
    if role == Role.ADMIN:
        items.append(_nav_item("Officers", "admin.officers", ("admin.officer", "admin.add_officer", "admin.account")))
        items.append(
            _nav_item(
                "Connections",
                "admin.connections",
                ("admin.connection", "admin.add_connection", "admin.change_connection", "admin.connection_"),
            )
        )
        items.append(_nav_item("Outbox", "admin.outbox_page", ("admin.outbox_page", "admin.retry_action")))
        items.append(_nav_item("Webhook decisions", "admin.decisions", ("admin.decisions",)))
        items.append(_nav_item("Administration", "admin.index", ("admin.index", "admin.service", "admin.absence")))
    if role in EXPORTERS:
        items.append(_nav_item("Subject access", "admin.subject_access", ("admin.subject_access",)))
    if role is not None:
        items.append(_nav_item("API tokens", "admin.your_tokens", ("admin.your_tokens", "admin.issue_token")))
    return {"admin_navigation": items}


def _nav_item(text: str, endpoint: str, endpoints: tuple[str, ...]) -> dict:
    return {"text": text, "href": url_for(endpoint), "active": (request.endpoint or "").startswith(endpoints)}

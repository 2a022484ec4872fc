"""Administration in the browser: helpdesk connections, the outbox, webhook decisions, and the audit trail.

The rules stay where the CLI finds them: plugin/services/connections.py (test before saving, secrets sealed and
shown masked, deactivate, rotate the webhook URL), plugin/worker/outbox.py (pending, dead letters, retry),
plugin/services/events.py (recent decisions) and plugin/services/audit.py (entries, chain verification).
Connections, the outbox and decisions are for admins; the audit trail for admins and senior officers. No page
shows a secret, a message's content, or the reason text of a decision: identifiers, codes and times only.
"""

from __future__ import annotations

import json
import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovPasswordInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from marshmallow import fields as mm
from sqlalchemy import select
from wtforms import BooleanField, PasswordField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from adapters import REGISTRY

from ..models import Connection, Customer, Officer
from ..policy.vocabulary import Role
from ..services import ServiceError, events
from ..services import audit as audit_service
from ..services import connections as conns
from ..services import outbox as outbox_service
from ..services.lookup import customer_by_ref
from ..worker import outbox
from .auth import current_actor, has_bearer, login_required, signed_in_actor, unit_of_work
from .documents import error_list, put_on_form, sentence

log = logging.getLogger(__name__)

bp = Blueprint("admin", __name__)

AUDIT_READERS = (Role.ADMIN, Role.SENIOR)
AUDIT_PAGE = 50
DECISIONS_SHOWN = 100
PROBLEMS_SHOWN = 20
JSON_FIELDS = (mm.Dict, mm.Nested, mm.List, mm.Raw)
SETTING, SECRET = "setting_", "secret_"


# -- connections: the form built from the adapter's schemas ----------------------------------------------


def connection_form(adapter):
    """A form for one adapter: a name, each setting (JSON for nested ones), each secret as a password input."""

    class ConnectionForm(FlaskForm):
        name = StringField(
            "Name",
            widget=GovTextInput(),
            description="A name admins recognise, e.g. Housing helpdesk",
            validators=[InputRequired(message="Enter a name for the connection"), Length(max=200)],
        )

    for name, field in adapter.settings_schema().fields.items():
        setattr(ConnectionForm, SETTING + name, _setting_input(name, field))
    for name, field in adapter.secrets_schema().fields.items():
        setattr(
            ConnectionForm,
            SECRET + name,
            PasswordField(
                _label(name, field),
                widget=GovPasswordInput(),
                validators=[Length(max=4096)],
                description="Stored encrypted; never shown again",
            ),
        )
    ConnectionForm.test = SubmitField("Test connection", widget=GovSubmitInput())
    ConnectionForm.save = SubmitField("Test and save", widget=GovSubmitInput())
    return ConnectionForm


def _setting_input(name: str, field):
    label, hint = _label(name, field), field.metadata.get("description")
    if isinstance(field, mm.Boolean):
        return BooleanField(label, widget=GovCheckboxInput(), description=hint)
    if isinstance(field, JSON_FIELDS):
        example = "[]" if isinstance(field, mm.List) else "{}"
        return TextAreaField(
            label,
            widget=GovTextArea(),
            description=f"{hint + '. ' if hint else ''}JSON, for example {example}",
            validators=[Length(max=20000)],
        )
    return StringField(label, widget=GovTextInput(), description=hint, validators=[Length(max=2000)])


def _label(name: str, field) -> str:
    words = name.replace("_", " ").capitalize()
    return words if field.required else f"{words} (optional)"


def _submitted(form, adapter) -> tuple[dict, dict] | None:
    """The settings and secrets as the service takes them; None (errors on the fields) if some JSON is unreadable."""
    settings, secrets, readable = {}, {}, True
    for name, field in adapter.settings_schema().fields.items():
        value = form[SETTING + name].data
        if isinstance(field, mm.Boolean):
            settings[name] = bool(value)
        elif isinstance(field, JSON_FIELDS) and (value or "").strip():
            try:
                settings[name] = json.loads(value)
            except ValueError:
                form[SETTING + name].errors = ["Enter valid JSON, for example {\"name\": \"value\"}"]
                readable = False
        elif (value or "").strip():
            settings[name] = value.strip()
    for name in adapter.secrets_schema().fields:
        if form[SECRET + name].data:
            secrets[name] = form[SECRET + name].data
    return (settings, secrets) if readable else None


def _aliases(adapter) -> dict:
    """The service's field names (`settings.base_url`, or a test's `username`) to the form's."""
    found: dict[str, str] = {}
    for name in adapter.settings_schema().fields:
        found[f"settings.{name}"] = found.setdefault(name, SETTING + name)
    for name in adapter.secrets_schema().fields:
        found[f"secrets.{name}"] = found.setdefault(name, SECRET + name)
    return found


def _adapter_or_404(key: str):
    adapter = REGISTRY.get(key)
    if adapter is None:
        abort(404)
    return adapter


# -- connections: pages -----------------------------------------------------------------------------------


@bp.get("/admin/connections")
@login_required(Role.ADMIN)
def connections():
    """Every helpdesk connection, and the adapters a new one can use."""
    with unit_of_work() as ctx:
        rows = [
            {"id": c.id, "name": c.name, "adapter": c.adapter, "active": c.active} for c in conns.all_connections(ctx)
        ]
    return render_template("admin/connections.html", title="Helpdesk connections", rows=rows, adapters=sorted(REGISTRY))


@bp.route("/admin/connections/new/<adapter_key>", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def add_connection(adapter_key: str):
    """The form for one adapter: "Test connection" calls the helpdesk and saves nothing; "Test and save" saves."""
    adapter = _adapter_or_404(adapter_key)
    form = connection_form(adapter)()
    tested, status = False, 200
    if request.method == "POST":
        submitted = _submitted(form, adapter) if form.validate_on_submit() else None
        if submitted is None:
            status = 400
        else:
            saving = bool(form.save.data)
            try:
                new_id = _add(adapter_key, form.name.data.strip(), *submitted, keep=saving)
            except ServiceError as exc:
                put_on_form(form, exc, _aliases(adapter))
                status = exc.status
            else:
                if saving:
                    flash("Connection saved: the helpdesk answered. Paste its webhook URL into the helpdesk.")
                    return redirect(url_for("admin.connection", connection_id=new_id))
                tested = True
    return render_template(
        "admin/connection_new.html",
        title=f"Add a {adapter_key} connection",
        form=form,
        errors=error_list(form),
        adapter_key=adapter_key,
        tested=tested,
        secret_names=[SECRET + n for n in adapter.secrets_schema().fields],
    ), status


def _add(adapter_key: str, name: str, settings: dict, secrets: dict, keep: bool) -> str | None:
    """Add through the service, which calls the helpdesk first; unless `keep`, undo the addition (a dry run)."""
    with unit_of_work() as ctx:
        connection = conns.add(ctx, adapter_key, name, settings, secrets, test=True)
        new_id = connection.id
        if not keep:
            ctx.session.rollback()
            return None
    log.info("connection added connection=%s adapter=%s", new_id[:6], adapter_key)
    return new_id


@bp.get("/admin/connections/<connection_id>")
@login_required(Role.ADMIN)
def connection(connection_id: str):
    """One connection: settings, secret names with masked values, and the webhook URL to paste."""
    with unit_of_work() as ctx:
        data = conns.describe(ctx, _connection_or_404(ctx, connection_id))
        public_url_set = bool(ctx.settings.PUBLIC_URL)
    settings = [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in sorted(data["settings"].items())]
    return render_template(
        "admin/connection.html", title=data["name"], c=data, settings=settings, public_url_set=public_url_set
    )


def _connection_or_404(ctx, connection_id: str) -> Connection:
    found = ctx.session.get(Connection, connection_id)
    if found is None:
        abort(404)
    return found


CHANGES = {  # what: (page title, what happens, button, service call, message once done)
    "deactivate": (
        "Deactivate this connection?",
        "contactguard stops accepting its webhooks (its URL answers 404) and stops rescanning its tickets. "
        "Its history stays. This cannot be undone from the web pages.",
        "Deactivate",
        conns.deactivate,
        "Connection deactivated: its webhook URL now answers 404.",
    ),
    "rotate-url": (
        "Give this connection a new webhook URL?",
        "The old URL answers 404 from now on: the helpdesk's deliveries fail until you paste the new URL "
        "into it. The connection's sidebar key changes too: signed panel links and the Freshdesk app's secret "
        "must be issued again. Do this when the URL may have leaked.",
        "Rotate the URL",
        conns.rotate_url,
        "New webhook URL made: the old one now answers 404. Paste the new one into the helpdesk.",
    ),
}


class ConfirmForm(FlaskForm):
    """A button and a CSRF token: nothing else to enter."""


class DiscardForm(FlaskForm):
    """Why a dead-lettered action is given up on for good (kept in the audit trail)."""

    reason = StringField("Why", validators=[InputRequired(), Length(10, 500)])


@bp.route("/admin/connections/<connection_id>/<any(deactivate, 'rotate-url'):change>", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def change_connection(connection_id: str, change: str):
    """A confirmation page; the change is made only when its button is pressed (POST with a CSRF token)."""
    title, warning, button, call, done = CHANGES[change]
    form = ConfirmForm()
    if form.validate_on_submit():
        with unit_of_work() as ctx:
            _connection_or_404(ctx, connection_id)
            call(ctx, connection_id)
        log.info("connection %s connection=%s", change, connection_id[:6])
        flash(done)
        return redirect(url_for("admin.connection", connection_id=connection_id))
    with unit_of_work() as ctx:
        name = _connection_or_404(ctx, connection_id).name
    return render_template(
        "admin/confirm.html",
        title=title,
        warning=warning,
        button=button,
        name=name,
        form=form,
        connection_id=connection_id,
    )


# -- the outbox and webhook decisions ---------------------------------------------------------------------


@bp.get("/admin/outbox")
@login_required(Role.ADMIN)
def outbox_page():
    """Helpdesk actions waiting (with their last error) and those given up on, each with a Retry button."""
    with unit_of_work() as ctx:
        names = _connection_names(ctx)
        pending = [_action(a, names) for a in outbox.pending(ctx.session)]
        dead = [_action(a, names) for a in outbox.dead_letters(ctx.session)]
        down = [
            {"name": o.name, "since": _utc(o.since), "waiting": o.waiting, "error": o.error or "-"}
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


def _connection_names(ctx) -> dict:
    return {c.id: c.name for c in conns.all_connections(ctx)}


def _action(action, names: dict) -> dict:
    return {
        "id": action.id,
        "kind": action.kind.replace("_", " "),
        "ticket": action.ticket_id or "-",
        "connection": names.get(action.connection_id, "-"),
        "attempts": action.attempts,
        "next_attempt_at": _utc(action.next_attempt_at),
        "created_at": _utc(action.created_at),
        "last_error": action.last_error or "-",
    }


def _utc(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


@bp.post("/admin/outbox/<int:action_id>/retry")
@login_required(Role.ADMIN)
def retry_action(action_id: int):
    """Queue one dead action again; 409 if it is not dead (already retried, or never given up on)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with unit_of_work() as ctx:
        count = outbox.retry(ctx.session, [action_id])
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


@bp.get("/admin/decisions")
@login_required(Role.ADMIN)
def decisions():
    """The newest webhook decisions: when, which helpdesk and ticket, and the outcome (no content, no reason text)."""
    with unit_of_work() as ctx:
        names = _connection_names(ctx)
        rows = [
            {
                "received_at": e["received_at"][:19].replace("T", " "),
                "connection": names.get(e["connection"], "-"),
                "ticket": e["ticket"] or "-",
                "event_type": e["event_type"],
                "outcome": e["outcome"],
                "customer": e["customer"] or "-",
            }
            for e in events.recent(ctx, limit=DECISIONS_SHOWN)
        ]
    return render_template("admin/decisions.html", title="Webhook decisions", rows=rows, shown=DECISIONS_SHOWN)


# -- the audit trail --------------------------------------------------------------------------------------


class AuditFilter(FlaskForm):
    """Only one customer's entries (by reference); a GET form that changes nothing."""

    class Meta:
        csrf = False

    customer = StringField(
        "Customer reference", widget=GovTextInput(), description="For example, C1001", validators=[Length(max=64)]
    )


@bp.get("/audit")
@login_required(*AUDIT_READERS)
def audit():
    """Audit entries newest first, a page at a time, optionally of one customer."""
    form = AuditFilter(formdata=None, customer=(request.args.get("customer") or "").strip())
    before = request.args.get("before", type=int)
    rows, status, older = [], 200, None
    try:
        with unit_of_work() as ctx:
            customer_id = customer_by_ref(ctx, form.customer.data).id if form.customer.data else None
            found = audit_service.entries(ctx, customer_id, before, AUDIT_PAGE)
            references = _references(ctx, {e.customer_id for e in found})
            rows = [_entry(e, references) for e in found]
    except ServiceError as exc:
        put_on_form(form, exc)
        status = exc.status
    if len(rows) == AUDIT_PAGE:
        older = url_for(
            "admin.audit", before=rows[-1]["id"], **({"customer": form.customer.data} if form.customer.data else {})
        )
    return render_template(
        "admin/audit.html",
        title="Audit trail",
        rows=rows,
        form=form,
        errors=error_list(form),
        older=older,
        paged=before is not None,
        verify_form=ConfirmForm(),
    ), status


def _references(ctx, customer_ids: set) -> dict:
    ids = [c for c in customer_ids if c is not None]
    if not ids:
        return {}
    return dict(ctx.session.execute(select(Customer.id, Customer.reference).where(Customer.id.in_(ids))).all())


def _entry(entry, references: dict) -> dict:
    return {
        "id": entry.id,
        "at": _utc(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "entity": f"{entry.entity_type} {entry.entity_id}" if entry.entity_id is not None else entry.entity_type,
        "customer": references.get(entry.customer_id, entry.customer_id) if entry.customer_id else "-",
        "details": json.dumps(entry.details or {}, sort_keys=True, ensure_ascii=False),
    }


@bp.post("/audit/verify")
@login_required(*AUDIT_READERS)
def verify_audit():
    """Recompute the hash chain (as `contactguard audit verify` does) and show the result."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    engine = current_app.extensions["contactguard.engine"]
    with engine.connect() as conn:
        conn = conn.execution_options(**audit_service.snapshot_options(engine.dialect.name))
        with conn.begin():
            result = audit_service.verify(conn)
    log.info("audit verified officer=%s ok=%s entries=%s", signed_in_actor().officer_id, result.ok, result.entries)
    return render_template(
        "admin/audit_verify.html",
        title="Audit trail verification",
        result=result,
        problems=[sentence(p.message) for p in result.problems[:PROBLEMS_SHOWN]],
        more=max(0, len(result.problems) - PROBLEMS_SHOWN),
    )


# -- navigation -------------------------------------------------------------------------------------------


@bp.app_context_processor
def _navigation() -> dict:
    """Audit, Connections, Outbox and Webhook decisions in the service navigation, by role (layout.html adds them)."""
    actor = current_actor() if not has_bearer() else None
    role = actor.role if actor is not None else None
    items = []
    if role in AUDIT_READERS:
        items.append(_nav_item("Audit trail", "admin.audit", ("admin.audit", "admin.verify_audit")))
    if role == Role.ADMIN:
        items.append(
            _nav_item(
                "Connections",
                "admin.connections",
                ("admin.connection", "admin.add_connection", "admin.change_connection"),
            )
        )
        items.append(_nav_item("Outbox", "admin.outbox_page", ("admin.outbox_page", "admin.retry_action")))
        items.append(_nav_item("Webhook decisions", "admin.decisions", ("admin.decisions",)))
    return {"admin_navigation": items}


def _nav_item(text: str, endpoint: str, endpoints: tuple[str, ...]) -> dict:
    return {"text": text, "href": url_for(endpoint), "active": (request.endpoint or "").startswith(endpoints)}

"""Helpdesk connections: the list, adding one (its form built from the adapter's schemas, connection_forms.py), one
connection's page, testing it, and deactivating it or rotating its webhook URL (plugin/services/connections.py).

Testing and saving are separate: "Test the connection" calls the helpdesk and saves nothing; "Test and save" saves
only after the helpdesk answered; "Save without testing" saves and says that nothing was called. No message says the
helpdesk answered unless a call was made (a connection with nothing to call is refused as untested).
"""

from __future__ import annotations

import json
import logging

from flask import abort, flash, redirect, render_template, request, url_for

from adapters import REGISTRY

from ...models import Connection
from ...policy.vocabulary import Role
from ...services import ServiceError
from ...services import connections as conns
from ..auth import login_required, unit_of_work
from ..documents import put_on_form
from ..form_errors import error_list, sentence
from .base import ConfirmForm, bp, confirm_page
from .connection_forms import SECRET, add_title, aliases, connection_form, submitted, title_of

log = logging.getLogger(__name__)

SAVED_TESTED = (
    "Connection saved: the helpdesk answered with these credentials. Paste its webhook URL into the helpdesk."
)
SAVED_UNTESTED = (
    "Connection saved without testing: contactguard has not called the helpdesk, so it does not know yet whether "
    "these settings work. Choose Test the connection when the helpdesk can be reached."
)


def adapter_or_404(key: str):
    """The adapter the URL names, or the 404 page."""
    adapter = REGISTRY.get(key)
    if adapter is None:
        abort(404)
    return adapter


def connection_or_404(ctx, connection_id: str) -> Connection:
    """The connection the URL names, or the 404 page."""
    found = ctx.session.get(Connection, connection_id)
    if found is None:
        abort(404)
    return found


@bp.get("/admin/connections")
@login_required(Role.ADMIN)
def connections():
    """Every helpdesk connection, and the helpdesks a new one can be made for (by the names people use)."""
    with unit_of_work() as ctx:
        rows = [
            {"id": c.id, "name": c.name, "adapter": _title(c.adapter), "active": c.active}
            for c in conns.all_connections(ctx)
        ]
    adapters = sorted(((add_title(a), key) for key, a in REGISTRY.items()), key=lambda pair: pair[0].lower())
    return render_template("admin/connections.html", title="Helpdesk connections", rows=rows, adapters=adapters)


def _title(adapter_key: str) -> str:
    adapter = REGISTRY.get(adapter_key)
    return title_of(adapter) if adapter is not None else adapter_key


@bp.route("/admin/connections/new/<adapter_key>", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def add_connection(adapter_key: str):
    """The form for one adapter: test only, test and save, or save without testing."""
    adapter = adapter_or_404(adapter_key)
    form = connection_form(adapter)()
    tested, status = False, 200
    if request.method == "POST":
        found = submitted(form, adapter) if form.validate_on_submit() else None
        if found is None:
            status = 400
        else:
            try:
                saved = _test_or_save(form, adapter_key, *found)
            except ServiceError as exc:
                put_on_form(form, exc, aliases(adapter))
                status = exc.status
            else:
                if saved is not None:
                    flash(SAVED_TESTED if form.save.data else SAVED_UNTESTED)
                    return redirect(url_for("admin.connection", connection_id=saved))
                tested = True
    return render_template(
        "admin/connection_new.html",
        title=add_title(adapter),
        form=form,
        errors=error_list(form),
        adapter_key=adapter_key,
        tested=tested,
        secret_names=[name for name in form._fields if name.startswith(SECRET)],
    ), status


def _test_or_save(form, adapter_key: str, settings: dict, secrets: dict) -> str | None:
    """Test only (None: nothing saved), or save, tested unless "Save without testing" (the new connection's id)."""
    name = form.name.data.strip()
    with unit_of_work() as ctx:
        if not (form.save.data or form.save_untested.data):
            conns.check(ctx, adapter_key, settings, secrets)
            return None
        new_id = conns.add(ctx, adapter_key, name, settings, secrets, test=bool(form.save.data)).id
    log.info("connection added connection=%s adapter=%s tested=%s", new_id[:6], adapter_key, bool(form.save.data))
    return new_id


@bp.get("/admin/connections/<connection_id>")
@login_required(Role.ADMIN)
def connection(connection_id: str):
    """One connection: settings, secret names with masked values, the webhook URL to paste, the panel's link."""
    return _connection_page(connection_id)


def _connection_page(connection_id: str, problem: str | None = None, status: int = 200):
    with unit_of_work() as ctx:
        data = conns.describe(ctx, connection_or_404(ctx, connection_id))
        public_url_set = bool(ctx.settings.PUBLIC_URL)
    settings = [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in sorted(data["settings"].items())]
    return render_template(
        "admin/connection.html",
        title=data["name"],
        c=data,
        helpdesk=_title(data["adapter"]),
        settings=settings,
        public_url_set=public_url_set,
        form=ConfirmForm(),
        errors=[{"text": problem, "href": "#test"}] if problem else [],
    ), status


@bp.post("/admin/connections/<connection_id>/test")
@login_required(Role.ADMIN)
def connection_test(connection_id: str):
    """Call the helpdesk with the saved settings and secrets; change nothing; say what it answered."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        with unit_of_work() as ctx:
            connection_or_404(ctx, connection_id)
            conns.check_saved(ctx, connection_id)
    except ServiceError as exc:
        return _connection_page(connection_id, sentence(exc.message), exc.status)
    flash("Connection test passed: the helpdesk answered with the saved settings and credentials.")
    return redirect(url_for("admin.connection", connection_id=connection_id))


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


@bp.route("/admin/connections/<connection_id>/<any(deactivate, 'rotate-url'):change>", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def change_connection(connection_id: str, change: str):
    """A confirmation page; the change is made only when its button is pressed (POST with a CSRF token)."""
    title, warning, button, call, done = CHANGES[change]
    form = ConfirmForm()
    if form.validate_on_submit():
        with unit_of_work() as ctx:
            connection_or_404(ctx, connection_id)
            call(ctx, connection_id)
        log.info("connection %s connection=%s", change, connection_id[:6])
        flash(done)
        return redirect(url_for("admin.connection", connection_id=connection_id))
    with unit_of_work() as ctx:
        name = connection_or_404(ctx, connection_id).name
    return confirm_page(
        title, warning, button, name, url_for("admin.connection", connection_id=connection_id), form=form
    )

"""A connection's secrets and its sidebar key (plugin/services/connections.py, plugin/services/sidebar.py).

Secrets are set and rotated here and never shown back: the form has empty password inputs, the page shows only
which secrets are stored. A rotation can keep the old value working (the helpdesk's deliveries signed with either
are accepted) until the admin stops accepting it. The sidebar key, which the helpdesk's signing code needs, is
shown only after a button is pressed, and each showing is audited.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import abort, flash, redirect, render_template, url_for

from adapters import get_adapter

from ...policy.vocabulary import Role
from ...services import ServiceError
from ...services import connections as conns
from ...services import sidebar as sb
from ..auth import login_required, signed_in_actor, unit_of_work
from ..documents import put_on_form
from .base import ConfirmForm, bp, confirm_page, form_page
from .connection_forms import KEEP, PREVIOUS, aliases, new_secrets, secrets_form, title_of, words
from .connections import connection_or_404

log = logging.getLogger(__name__)

TEMPLATE_HELP = (
    "The helpdesk signs each link: sig is the hex HMAC-SHA256, under the sidebar key, of every other parameter "
    "sorted by name and form-encoded (for example email=jane%40example.com&exp=1767225600&ticket=42). exp is a Unix "
    "time at most 7 days ahead."
)


@bp.route("/admin/connections/<connection_id>/secrets", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def connection_secrets(connection_id: str):
    """Replace any of a connection's secrets, tested with the helpdesk first unless "Save without testing"."""
    with unit_of_work() as ctx:
        connection = connection_or_404(ctx, connection_id)
        adapter, name = get_adapter(connection.adapter), connection.name
        stored = set(conns.secrets_of(ctx, connection))
    form = secrets_form(adapter)()
    back = url_for("admin.connection", connection_id=connection_id)
    page = {
        "caption": f"{name} ({title_of(adapter)})",
        "back": back,
        "cancel": back,
        "intro": [
            "Enter a new value only for the secrets you are changing; the others stay as they are. "
            "contactguard never shows a secret once it is stored.",
        ],
    }
    if not form.validate_on_submit():
        return form_page(form, "Change the connection's secrets", 400 if form.errors else 200, **page)
    changes = new_secrets(form, adapter)
    if not changes:
        form.form_errors.append("Enter a new value for at least one secret")
        return form_page(form, "Change the connection's secrets", 400, **page)
    tested = bool(form.save.data)
    try:
        with unit_of_work() as ctx:
            for secret in list(changes):
                if KEEP + secret in form and form[KEEP + secret].data and secret in stored:
                    changes[secret + PREVIOUS] = conns.secrets_of(ctx, connection_or_404(ctx, connection_id))[secret]
            conns.update_secrets(ctx, connection_id, changes, test=tested)
    except ServiceError as exc:
        put_on_form(form, exc, aliases(adapter))
        return form_page(form, "Change the connection's secrets", exc.status, **page)
    log.info("connection secrets changed connection=%s names=%s tested=%s", connection_id[:6], len(changes), tested)
    changed = ", ".join(words(n) for n in sorted(changes) if not n.endswith(PREVIOUS))
    flash(
        f"Saved: {changed}. The helpdesk answered with the new values."
        if tested
        else f"Saved without testing: {changed}. contactguard has not called the helpdesk with the new values."
    )
    return redirect(back)


@bp.route("/admin/connections/<connection_id>/secrets/<name>/stop-previous", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def connection_stop_previous(connection_id: str, name: str):
    """Stop accepting a rotated secret's old value (a confirmation page first)."""
    form = ConfirmForm()
    with unit_of_work() as ctx:
        connection = connection_or_404(ctx, connection_id)
        title = connection.name
        if name + PREVIOUS not in conns.secrets_of(ctx, connection):
            abort(404)
    back = url_for("admin.connection", connection_id=connection_id)
    if not form.validate_on_submit():
        return confirm_page(
            f"Stop accepting the old {words(name)}?",
            f"From now on only the new {words(name)} is accepted: change it in the helpdesk first, or its "
            "deliveries are refused.",
            f"Stop accepting the old {words(name)}",
            title,
            back,
            form,
        )
    with unit_of_work() as ctx:
        conns.update_secrets(ctx, connection_id, {name + PREVIOUS: None}, test=False)
    flash(f"The old {words(name)} is no longer accepted.")
    return redirect(back)


@bp.route("/admin/connections/<connection_id>/sidebar-key", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def connection_sidebar_key(connection_id: str):
    """The panel's signed-link template, and, once its button is pressed, the sidebar key (audited)."""
    form = ConfirmForm()
    key = example = None
    with unit_of_work() as ctx:
        connection = connection_or_404(ctx, connection_id)
        base = ctx.settings.base_url
        template = (
            f"{sb.panel_path(base, connection)}?email={{EMAIL}}&exp={{UNIX_TIME}}&ticket={{TICKET_ID}}&sig={{SIG}}"
        )
        if form.validate_on_submit():
            key = conns.reveal_sidebar_key(ctx, connection_id)
            expires = ctx.now() + dt.timedelta(hours=1)
            example = sb.signed_link(
                ctx.settings, connection, base, ticket="1", email="customer@example.com", expires=expires
            )
        name = connection.name
    if key is not None:
        log.info("sidebar key shown connection=%s officer=%s", connection_id[:6], signed_in_actor().officer_id)
    return render_template(
        "admin/sidebar_key.html",
        title="The panel beside the ticket",
        name=name,
        connection_id=connection_id,
        template=template,
        help=TEMPLATE_HELP,
        key=key,
        example=example,
        form=form,
    )

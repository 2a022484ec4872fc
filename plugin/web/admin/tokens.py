"""Your API tokens: everyone signed in issues and revokes their own (`Authorization: Bearer ...` for scripts, acting
in their role); a token is shown once, when issued, and never again. The page that shows it answers the form's POST
(it is not kept anywhere to show after a redirect), so the form carries a one-time mark: sent again (the page
reloaded, the browser's back button) it issues nothing and says so. An admin revokes anyone's from the officer's
page (accounts.py). The rules and the audit trail are plugin/services/accounts.py's (`contactguard users tokens`).
"""

from __future__ import annotations

import logging
import secrets

from flask import abort, flash, redirect, render_template, session, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import HiddenField, RadioField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from ...services import ServiceError, accounts
from ..auth import login_required, signed_in_actor, unit_of_work
from ..documents import put_on_form
from ..form_errors import error_list
from .base import EVERYONE, ConfirmForm, bp, choices, refused, uk_time

log = logging.getLogger(__name__)

LIFETIMES = [
    ("30", "30 days"),
    ("90", "90 days"),
    ("366", "A year"),
    ("never", "Never (revoke it when it is done with)"),
]


class TokenForm(FlaskForm):
    """What the token is for, and how long it lasts."""

    name = StringField(
        "What is it for?",
        widget=GovTextInput(),
        description="For example, the monthly report script",
        validators=[InputRequired(message="Say what the token is for"), Length(max=100)],
    )
    expires = RadioField(
        "It stops working after",
        widget=GovRadioInput(),
        choices=choices(LIFETIMES),
        default="90",
        validators=[InputRequired(message="Choose when it stops working")],
    )
    once = HiddenField()
    submit = SubmitField("Issue the token", widget=GovSubmitInput())


ONCE = "token_form_once"  # the session's copy of the issue form's one-time mark
SENT_AGAIN = (
    "No token was issued: this form had already been sent (or the page was out of date). A token is shown only "
    "once, when it is issued. Fill in the form again to issue another."
)


def _first_sending(form: TokenForm) -> bool:
    """Whether the form carries the mark the page last gave out (used up now, whatever the answer)."""
    expected = session.pop(ONCE, None)
    sent = form.once.data or ""
    return expected is not None and secrets.compare_digest(sent.encode(), expected.encode())


def _own_account_id(ctx) -> int:
    account_id = accounts.account_id_of(ctx, ctx.actor)
    if account_id is None:  # signed in means an account
        abort(404)
    return account_id


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required(*EVERYONE)
def your_tokens():
    """Your tokens (name, first characters, expiry, last use; never the token), and the form to issue one."""
    form = TokenForm()
    raw, status = None, 200
    if form.validate_on_submit():
        if not _first_sending(form):  # sent again: the token it issued was shown then, and is not issued twice
            form = TokenForm(formdata=None)
            form.form_errors.append(SENT_AGAIN)
            status = 409
        else:
            days = None if form.expires.data == "never" else int(form.expires.data)
            try:
                with unit_of_work() as ctx:
                    raw = accounts.issue_token(ctx, _own_account_id(ctx), form.name.data, days)
            except ServiceError as exc:
                put_on_form(form, exc, {"expires_days": "expires"})
                status = exc.status
            else:
                log.info("api token issued officer=%s", signed_in_actor().officer_id)
                form = TokenForm(formdata=None)
    elif form.errors:
        status = 400
    form.once.data = session[ONCE] = secrets.token_urlsafe(16)
    with unit_of_work() as ctx:
        zone = ctx.settings.zone
        rows = [
            {
                "id": t.id,
                "name": t.name,
                "prefix": t.prefix,
                "expires": uk_time(t.expires_at, zone) if t.expires_at else "Never",
                "last_used": uk_time(t.last_used_at, zone) if t.last_used_at else "Never",
                "revoked": t.revoked_at is not None,
            }
            for t in accounts.list_tokens(ctx, _own_account_id(ctx))
        ]
    return render_template(
        "admin/tokens.html",
        title="Your API tokens",
        rows=rows,
        form=form,
        errors=error_list(form),
        raw=raw,
        revoke=ConfirmForm(),
    ), status


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required(*EVERYONE)
def revoke_token(token_id: int):
    """Revoke one of your tokens at once (another officer's is refused: an admin does that from their page)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        with unit_of_work() as ctx:
            accounts.revoke_token(ctx, token_id)
    except ServiceError as exc:
        return refused(exc.message[:1].upper() + exc.message[1:] + ".", exc.status)
    flash("API token revoked: it is refused from now on.")
    return redirect(url_for("admin.your_tokens"))

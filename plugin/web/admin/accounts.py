"""An officer's account, from their page (officers.py): give them one, reset the password, reset the authenticator
app (TOTP), unlock it after too many failed sign-ins, disable and enable it, and revoke any of their API tokens.

The rules and the audit trail are plugin/services/accounts.py's, as for `contactguard users ...`. A password is
typed by the admin and never shown again; a new TOTP secret is shown once, to give to the officer.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

from flask import abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput
from sqlalchemy import select
from wtforms import PasswordField, SubmitField
from wtforms.validators import EqualTo, InputRequired, Length

from ...models import Account, ApiToken
from ...policy.vocabulary import Role
from ...services import ServiceError, accounts
from ..auth import login_required, signed_in_actor, unit_of_work
from .base import ConfirmForm, act, bp, confirm_page, form_page, refused
from .officers import officer_or_404

log = logging.getLogger(__name__)


class PasswordForm(FlaskForm):
    """A new password, typed twice."""

    password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description=f"At least {accounts.MIN_PASSWORD_LENGTH} characters. Tell it to the officer in person or by "
        "phone, never by e-mail.",
        validators=[InputRequired(message="Enter a password"), Length(max=accounts.MAX_PASSWORD_LENGTH)],
    )
    again = PasswordField(
        "The password again",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Enter the password again"),
            EqualTo("password", message="The two passwords are not the same"),
        ],
    )
    submit = SubmitField("Save the password", widget=GovSubmitInput())


def _officer_and_account(officer_id: int) -> tuple[str, str, int | None]:
    """The officer's e-mail and name, and their account's id (None without one), or the 404 page."""
    with unit_of_work() as ctx:
        o = officer_or_404(ctx, officer_id)
        account_id = ctx.session.scalar(select(Account.id).where(Account.officer_id == o.id))
        return o.email, o.name, account_id


def _account_or_404(officer_id: int) -> tuple[str, str, int]:
    email, name, account_id = _officer_and_account(officer_id)
    if account_id is None:
        abort(404)
    return email, name, account_id


@bp.route("/admin/officers/<int:officer_id>/account/new", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def account_create(officer_id: int):
    """Give an officer an account with a first password (`contactguard users add`)."""
    email, name, account_id = _officer_and_account(officer_id)
    back = url_for("admin.officer", officer_id=officer_id)
    if account_id is not None:
        return redirect(back)
    form = PasswordForm()
    form.submit.label.text = "Give them an account"
    page = {
        "back": back,
        "cancel": back,
        "caption": name,
        "intro": [f"They sign in with {email} and this password, in their role. They can change nothing else."],
    }
    title = "Give this officer an account"
    if not form.validate_on_submit():
        return form_page(form, title, 400 if form.errors else 200, **page)
    return act(
        form,
        title,
        lambda ctx: accounts.create_account(ctx, email, form.password.data or ""),
        f"{name} can now sign in.",
        back,
        page,
    )


@bp.route("/admin/officers/<int:officer_id>/account/password", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def account_password(officer_id: int):
    """Reset an officer's password: also lifts a lockout and ends every session signed in as them."""
    _email, name, account_id = _account_or_404(officer_id)
    back = url_for("admin.officer", officer_id=officer_id)
    form = PasswordForm()
    page = {
        "back": back,
        "cancel": back,
        "caption": name,
        "intro": ["Every browser signed in as them is signed out, and a lockout is lifted."],
    }
    if not form.validate_on_submit():
        return form_page(form, "Reset the password", 400 if form.errors else 200, **page)
    return act(
        form,
        "Reset the password",
        lambda ctx: accounts.set_password(ctx, account_id, form.password.data or ""),
        "Password reset: their sessions have ended.",
        back,
        page,
    )


@bp.route("/admin/officers/<int:officer_id>/account/totp", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def account_totp(officer_id: int):
    """Give the account a new authenticator-app secret (shown once, to hand to the officer); sessions end."""
    _email, name, account_id = _account_or_404(officer_id)
    back = url_for("admin.officer", officer_id=officer_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return confirm_page(
            "Reset their authenticator app?",
            "contactguard makes a new secret and shows it once, here, for you to give to the officer. From then on "
            "they sign in with a code from their app set up with it; the old one stops working and every session "
            "of theirs ends.",
            "Reset the authenticator app",
            name,
            back,
            form,
        )
    with unit_of_work() as ctx:
        uri = accounts.enrol_totp(ctx, account_id)
    log.info("totp reset account=%s officer=%s", account_id, signed_in_actor().officer_id)
    secret = parse_qs(urlsplit(uri).query).get("secret", [""])[0]
    return render_template(
        "admin/totp.html", title="New authenticator app secret", name=name, uri=uri, secret=secret, back=back
    )


@bp.post("/admin/officers/<int:officer_id>/account/unlock")
@login_required(Role.ADMIN)
def account_unlock(officer_id: int):
    """Lift a lockout after too many failed sign-ins (the count of failures back to 0)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _email, name, account_id = _account_or_404(officer_id)
    with unit_of_work() as ctx:
        accounts.unlock_account(ctx, account_id)
    flash(f"{name}'s account is unlocked: they can sign in again.")
    return redirect(url_for("admin.officer", officer_id=officer_id))


@bp.route("/admin/officers/<int:officer_id>/account/disable", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def account_disable(officer_id: int):
    """Stop an account at once (a confirmation page first): no sign-in, sessions ended, tokens refused."""
    _email, name, account_id = _account_or_404(officer_id)
    back = url_for("admin.officer", officer_id=officer_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return confirm_page(
            "Disable this account?",
            "They cannot sign in, every browser signed in as them is signed out now, and their API tokens are "
            "refused, until the account is enabled again. Their officer record stays as it is.",
            "Disable the account",
            name,
            back,
            form,
        )
    with unit_of_work() as ctx:
        accounts.disable_account(ctx, account_id)
    flash("Account disabled: their sessions have ended.")
    return redirect(back)


@bp.post("/admin/officers/<int:officer_id>/account/enable")
@login_required(Role.ADMIN)
def account_enable(officer_id: int):
    """Let a disabled account sign in again (its ended sessions stay ended)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _email, _name, account_id = _account_or_404(officer_id)
    with unit_of_work() as ctx:
        accounts.enable_account(ctx, account_id)
    flash("Account enabled: they can sign in again.")
    return redirect(url_for("admin.officer", officer_id=officer_id))


@bp.post("/admin/officers/<int:officer_id>/tokens/<int:token_id>/revoke")
@login_required(Role.ADMIN)
def account_revoke_token(officer_id: int, token_id: int):
    """An admin revokes any officer's API token at once."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _email, _name, account_id = _account_or_404(officer_id)
    try:
        with unit_of_work() as ctx:
            token = ctx.session.get(ApiToken, token_id)
            if token is None or token.account_id != account_id:
                abort(404)
            accounts.revoke_token(ctx, token_id)
    except ServiceError as exc:
        return refused(exc.message, exc.status)
    flash("API token revoked: it is refused from now on.")
    return redirect(url_for("admin.officer", officer_id=officer_id))

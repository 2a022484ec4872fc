"""Officers: the list, adding one, one officer's page (details, absences, account, API tokens), changing their
details (name, role, service, deputy, their user id in each helpdesk), and deactivating or reactivating them.

Every change goes through plugin/services/register.py, which checks the admin role and writes the audit trail, as
`contactguard officers add|update` does. Their account is on accounts.py; absences on absences.py.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextInput
from sqlalchemy import select
from wtforms import RadioField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from ...models import Account, Officer
from ...policy.vocabulary import Role
from ...services import accounts
from ...services import connections as conns
from ...services import register as reg
from ..auth import login_required, unit_of_work
from .base import ConfirmForm, act, bp, choices, confirm_page, form_page, uk_date, uk_time
from .connection_forms import title_of

HELPDESK_ID = "helpdesk_"  # a form field per connection: the officer's user id in it ("" = every helpdesk)
ROLE_CHOICES = [
    ("agent", "Agent: answers the helpdesk; sees the arrangement in force for a customer"),
    ("officer", "Officer: records incidents and warnings, proposes restrictions, handles appeals"),
    ("senior", "Senior officer: activates and lifts restrictions, holds reviews, decides appeals"),
    ("admin", "Admin: runs contactguard (officers, accounts, helpdesks); does no casework"),
]


def officer_or_404(ctx, officer_id: int) -> Officer:
    """The officer the URL names, or the 404 page."""
    found = ctx.session.get(Officer, officer_id)
    if found is None:
        abort(404)
    return found


@bp.get("/admin/officers")
@login_required(Role.ADMIN)
def officers():
    """Every officer, in post or not, with their role and whether they can sign in."""
    with unit_of_work() as ctx:
        with_account = dict(ctx.session.execute(select(Account.officer_id, Account.disabled_at)).all())
        rows = [
            {
                "id": o.id,
                "name": o.name,
                "email": o.email,
                "role": o.role,
                "active": o.active,
                "service": o.service.name if o.service else "-",
                "account": _account_state(o.id, with_account),
            }
            for o in reg.list_officers(ctx)
        ]
    return render_template("admin/officers.html", title="Officers", rows=rows)


def _account_state(officer_id: int, with_account: dict) -> str:
    if officer_id not in with_account:
        return "No account"
    return "Disabled" if with_account[officer_id] else "Can sign in"


def officer_form(ctx, officer: Officer | None):
    """The officer's details: e-mail (when adding), name, role, service, deputy, and a user id for each helpdesk."""

    class OfficerForm(FlaskForm):
        name = StringField(
            "Full name",
            widget=GovTextInput(),
            validators=[InputRequired(message="Enter the officer's full name"), Length(max=200)],
        )
        role = RadioField(
            "Role",
            widget=GovRadioInput(),
            choices=choices(ROLE_CHOICES),
            validators=[InputRequired(message="Choose the officer's role")],
        )
        service = SelectField("Service (optional)", widget=GovSelect(), choices=choices(_service_choices(ctx)))
        deputy = SelectField(
            "Deputy (optional)",
            widget=GovSelect(),
            description="Covers as sole point of contact while the officer is away",
            choices=choices(_deputy_choices(ctx, officer)),
        )

    if officer is None:
        OfficerForm.email = StringField(
            "E-mail address",
            widget=GovTextInput(),
            description="Their work address: they sign in with it",
            validators=[InputRequired(message="Enter the officer's e-mail address"), Length(max=320)],
        )
    for key, label in _helpdesk_labels(ctx):
        setattr(
            OfficerForm,
            HELPDESK_ID + key,
            StringField(
                label,
                widget=GovTextInput(),
                description="Their agent (user) id there, so tickets can be assigned to them",
                validators=[Optional(), Length(max=128)],
            ),
        )
    OfficerForm.submit = SubmitField("Save" if officer else "Add the officer", widget=GovSubmitInput())
    return OfficerForm


def _service_choices(ctx) -> list[tuple[str, str]]:
    return [("", "None")] + [(s.slug, s.name) for s in reg.list_services(ctx)]


def _deputy_choices(ctx, officer: Officer | None) -> list[tuple[str, str]]:
    others = [o for o in reg.active_officers(ctx) if officer is None or o.id != officer.id]
    return [("", "None")] + [(o.email, f"{o.name} ({o.email})") for o in others]


def _helpdesk_labels(ctx) -> list[tuple[str, str]]:
    """(connection id, label) for each connection, and "" for an id the officer has in every helpdesk."""
    from adapters import REGISTRY

    labels = [("", "User id in every helpdesk (optional)")]
    for c in conns.all_connections(ctx):
        adapter = REGISTRY.get(c.adapter)
        helpdesk = title_of(adapter) if adapter is not None else c.adapter
        labels.append((c.id, f"User id in {c.name} ({helpdesk}) (optional)"))
    return labels


def _helpdesk_ids(form) -> list[dict]:
    return [
        {"connection": name[len(HELPDESK_ID) :], "agent_id": field.data.strip()}
        for name, field in form._fields.items()
        if name.startswith(HELPDESK_ID) and (field.data or "").strip()
    ]


def _details(form) -> dict:
    return {
        "name": form.name.data.strip(),
        "role": form.role.data,
        "service": form.service.data or None,
        "deputy": form.deputy.data or None,
        "helpdesk_ids": _helpdesk_ids(form),
    }


ALIASES = {"helpdesk_ids": "name"}  # a clash of helpdesk ids has no one field


@bp.route("/admin/officers/new", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def add_officer():
    """Add a member of staff with a role (`contactguard officers add`)."""
    with unit_of_work() as ctx:
        form = officer_form(ctx, None)()
    page = {"back": url_for("admin.officers"), "cancel": url_for("admin.officers")}
    if not form.validate_on_submit():
        return form_page(form, "Add an officer", 400 if form.errors else 200, **page)
    made: dict = {}

    def call(ctx):
        made["id"] = reg.add_officer(ctx, {**_details(form), "email": form.email.data.strip()}).id

    response = act(form, "Add an officer", call, "Officer added.", url_for("admin.officers"), page, ALIASES)
    if made:  # saved: go to their page, where they can be given an account
        return redirect(url_for("admin.officer", officer_id=made["id"]))
    return response


@bp.get("/admin/officers/<int:officer_id>")
@login_required(Role.ADMIN)
def officer(officer_id: int):
    """One officer: details, absences to come, their account and API tokens, and what can be done with each."""
    with unit_of_work() as ctx:
        o = officer_or_404(ctx, officer_id)
        zone = ctx.settings.zone
        names = {c.id: c.name for c in conns.all_connections(ctx)}
        account = ctx.session.scalar(select(Account).where(Account.officer_id == o.id))
        data = {
            "id": o.id,
            "name": o.name,
            "email": o.email,
            "role": o.role,
            "active": o.active,
            "service": o.service.name if o.service else "None",
            "deputy": f"{o.deputy.name} ({o.deputy.email})" if o.deputy else "None",
            "helpdesk_ids": [
                (names.get(h.connection_id, "Every helpdesk") if h.connection_id else "Every helpdesk", h.agent_id)
                for h in o.helpdesk_ids
            ],
            "absences": [
                {"id": a.id, "from": uk_date(a.starts_on), "to": uk_date(a.ends_on), "note": a.note or "-"}
                for a in reg.list_absences(ctx, o.email, current_on=ctx.today())
            ],
        }
        shown = _account(account, ctx, zone) if account is not None else None
    return render_template(
        "admin/officer.html", title=data["name"], o=data, account=shown, form=ConfirmForm(), roles=dict(ROLE_CHOICES)
    )


def _account(account: Account, ctx, zone) -> dict:
    now = ctx.now()
    locked = account.locked_until is not None and account.locked_until > now
    return {
        "id": account.id,
        "disabled": account.disabled_at is not None,
        "locked_until": uk_time(account.locked_until, zone) if locked else None,
        "failed_attempts": account.failed_attempts,
        "totp": account.totp_secret_encrypted is not None,
        "last_sign_in": uk_time(account.last_sign_in_at, zone) if account.last_sign_in_at else "Never",
        "tokens": [
            {
                "id": t.id,
                "name": t.name,
                "prefix": t.prefix,
                "expires": uk_time(t.expires_at, zone) if t.expires_at else "Never",
                "last_used": uk_time(t.last_used_at, zone) if t.last_used_at else "Never",
                "revoked": t.revoked_at is not None,
            }
            for t in accounts.list_tokens(ctx, account.id)
        ],
    }


@bp.route("/admin/officers/<int:officer_id>/edit", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def edit_officer(officer_id: int):
    """Change an officer's name, role, service, deputy and helpdesk user ids (`contactguard officers update`)."""
    with unit_of_work() as ctx:
        o = officer_or_404(ctx, officer_id)
        email, name = o.email, o.name
        form_class = officer_form(ctx, o)
        current = {
            "name": o.name,
            "role": o.role,
            "service": o.service.slug if o.service else "",
            "deputy": o.deputy.email if o.deputy else "",
            **{HELPDESK_ID + h.connection_id: h.agent_id for h in o.helpdesk_ids},
        }
    form = form_class() if request.method == "POST" else form_class(data=current)
    back = url_for("admin.officer", officer_id=officer_id)
    page = {"back": back, "cancel": back, "caption": name}
    if not form.validate_on_submit():
        return form_page(form, "Change the officer's details", 400 if form.errors else 200, **page)
    return act(
        form,
        "Change the officer's details",
        lambda ctx: reg.update_officer(ctx, email, _details(form)),
        "Officer's details saved.",
        back,
        page,
        ALIASES,
    )


@bp.route("/admin/officers/<int:officer_id>/<any(deactivate, reactivate):change>", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def officer_activity(officer_id: int, change: str):
    """Deactivate an officer who has left (their sessions end at once; they can no longer be chosen), or bring one
    back; a confirmation page first."""
    form = ConfirmForm()
    with unit_of_work() as ctx:
        o = officer_or_404(ctx, officer_id)
        email, name = o.email, o.name
    back = url_for("admin.officer", officer_id=officer_id)
    if not form.validate_on_submit():
        if change == "deactivate":
            return confirm_page(
                "Deactivate this officer?",
                "They can no longer sign in (every session of theirs ends now) and cannot be chosen as a sole point "
                "of contact, deputy or hearing officer. Where they are the sole point of contact, their deputy "
                "covers. Their history stays.",
                "Deactivate",
                name,
                back,
                form,
            )
        return confirm_page(
            "Reactivate this officer?",
            "They can sign in again with their account, and can be chosen again.",
            "Reactivate",
            name,
            back,
            form,
        )
    with unit_of_work() as ctx:
        reg.update_officer(ctx, email, {"active": change == "reactivate"})
    flash("Officer deactivated: their sessions have ended." if change == "deactivate" else "Officer reactivated.")
    return redirect(back)

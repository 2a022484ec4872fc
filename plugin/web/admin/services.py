"""Council services and arm's-length bodies, the scopes a restriction can be limited to: the list and adding one
(plugin/services/register.py add_service, as `contactguard services add`)."""

from __future__ import annotations

from flask import render_template, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from ...policy.vocabulary import Role
from ...services import register as reg
from ..auth import login_required, unit_of_work
from .base import act, bp, choices, form_page


def service_form(ctx):
    """A service's short name (its slug), its name, the organisation it belongs to, whether it is one."""

    class ServiceForm(FlaskForm):
        name = StringField(
            "Name",
            widget=GovTextInput(),
            description="For example, Housing",
            validators=[InputRequired(message="Enter the service's name"), Length(max=200)],
        )
        slug = StringField(
            "Short name",
            widget=GovTextInput(),
            description="Lower-case letters, digits and hyphens, for example housing. It cannot be changed later",
            validators=[InputRequired(message="Enter a short name"), Length(max=64)],
        )
        parent = SelectField(
            "Belongs to (optional)",
            widget=GovSelect(),
            choices=choices([("", "None")] + [(s.slug, s.name) for s in reg.list_services(ctx) if s.is_organisation]),
        )
        is_organisation = BooleanField(
            "This is an organisation (the council, or an arm's-length body)",
            widget=GovCheckboxInput(),
        )
        submit = SubmitField("Add the service", widget=GovSubmitInput())

    return ServiceForm


@bp.get("/admin/services")
@login_required(Role.ADMIN)
def services():
    """Every service, by short name, with the organisation it belongs to."""
    with unit_of_work() as ctx:
        found = reg.list_services(ctx)
        names = {s.id: s.name for s in found}
        rows = [
            {
                "slug": s.slug,
                "name": s.name,
                "parent": names.get(s.parent_id, "-"),
                "organisation": "Yes" if s.is_organisation else "No",
            }
            for s in found
        ]
    return render_template("admin/services.html", title="Services", rows=rows)


@bp.route("/admin/services/new", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def add_service():
    """Add a service or an organisation."""
    with unit_of_work() as ctx:
        form = service_form(ctx)()
    back = url_for("admin.services")
    page = {"back": back, "cancel": back}
    if not form.validate_on_submit():
        return form_page(form, "Add a service", 400 if form.errors else 200, **page)
    data = {
        "slug": form.slug.data.strip(),
        "name": form.name.data.strip(),
        "parent": form.parent.data or None,
        "is_organisation": bool(form.is_organisation.data),
    }
    return act(form, "Add a service", lambda ctx: reg.add_service(ctx, data), "Service added.", back, page)

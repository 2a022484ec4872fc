"""The register's customers: search it, add a customer, and a customer's file as the signed-in role may see it."""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from ...services import ServiceError
from ...services import events as ev
from ...services import register as reg
from ...services.audit import record_read
from ...services.customer_view import customer_view
from ..auth import login_required, signed_in_actor, unit_of_work
from .base import CASEWORKERS, INCIDENT_RECORDERS, READERS, SENIORS, bp, form_page
from .fields import CHANNEL_LABELS, MEDIUM, SHORT, area_field, blank_none, lines_of, submit_button, text_field
from .refusals import show_refusal

log = logging.getLogger(__name__)

CONTACTS_SHOWN = 20


ADDRESS_LINE = 100
REQUIRED_ADDRESS_PARTS = ("line_1", "town", "postcode")
# The service's names for the parts of the address (plugin/schemas.py PostalAddressInput) and this page's fields.
ADDRESS_FIELDS = {
    "line_1": "address_line_1",
    "line_2": "address_line_2",
    "town": "town",
    "county": "county",
    "postcode": "postcode",
}
ADDRESS_ALIASES = {**ADDRESS_FIELDS, **{f"address.{part}": field for part, field in ADDRESS_FIELDS.items()}}


def address_line_1_field():
    return text_field("Address line 1", limit=ADDRESS_LINE, description="Building and street")


def address_line_2_field():
    return text_field("Address line 2 (optional)", limit=ADDRESS_LINE)


def town_field():
    return text_field("Town or city", limit=ADDRESS_LINE)


def county_field():
    return text_field("County (optional)", limit=ADDRESS_LINE)


def postcode_field():
    return text_field("Postcode", limit=16, description="For example, EH1 1YZ")


def address_data(form: FlaskForm) -> dict | None:
    """The address typed on the form, as the service takes it; None when every part is left empty."""
    parts = {part: (getattr(form, field).data or "").strip() for part, field in ADDRESS_FIELDS.items()}
    if not any(parts.values()):
        return None
    return {part: value for part, value in parts.items() if value or part in REQUIRED_ADDRESS_PARTS}


class CustomerForm(FlaskForm):
    name = text_field("Full name", required="Enter the customer's name")
    reference = text_field("Council reference", limit=64, description="Leave empty to have one made up")
    emails = area_field("E-mail addresses", limit=MEDIUM, description="One on each line")
    phones = area_field("Phone numbers", limit=MEDIUM, description="One on each line, UK or +country")
    address_line_1 = address_line_1_field()
    address_line_2 = address_line_2_field()
    town = town_field()
    county = county_field()
    postcode = postcode_field()
    submit = submit_button("Add customer")


class PostalAddressForm(FlaskForm):
    """The customer's UK postal address, where letters are posted; all parts empty forgets the one held."""

    address_line_1 = address_line_1_field()
    address_line_2 = address_line_2_field()
    town = town_field()
    county = county_field()
    postcode = postcode_field()
    submit = submit_button("Save postal address")


@bp.get("/customers")
@login_required(*READERS)
def customers():
    """Search the register by reference, name, e-mail or phone."""
    query = (request.args.get("q") or "").strip()[:SHORT]
    rows = []
    if query:
        with unit_of_work() as ctx:
            found = reg.find_customers(ctx, query)
            record_read(ctx, "customer search page", "customers", [c.id for c in found], [c.id for c in found])
            rows = [{"reference": c.reference, "name": c.name} for c in found]
    return render_template(
        "casework/customers.html",
        title="Customers",
        query=query,
        rows=rows,
        may_add=signed_in_actor().role in CASEWORKERS,
    )


@bp.route("/customers/new", methods=["GET", "POST"])
@login_required(*CASEWORKERS)
def customer_new():
    """Put a customer on the register with the e-mails and phones that recognise them."""
    form = CustomerForm()
    if not form.validate_on_submit():
        return form_page(form, "Add a customer", 400 if form.errors else 200, back=url_for("casework.customers"))
    emails, phones = lines_of(form.emails.data), lines_of(form.phones.data)
    identities = [{"kind": "email", "value": e} for e in emails] + [{"kind": "phone", "value": p} for p in phones]
    aliases = {f"identities.{i}": "emails" if i < len(emails) else "phones" for i in range(len(identities))}
    aliases.update(ADDRESS_ALIASES)
    try:
        with unit_of_work() as ctx:
            customer = reg.add_customer(
                ctx,
                {
                    "name": form.name.data.strip(),
                    "identities": identities,
                    "reference": blank_none(form.reference.data),
                    "address": address_data(form),
                },
            )
            reference = customer.reference
    except ServiceError as exc:
        show_refusal(form, exc, aliases)
        return form_page(form, "Add a customer", exc.status, back=url_for("casework.customers"))
    log.info("customer added via web reference_id=%s", reference)
    flash(f"Customer {reference} added.")
    return redirect(url_for("casework.customer", reference=reference))


@bp.get("/customers/<reference>")
@login_required()
def customer(reference: str):
    """The customer's file, as the signed-in officer's role may see it (customer_view decides)."""
    with unit_of_work() as ctx:
        try:
            found = reg.customer_for(ctx, reference)  # an agent: only a customer with an arrangement in force
        except ServiceError:
            abort(404)
        data = customer_view(ctx, found)
        contacts = ev.recent(ctx, customer_id=found.id, limit=CONTACTS_SHOWN) if data["view"] != "agent" else []
        record_read(ctx, "customer page", "customers", [found.id], [found.id])
    role = signed_in_actor().role
    return render_template(
        "casework/customer.html",
        title=f"{data['reference']} {data['name']}",
        c=data,
        contacts=contacts,
        may_act=role in CASEWORKERS,
        may_record=role in INCIDENT_RECORDERS,
        may_decide=role in SENIORS,
        channel_labels=CHANNEL_LABELS,
    )


@bp.route("/customers/<reference>/address", methods=["GET", "POST"])
@login_required(*CASEWORKERS)
def customer_address(reference: str):
    """Set, change or clear the customer's postal address (letters may be posted only to a customer with one)."""
    back = url_for("casework.customer", reference=reference)
    with unit_of_work() as ctx:
        try:
            found = reg.customer_for(ctx, reference)
        except ServiceError:
            abort(404)
        held = found.postal_address
        reference = found.reference
    form = PostalAddressForm()
    if request.method == "GET" and held is not None:
        for part, value in held.as_dict().items():
            getattr(form, ADDRESS_FIELDS[part]).data = value
    title = f"Postal address for {reference}"
    if not form.validate_on_submit():
        return form_page(form, title, 400 if form.errors else 200, back=back)
    try:
        with unit_of_work() as ctx:
            reg.set_postal_address(ctx, reference, address_data(form))
    except ServiceError as exc:
        show_refusal(form, exc, ADDRESS_ALIASES)
        return form_page(form, title, exc.status, back=back)
    log.info("customer postal address changed via web reference_id=%s", reference)
    flash(
        f"Postal address for {reference} saved." if address_data(form) else f"Postal address for {reference} removed."
    )
    return redirect(back)

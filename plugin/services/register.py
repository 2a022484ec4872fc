"""The register's people: services, officers, customers and their identities."""

from __future__ import annotations

import datetime as dt

from marshmallow import ValidationError, fields, validate, validates_schema
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import identity as idn
from ..models import Account, Customer, Identity, Officer, OfficerHelpdeskId, Restriction, Service
from ..models.register import OfficerAbsence
from ..policy.lifecycle import IN_FORCE_VALUES
from ..policy.vocabulary import Role
from ..postal_address import PostalAddress
from ..schemas import (
    CustomerInput,
    IdentityInput,
    OfficerInput,
    OfficerUpdate,
    PostalAddressInput,
    ServiceInput,
    StrictSchema,
)
from . import ticket_flags, web_sessions
from .context import Context
from .errors import Conflict, InvalidInput, NotFound
from .lookup import customer_by_ref, get, load, officer_by_email, require_admin, require_staff, service_by_slug


def add_service(ctx: Context, data: dict) -> Service:
    """Register a council service or arm's-length body."""
    require_admin(ctx, "adding a service")
    data = load(ServiceInput(), data)
    if ctx.session.scalar(select(Service).where(Service.slug == data["slug"])):
        raise Conflict(f"a service with slug {data['slug']} exists already", errors={"slug": ["taken"]})
    parent = service_by_slug(ctx, data["parent"], "parent")
    service = Service(
        slug=data["slug"],
        name=data["name"],
        parent_id=parent.id if parent else None,
        is_organisation=data["is_organisation"],
    )
    ctx.session.add(service)
    ctx.audit("service.added", service, slug=service.slug)
    return service


def list_services(ctx: Context) -> list[Service]:
    """Every service, by slug."""
    return list(ctx.session.scalars(select(Service).order_by(Service.slug)))


def list_officers(ctx: Context) -> list[Officer]:
    """Every officer, in post or not, by e-mail."""
    return list(ctx.session.scalars(select(Officer).order_by(Officer.email)))


def find_officer(session: Session, email: str) -> Officer | None:
    """The officer with this e-mail (any case, spaces trimmed), or None: for front ends deciding who acts."""
    return session.scalar(select(Officer).where(Officer.email == email.strip().lower()))


def active_officers(ctx: Context) -> list[Officer]:
    """Officers still in post, by name: who may be chosen as a sole point of contact, a deputy or a hearer."""
    return list(ctx.session.scalars(select(Officer).where(Officer.active.is_(True)).order_by(Officer.name, Officer.id)))


def add_officer(ctx: Context, data: dict) -> Officer:
    """Register a member of staff with a role."""
    require_admin(ctx, "adding an officer")
    data = load(OfficerInput(), data)
    email = data["email"].lower()
    if ctx.session.scalar(select(Officer).where(Officer.email == email)):
        raise Conflict(f"an officer with e-mail {email} exists already", errors={"email": ["taken"]})
    officer = Officer(name=data["name"], email=email, role=data["role"], active=data["active"])
    ctx.session.add(officer)
    _apply_officer_fields(ctx, officer, data)
    ctx.audit("officer.added", officer, role=officer.role)
    return officer


def update_officer(ctx: Context, email: str, data: dict) -> Officer:
    """Change an officer's role, service, deputy, activity or helpdesk ids."""
    require_admin(ctx, "changing an officer")
    officer = officer_by_email(ctx, email)
    data = load(OfficerUpdate(), data)
    for key in ("name", "role", "active"):
        if key in data:
            setattr(officer, key, data[key])
    _apply_officer_fields(ctx, officer, data)
    ctx.audit("officer.changed", officer, fields=sorted(data))
    account_id = ctx.session.scalar(select(Account.id).where(Account.officer_id == officer.id))
    if data.get("active") is False and account_id is not None:
        web_sessions.end_all(ctx, account_id, web_sessions.INACTIVE)  # at once, not at their next use
    return officer


def _apply_officer_fields(ctx: Context, officer: Officer, data: dict) -> None:
    if "service" in data:
        service = service_by_slug(ctx, data["service"])
        officer.service_id = service.id if service else None
    if "deputy" in data:
        deputy = officer_by_email(ctx, data["deputy"], "deputy")
        if deputy is not None and deputy.email == officer.email:
            raise InvalidInput("an officer cannot be their own deputy", errors={"deputy": ["same officer"]})
        officer.deputy_id = deputy.id if deputy else None
    if "helpdesk_ids" in data:
        _set_helpdesk_ids(ctx, officer, data["helpdesk_ids"])
    ctx.session.flush()


def _set_helpdesk_ids(ctx: Context, officer: Officer, wanted: list[dict]) -> None:
    """The officer's user id in each helpdesk ("" = every helpdesk). A user id in a helpdesk is one officer's: one
    another officer holds is refused, naming them. The ids that stay keep their rows: dropping a row and adding the
    same one again would clash on the unique key when flushed (SQLAlchemy inserts before it deletes)."""
    pairs = list(dict.fromkeys((h["connection"], h["agent_id"]) for h in wanted))
    for connection_id, agent_id in pairs:
        holder = ctx.session.scalar(
            select(OfficerHelpdeskId).where(
                OfficerHelpdeskId.connection_id == connection_id, OfficerHelpdeskId.agent_id == agent_id
            )
        )
        if holder is not None and holder.officer is not officer:
            where = f"connection {connection_id}" if connection_id else "every helpdesk"
            raise Conflict(
                f"helpdesk user id {agent_id} in {where} is already {holder.officer.name}'s: a user id in a helpdesk "
                "belongs to one officer",
                errors={"helpdesk_ids": ["taken"]},
            )
    kept = {(h.connection_id, h.agent_id): h for h in officer.helpdesk_ids}
    officer.helpdesk_ids = [
        kept.get(pair) or OfficerHelpdeskId(connection_id=pair[0], agent_id=pair[1]) for pair in pairs
    ]


class AbsenceInput(StrictSchema):
    """A period an officer is away: first and last day, inclusive (council-local dates)."""

    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 200))

    @validates_schema
    def _order(self, data, **kwargs):
        if data["ends_on"] < data["starts_on"]:
            raise ValidationError("the last day is before the first", "ends_on")


def add_absence(ctx: Context, email: str, data: dict) -> OfficerAbsence:
    """Record that an officer is away (leave, secondment): their deputy covers as sole point of contact."""
    require_admin(ctx, "recording an officer's absence")
    officer = officer_by_email(ctx, email)
    data = load(AbsenceInput(), data)
    absence = OfficerAbsence(starts_on=data["starts_on"], ends_on=data["ends_on"], note=data["note"])
    officer.absences.append(absence)
    ctx.session.flush()
    ctx.audit(
        "officer.absence_added", officer, absence_id=absence.id, starts_on=absence.starts_on, ends_on=absence.ends_on
    )
    if absence.starts_on <= ctx.today() <= absence.ends_on:  # already begun: the flags name who covers now
        ticket_flags.cover_changed(ctx, officer.id, ctx.today())
    return absence


def list_absences(ctx: Context, email: str | None = None, current_on: dt.date | None = None) -> list[OfficerAbsence]:
    """Absences, by officer then date; of one officer, and/or only those not over by `current_on`."""
    query = select(OfficerAbsence).join(Officer).order_by(Officer.email, OfficerAbsence.starts_on, OfficerAbsence.id)
    if email is not None:
        query = query.where(OfficerAbsence.officer_id == officer_by_email(ctx, email).id)
    if current_on is not None:
        query = query.where(OfficerAbsence.ends_on >= current_on)
    return list(ctx.session.scalars(query))


def remove_absence(ctx: Context, absence_id: int) -> None:
    """Delete an absence recorded in error or cancelled (a current one: the ticket flags name the officer again)."""
    require_admin(ctx, "removing an officer's absence")
    absence = get(ctx, OfficerAbsence, absence_id, "absence")
    officer = absence.officer
    current = absence.starts_on <= ctx.today() <= absence.ends_on
    ctx.audit(
        "officer.absence_removed", officer, absence_id=absence.id, starts_on=absence.starts_on, ends_on=absence.ends_on
    )
    officer.absences.remove(absence)
    ctx.session.flush()
    if current:
        ticket_flags.cover_changed(ctx, officer.id, ctx.today())


def add_customer(ctx: Context, data: dict) -> Customer:
    """Put a customer on the register, with the identities that recognise them."""
    data = load(CustomerInput(), data)
    reference = data["reference"] or _next_reference(ctx)
    if ctx.session.scalar(select(Customer).where(Customer.reference == reference)):
        raise Conflict(f"a customer with reference {reference} exists already", errors={"reference": ["taken"]})
    customer = Customer(reference=reference, name=data["name"])
    customer.set_postal_address(_postal_address(data["address"]))
    ctx.session.add(customer)
    ctx.audit("customer.added", customer, customer_id=None)
    for index, ident in enumerate(data["identities"]):
        _add_identity(ctx, customer, ident, field=f"identities.{index}")
    return customer


def set_postal_address(ctx: Context, reference: str, data: dict | None) -> Customer:
    """Keep the customer's UK postal address, where letters are posted (None or {}: forget the one held, and
    letters can no longer be recorded as posted). The audit says that it changed, never the address."""
    require_staff(ctx, Role.OFFICER, "setting a customer's postal address")
    customer = customer_by_ref(ctx, reference)
    address = _postal_address(load(PostalAddressInput(), data) if data else None)
    had = customer.postal_address is not None
    customer.set_postal_address(address)
    if address:
        ctx.audit("customer.address_set", customer, customer_id=customer.id)
    elif had:
        ctx.audit("customer.address_removed", customer, customer_id=customer.id)
    return customer


def _postal_address(data: dict | None) -> PostalAddress | None:
    return PostalAddress(**data) if data else None


def add_identity(ctx: Context, reference: str, data: dict) -> Identity:
    """Add one more e-mail, phone or helpdesk user id to a customer."""
    customer = customer_by_ref(ctx, reference)
    return _add_identity(ctx, customer, load(IdentityInput(), data), field="value")


def remove_identity(ctx: Context, reference: str, kind: str, value: str, connection: str = "") -> None:
    """Remove an identity that was wrongly attached (a namesake, an old address)."""
    customer = customer_by_ref(ctx, reference)
    normal = _normalise(kind, value, "value")
    for ident in list(customer.identities):
        if (ident.kind, ident.value, ident.connection_id) == (kind, normal, connection):
            ctx.audit("identity.removed", customer, customer_id=customer.id, kind=kind, identity_id=ident.id)
            customer.identities.remove(ident)
            return
    raise InvalidInput(f"{customer.reference} has no {kind} identity {normal}", errors={"value": ["not attached"]})


def _add_identity(ctx: Context, customer: Customer, data: dict, field: str) -> Identity:
    value = _normalise(data["kind"], data["value"], field)
    existing = ctx.session.scalar(
        select(Identity).where(
            Identity.kind == data["kind"], Identity.value == value, Identity.connection_id == data["connection"]
        )
    )
    if existing is not None:
        owner = get(ctx, Customer, existing.customer_id, "customer")
        raise Conflict(
            f"{data['kind']} {value} already identifies customer {owner.reference}",
            errors={field: ["belongs to another customer"]},
        )
    ident = Identity(kind=data["kind"], value=value, connection_id=data["connection"])
    customer.identities.append(ident)
    ctx.session.flush()
    ctx.audit("identity.added", ident, customer_id=customer.id, kind=ident.kind)
    return ident


def _normalise(kind: str, value: str, field: str) -> str:
    try:
        return idn.normalise(kind, value)
    except idn.IdentityError as exc:
        raise InvalidInput(str(exc), errors={field: [str(exc)]}) from None


def _next_reference(ctx: Context) -> str:
    highest = ctx.session.scalar(select(func.max(Customer.id))) or 0
    return f"C{highest + 1:06d}"


def find_customers(ctx: Context, text: str) -> list[Customer]:
    """Customers whose reference, name or identity matches `text`. An agent finds only customers with an
    arrangement in force: the rest of the register is not theirs to know of (R50)."""
    like = f"%{text.strip().lower()}%"
    by_identity = select(Identity.customer_id).where(func.lower(Identity.value).like(like))
    query = (
        select(Customer)
        .where(
            (func.lower(Customer.reference).like(like))
            | (func.lower(Customer.name).like(like))
            | Customer.id.in_(by_identity)
        )
        .order_by(Customer.reference)
        .limit(200)
    )
    if ctx.actor.role == Role.AGENT:
        query = query.where(Customer.id.in_(_with_arrangement_in_force()))
    return list(ctx.session.scalars(query))


def _with_arrangement_in_force():
    return select(Restriction.customer_id).where(Restriction.state.in_(IN_FORCE_VALUES))


def customer_for(ctx: Context, reference: str) -> Customer:
    """The customer with this reference as the actor may look them up: an agent only one with an arrangement in
    force (anyone else on the register is, to an agent, not found)."""
    customer = customer_by_ref(ctx, reference)
    if (
        ctx.actor.role == Role.AGENT
        and ctx.session.scalar(_with_arrangement_in_force().where(Restriction.customer_id == customer.id).limit(1))
        is None
    ):
        raise NotFound(f"no customer with an arrangement in force has reference {reference}")
    return customer

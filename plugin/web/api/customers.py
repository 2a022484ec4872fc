"""Customers and their identities: search, the file as the caller's role may see it, add, attach identities.

Reading a customer is audited (`register.read`), as it is on the CLI.
"""

from __future__ import annotations

from sqlalchemy import select

from ... import present
from ...models import Incident
from ...schemas import CustomerInput, IdentityInput, PostalAddressInput
from ...services import register as reg
from ...services.customer_view import customer_view
from ...services.lookup import customer_by_ref
from .core import ALL_ROLES, OFFICERS, READERS, ApiBlueprint, acting, audit_read, body
from .queries import SearchQuery
from .schemas import CustomerOut, CustomerViewOut, IdentityOut, IncidentOut, PostalAddressOut, RemovedOut

bp = ApiBlueprint(
    "customers",
    __name__,
    description="Customers on the register and the identities that recognise them; each role sees what it needs (R50).",
)


@bp.route("/customers", methods=["GET"])
@bp.arguments(SearchQuery, location="query")
@bp.response(200, CustomerOut(many=True))
@acting(ALL_ROLES)
def search_customers(ctx, query):
    """Customers whose reference, name, e-mail or phone contains `q` (at most 200)."""
    rows = reg.find_customers(ctx, query["q"])
    audit_read(ctx, "customers", rows, [c.id for c in rows])
    return [present.customer(c) for c in rows]


@bp.route("/customers", methods=["POST"])
@bp.arguments(CustomerInput)
@bp.response(201, CustomerOut)
@acting(OFFICERS)
def add_customer(ctx, _checked):
    """Put a customer on the register (a reference is generated when none is given)."""
    return present.customer_with_address(reg.add_customer(ctx, body()))


@bp.route("/customers/<reference>", methods=["GET"])
@bp.response(200, CustomerViewOut)
@acting(ALL_ROLES)
def show_customer(ctx, reference):
    """The customer's file as your role may see it: agents the arrangement, officers also incidents and
    warnings, senior officers and admins everything."""
    c = reg.customer_for(ctx, reference)
    audit_read(ctx, "customers", [c], [c.id])
    return customer_view(ctx, c)


@bp.route("/customers/<reference>/identities", methods=["POST"])
@bp.arguments(IdentityInput)
@bp.response(201, IdentityOut)
@acting(OFFICERS)
def add_identity(ctx, _checked, reference):
    """Attach an e-mail, phone or helpdesk user id to a customer."""
    ident = reg.add_identity(ctx, reference, body())
    return {"kind": ident.kind, "value": ident.value, "connection": ident.connection_id}


@bp.route("/customers/<reference>/address", methods=["PUT"])
@bp.arguments(PostalAddressInput)
@bp.response(200, PostalAddressOut)
@acting(OFFICERS)
def set_address(ctx, _checked, reference):
    """Set or replace the customer's UK postal address (the postcode is kept upper case with one space). Letters
    may be recorded as sent by post only to a customer with an address."""
    return reg.set_postal_address(ctx, reference, body()).postal_address.as_dict()


@bp.route("/customers/<reference>/address", methods=["DELETE"])
@bp.response(200, RemovedOut)
@acting(OFFICERS)
def remove_address(ctx, reference):
    """Forget the customer's postal address (no longer theirs); letters can then no longer be posted to them."""
    customer = reg.set_postal_address(ctx, reference, None)
    return {"id": customer.id, "removed": True}


@bp.route("/customers/<reference>/incidents", methods=["GET"])
@bp.response(200, IncidentOut(many=True))
@acting(READERS)
def list_incidents(ctx, reference):
    """The incidents recorded against a customer, oldest first."""
    c = customer_by_ref(ctx, reference)
    rows = list(ctx.session.scalars(select(Incident).where(Incident.customer_id == c.id).order_by(Incident.id)))
    audit_read(ctx, "incidents", rows, [c.id])
    return [{**present.incident(i), "description": i.description} for i in rows]

"""Customers and their identities."""
from __future__ import annotations

import click

from .. import present
from ..services import register as reg
from ..services import restrictions as rs
from ..services.lookup import customer_by_ref
from .base import cli, unit_of_work


@cli.group()
def customers() -> None:
    """Customers on the register and the identities that recognise them."""


@customers.command("add")
@click.option("--name", required=True)
@click.option("--reference", help="The council's own reference (generated when omitted).")
@click.option("--email", "emails", multiple=True, help="E-mail address (repeatable).")
@click.option("--phone", "phones", multiple=True, help="Phone number, UK or +country (repeatable).")
@click.option("--helpdesk-user", "helpdesk_users", multiple=True, metavar="CONNECTION:USER_ID",
              help="The customer's user id in a helpdesk (repeatable).")
@unit_of_work()
def customers_add(state, ctx, name, reference, emails, phones, helpdesk_users):
    """Add a customer."""
    identities = [{"kind": "email", "value": e} for e in emails] + [{"kind": "phone", "value": p} for p in phones]
    for item in helpdesk_users:
        connection, _, user = item.rpartition(":")
        identities.append({"kind": "helpdesk_user", "value": user, "connection": connection})
    c = reg.add_customer(ctx, {"name": name, "reference": reference, "identities": identities})
    return f"customer {c.reference} added ({len(c.identities)} identities)", present.customer(c)


@customers.command("add-identity")
@click.argument("reference")
@click.argument("kind", type=click.Choice(["email", "phone", "helpdesk_user"]))
@click.argument("value")
@click.option("--connection", default="", help="The helpdesk connection a helpdesk_user id belongs to.")
@unit_of_work()
def customers_add_identity(state, ctx, reference, kind, value, connection):
    """Attach an e-mail, phone or helpdesk user id to a customer."""
    ident = reg.add_identity(ctx, reference, {"kind": kind, "value": value, "connection": connection})
    return f"{kind} {ident.value} now identifies {reference}", {"kind": kind, "value": ident.value}


@customers.command("remove-identity")
@click.argument("reference")
@click.argument("kind", type=click.Choice(["email", "phone", "helpdesk_user"]))
@click.argument("value")
@click.option("--connection", default="")
@unit_of_work()
def customers_remove_identity(state, ctx, reference, kind, value, connection):
    """Detach an identity (a namesake, an address no longer theirs)."""
    reg.remove_identity(ctx, reference, kind, value, connection)
    return f"{kind} removed from {reference}", {"removed": True}


@customers.command("show")
@click.argument("reference")
@unit_of_work()
def customers_show(state, ctx, reference):
    """Show a customer, their identities and restrictions in force."""
    c = customer_by_ref(ctx, reference)
    restrictions = rs.in_force_for(ctx, c.id)
    lines = [f"{c.reference}  {c.name}"]
    lines += [f"  {i.kind:14} {i.value}" + (f"  ({i.connection_id})" if i.connection_id else "")
              for i in c.identities]
    lines += [f"  restriction {r.id}: {r.state}, review due {r.review_due}" for r in restrictions] or [
        "  no restriction in force"]
    data = present.customer(c) | {"restrictions": [present.restriction(r) for r in restrictions]}
    return "\n".join(lines), data


@customers.command("find")
@click.argument("text")
@unit_of_work()
def customers_find(state, ctx, text):
    """Find customers by reference, name, e-mail or phone."""
    rows = reg.find_customers(ctx, text)
    return ("\n".join(f"{c.reference:10} {c.name}" for c in rows) or "no match",
            [present.customer(c) for c in rows])

"""Customers and their identities."""

from __future__ import annotations

import click

from .. import present
from ..services import register as reg
from ..services.audit import record_read
from ..services.customer_view import customer_view
from ..services.customer_view import render_text as render_customer_view
from ..services.errors import InvalidInput
from .base import cli, unit_of_work

ADDRESS_OPTIONS = {  # option -> the part of the address (plugin/schemas.py PostalAddressInput)
    "address_line_1": "line_1",
    "address_line_2": "line_2",
    "town": "town",
    "county": "county",
    "postcode": "postcode",
}


def address_options(command):
    """The --address-line-1 ... --postcode options of a command that sets a customer's postal address."""
    for option in reversed(
        [
            click.option("--address-line-1", help="Postal address: building and street."),
            click.option("--address-line-2", help="Postal address: second line (optional)."),
            click.option("--town", help="Postal address: town or city."),
            click.option("--county", help="Postal address: county (optional)."),
            click.option("--postcode", help="Postal address: UK postcode, e.g. EH1 1YZ (any case and spacing)."),
        ]
    ):
        command = option(command)
    return command


def _address(options: dict) -> dict | None:
    """The address options given, as the service takes them; None when none was given."""
    given = {part: options[name] for name, part in ADDRESS_OPTIONS.items() if options.get(name) is not None}
    return given or None


@cli.group()
def customers() -> None:
    """Customers on the register and the identities that recognise them."""


@customers.command("add")
@click.option("--name", required=True)
@click.option("--reference", help="The council's own reference (generated when omitted).")
@click.option("--email", "emails", multiple=True, help="E-mail address (repeatable).")
@click.option("--phone", "phones", multiple=True, help="Phone number, UK or +country (repeatable).")
@click.option(
    "--helpdesk-user",
    "helpdesk_users",
    multiple=True,
    metavar="CONNECTION:USER_ID",
    help="The customer's user id in a helpdesk (repeatable).",
)
@address_options
@unit_of_work()
def customers_add(state, ctx, name, reference, emails, phones, helpdesk_users, **address):
    """Add a customer (with a UK postal address, if letters are to be posted to them)."""
    identities = [{"kind": "email", "value": e} for e in emails] + [{"kind": "phone", "value": p} for p in phones]
    for item in helpdesk_users:
        connection, _, user = item.rpartition(":")
        identities.append({"kind": "helpdesk_user", "value": user, "connection": connection})
    data = {"name": name, "reference": reference, "identities": identities, "address": _address(address)}
    c = reg.add_customer(ctx, data)
    posted = ", with a postal address" if c.postal_address else ""
    return f"customer {c.reference} added ({len(c.identities)} identities{posted})", present.customer_with_address(c)


@customers.command("set-address")
@click.argument("reference")
@address_options
@unit_of_work()
def customers_set_address(state, ctx, reference, **address):
    """Set or replace a customer's UK postal address (line 1, town and postcode needed); letters may be recorded
    as sent by post only to a customer with one."""
    data = _address(address)
    if data is None:
        raise InvalidInput(
            "give the postal address: --address-line-1, --town and --postcode at least (or use remove-address)",
            errors={"address": ["missing"]},
        )
    c = reg.set_postal_address(ctx, reference, data)
    lines = c.postal_address.lines() if c.postal_address else []
    return f"postal address of {c.reference}: {', '.join(lines)}", present.customer_with_address(c)


@customers.command("remove-address")
@click.argument("reference")
@unit_of_work()
def customers_remove_address(state, ctx, reference):
    """Forget a customer's postal address (no longer theirs): letters can then not be recorded as posted."""
    c = reg.set_postal_address(ctx, reference, None)
    return f"postal address of {c.reference} removed", present.customer_with_address(c)


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
    """Show a customer as your role (--as) may see them: agents the arrangement in force, officers also the
    incidents and warnings, senior officers and admins the whole file."""
    c = reg.customer_for(ctx, reference)
    data = customer_view(ctx, c)
    record_read(ctx, "customers show", "customers", [c.id], [c.id])
    return render_customer_view(data), data


@customers.command("find")
@click.argument("text")
@unit_of_work()
def customers_find(state, ctx, text):
    """Find customers by reference, name, e-mail or phone."""
    rows = reg.find_customers(ctx, text)
    record_read(ctx, "customers find", "customers", [c.id for c in rows], [c.id for c in rows])
    return ("\n".join(f"{c.reference:10} {c.name}" for c in rows) or "no match", [present.customer(c) for c in rows])

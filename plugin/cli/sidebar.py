"""`contactguard connections sidebar-link ID`: how an admin puts the panel beside a helpdesk's tickets.

It prints the link template the helpdesk must fill in and sign, and one signed example to try in a browser.
The sidebar key is printed only with --show-key (for the helpdesk's template code that signs each link).
"""

from __future__ import annotations

import datetime as dt

import click

from ..services import connections as conns
from ..services import sidebar as sb
from .base import unit_of_work
from .connections import connections

TEMPLATE_HELP = (
    "Sign each link: sig = hex HMAC-SHA256(sidebar key, canonical query), where the canonical query is every\n"
    "parameter except sig, sorted by name, form-encoded (e.g. email=jane%40example.com&exp=1767225600&ticket=42).\n"
    "exp is a Unix time at most 7 days ahead; an expired or altered link shows 'Panel not available'."
)


@connections.command("sidebar-link")
@click.argument("connection_id")
@click.option("--email", default="customer@example.com", show_default=True, help="The example link's customer.")
@click.option("--ticket", default="1", show_default=True, help="The example link's ticket id.")
@click.option("--show-key", is_flag=True, help="Also print the connection's sidebar key (hex; keep it secret).")
@unit_of_work(actor_required=False)
def connections_sidebar_link(state, ctx, connection_id, email, ticket, show_key):
    """Print the panel's signed-link template and a signed example for one connection."""
    connection = conns.get(ctx, connection_id)
    base = ctx.settings.base_url
    template = f"{sb.panel_path(base, connection)}?email={{EMAIL}}&exp={{UNIX_TIME}}&ticket={{TICKET_ID}}&sig={{SIG}}"
    expires = ctx.now() + dt.timedelta(hours=1)
    example = sb.signed_link(ctx.settings, connection, base, ticket=ticket, email=email, expires=expires)
    data = {"template": template, "example": example, "example_expires": expires.isoformat()}
    if show_key:
        data["sidebar_key_hex"] = sb.sidebar_key(ctx.settings, connection).hex()
    lines = [f"link template: {template}", TEMPLATE_HELP, f"example (valid for one hour): {example}"]
    if show_key:
        lines.append(f"sidebar key (secret; give it only to the helpdesk's signing code): {data['sidebar_key_hex']}")
    return "\n".join(lines), data

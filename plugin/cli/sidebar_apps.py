"""`contactguard connections sidebar-app ID --out FILE.zip` and `sidebar-app-key`: the helpdesk apps an admin uploads.

sidebar-app packs the app for the connection's helpdesk (Zendesk's ticket sidebar app, the Freshdesk app), with the
connection's URL filled in. sidebar-app-key stores what Zendesk makes when the app is uploaded and installed: the
app's public key (GET /api/v2/apps/{app_id}/public_key.pem) and the installation id, which verify its signed URLs.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..services import connections as conns
from ..services import zendesk_app
from ..services.errors import InvalidInput
from ..services.sidebar_packages import freshdesk_secret, freshdesk_zip
from .base import unit_of_work
from .connections import connections

UPLOAD_ADVICE = {
    "zendesk": (
        "upload it in Zendesk: Admin Center > Apps and integrations > Zendesk Support apps > Upload private app, "
        "install it, then run `contactguard connections sidebar-app-key {id} --public-key FILE --installation-id N`"
    ),
    "freshdesk": (
        "upload it as a custom app in Freshdesk's developer portal (platform 3.0, ticket_sidebar) and install it "
        "with the sidebar secret below"
    ),
}


def _package(settings, connection) -> tuple[bytes, dict]:
    """The adapter's app, and what the admin needs to install it (the Freshdesk app's secret, typed in at install:
    it never goes into the zip)."""
    if connection.adapter == "zendesk":
        return zendesk_app.zendesk_zip(settings, connection), {}
    if connection.adapter == "freshdesk":
        return freshdesk_zip(settings, connection), {"sidebar_secret": freshdesk_secret(settings, connection)}
    raise InvalidInput(
        f"There is no app to upload for {connection.adapter}: "
        "see docs/adapters/ for its panel (`contactguard connections sidebar-link` prints a signed link)."
    )


@connections.command("sidebar-app")
@click.argument("connection_id")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True), help="The zip to write.")
@unit_of_work(actor_required=False)
def connections_sidebar_app(state, ctx, connection_id, out):
    """Write the helpdesk app (a zip to upload) that shows the panel beside this connection's tickets."""
    connection = conns.get(ctx, connection_id)
    package, install = _package(ctx.settings, connection)
    Path(out).write_bytes(package)
    lines = [f"wrote {out} ({len(package)} bytes, {connection.adapter} app)"]
    lines.append(UPLOAD_ADVICE[connection.adapter].format(id=connection.id))
    if "sidebar_secret" in install:
        lines.append(
            f"sidebar secret (type it in when installing the app; keep it secret): {install['sidebar_secret']}"
        )
    data = {"connection": connection.id, "adapter": connection.adapter, "out": out, "bytes": len(package), **install}
    return "\n".join(lines), data


@connections.command("sidebar-app-key")
@click.argument("connection_id")
@click.option(
    "--public-key",
    "public_key",
    required=True,
    type=click.File("r"),
    help="The app's public key (PEM), from GET /api/v2/apps/{app_id}/public_key.pem.",
)
@click.option("--installation-id", required=True, type=int, help="The app's installation id in this Zendesk.")
@unit_of_work(actor_required=False)
def connections_sidebar_app_key(state, ctx, connection_id, public_key, installation_id):
    """Store the Zendesk app's public key and installation id, which verify its signed URLs."""
    connection = zendesk_app.set_app_key(ctx, connection_id, public_key.read(), installation_id)
    data = {"connection": connection.id, "sidebar_installation_id": installation_id}
    return f"connection {connection.id}: the Zendesk app's key is stored (installation {installation_id})", data

"""Helpdesk connections (admins): list and show with secrets masked, add (tested first), deactivate, rotate-url."""

from __future__ import annotations

from ...services import connections as conns
from .core import ADMIN, ApiBlueprint, acting, body
from .queries import ConnectionRequest
from .schemas import ConnectionOut, ConnectionStateOut

bp = ApiBlueprint("connections", __name__, description="Helpdesk connections (admins); secrets are always masked.")


@bp.route("/connections", methods=["GET"])
@bp.response(200, ConnectionOut(many=True))
@acting(ADMIN)
def list_connections(ctx):
    """Every connection, its settings, and its secret names with the values masked."""
    return [conns.describe(ctx, c) for c in conns.all_connections(ctx)]


@bp.route("/connections", methods=["POST"])
@bp.arguments(ConnectionRequest)
@bp.response(201, ConnectionOut)
@acting(ADMIN)
def add_connection(ctx, _checked):
    """Register a helpdesk: the helpdesk is called with the credentials first unless `test` is false."""
    data = body()
    c = conns.add(
        ctx,
        data["adapter"],
        data["name"],
        data.get("settings") or {},
        data.get("secrets") or {},
        test=data.get("test", True),
    )
    return conns.describe(ctx, c)


@bp.route("/connections/<connection_id>", methods=["GET"])
@bp.response(200, ConnectionOut)
@acting(ADMIN)
def show_connection(ctx, connection_id):
    """One connection with its webhook URL (secrets masked)."""
    return conns.describe(ctx, conns.get(ctx, connection_id))


@bp.route("/connections/<connection_id>/deactivate", methods=["POST"])
@bp.response(200, ConnectionStateOut)
@acting(ADMIN)
def deactivate_connection(ctx, connection_id):
    """Stop accepting the connection's webhooks: its URL answers 404 from now on."""
    c = conns.deactivate(ctx, connection_id)
    return {"id": c.id, "active": c.active, "webhook_url": conns.webhook_url(ctx, c)}


@bp.route("/connections/<connection_id>/rotate-url", methods=["POST"])
@bp.response(200, ConnectionStateOut)
@acting(ADMIN)
def rotate_connection_url(ctx, connection_id):
    """A new unguessable webhook URL; the old one answers 404. Paste the new one into the helpdesk."""
    c = conns.rotate_url(ctx, connection_id)
    return {"id": c.id, "active": c.active, "webhook_url": conns.webhook_url(ctx, c)}

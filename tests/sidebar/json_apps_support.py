"""What the helpdesk apps' tests share: the app behind its public address, a connection of an adapter, a lapse."""

from plugin.app import create_app, dispose
from plugin.models import Restriction
from plugin.services import connections as conns
from plugin.services import restrictions as rs

PUBLIC = "https://contactguard.council.example"


def app_at_public_url(settings):
    """The app at its public https address (helpdesks sign and call that URL; panels link officers there); a fixture
    body: `yield from app_at_public_url(settings)`."""
    app = create_app(
        {
            "DATABASE_URL": settings["DATABASE_URL"],
            "INSTANCE_PATH": settings["INSTANCE_PATH"],
            "TESTING": True,
            "PUBLIC_URL": PUBLIC,
        }
    )
    yield app
    dispose(app)


def add_connection(cast, adapter: str, settings: dict, secrets: dict):
    """A connection of this adapter (the helpdesk is not called), detached so tests can read its id and settings."""
    with cast.act() as ctx:
        connection = conns.add(ctx, adapter, adapter.title(), settings, secrets, test=False)
        ctx.session.flush()
        ctx.session.expunge(connection)
        return connection


def lapse(cast, restriction_id: int) -> None:
    with cast.act("senior") as ctx:
        rs.lapse(ctx, ctx.session.get(Restriction, restriction_id), "end date reached")

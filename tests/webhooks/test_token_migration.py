"""Migration 0016 (issue 21): a connection's id stops being its webhook credential, and nothing already set up breaks.

A database at 0015 holds a connection the old way (its id is its URL token, as every connection was given before
0016) with events, outbox actions, a helpdesk user identity and an officer's agent id, and one whose URL had been
rotated (so its id was no longer the token). After the upgrade the old webhook URL still stores a delivery, the
first connection has a new id that every row follows, no row anywhere still holds the old id, and the token is
kept only as its hash. On SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from sqlalchemy import MetaData, inspect, select, text

from plugin import migrate
from plugin.app import create_app, dispose
from plugin.config import load_settings
from plugin.db import make_engine, make_session_factory
from plugin.secretbox import SecretBox
from plugin.services import connections as conns
from plugin.services import register as reg
from plugin.services.context import Actor, Context
from tests.services.test_audit_chain import empty_database  # noqa: F401 - the fixture: a database of its own
from tests.webhooks.conftest import HELPDESK_API, fixture_body

OLD_ID = "cgOldStyleIdThatIsAlsoTheToken0123"  # 34 characters, as _new_id() made them before 0016
ROTATED_ID, ROTATED_TOKEN = "cgRotatedLongAgo0000000000000000000", "cgTheRotatedToken11111111111111111"
WHEN = dt.datetime(2026, 12, 1, 9, 0)


def _settings(url: str, tmp_path):
    return load_settings(
        {"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / "instance"), "TESTING": True}, environ={}
    )


def _old_style_rows(engine, settings) -> None:
    """Two connections as 0015 kept them, two events and an outbox action on the first."""
    sealed = SecretBox(settings).seal({"username": "cgadmin", "password": "s3cret-pass"})
    with engine.begin() as conn:
        for connection_id, token in ((OLD_ID, OLD_ID), (ROTATED_ID, ROTATED_TOKEN)):
            conn.execute(
                text(
                    "INSERT INTO connections (id, url_token, adapter, name, settings, secrets_encrypted, active, "
                    "created_at) VALUES (:id, :token, 'django_helpdesk', :name, :settings, :sealed, :active, :at)"
                ),
                {
                    "id": connection_id,
                    "token": token,
                    "name": f"Helpdesk {connection_id[:9]}",
                    "settings": json.dumps({"base_url": HELPDESK_API}),
                    "sealed": sealed,
                    "active": True,
                    "at": WHEN,
                },
            )
        for n in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO webhook_events (connection_id, delivery_key, event_type, ticket_id, received_at, "
                    "outcome, reason, screen_hits) VALUES (:c, :key, 'ticket.created', :ticket, :at, 'allow', 'r', '[]')"
                ),
                {"c": OLD_ID, "key": f"old-{n}", "ticket": str(n), "at": WHEN},
            )
        event_id = conn.execute(text("SELECT min(id) FROM webhook_events")).scalar()
        conn.execute(
            text(
                "INSERT INTO outbox_actions (connection_id, event_id, ticket_id, kind, payload, idempotency_key, "
                "state, attempts, next_attempt_at, created_at) "
                "VALUES (:c, :e, '1', 'add_note', '{}', 'old-note-1', 'done', 1, :at, :at)"
            ),
            {"c": OLD_ID, "e": event_id, "at": WHEN},
        )


def _register_rows(engine) -> None:
    """An officer's agent id (through the services, whose officer tables 0016 does not change) and a customer's
    helpdesk user id on the old connection."""
    with make_session_factory(engine)() as session, session.begin():
        ctx = Context(session, Actor.system("test"), load_settings({}, environ={}))
        reg.add_service(ctx, {"slug": "housing", "name": "Housing"})
        reg.add_officer(
            ctx,
            {
                "email": "officer@council.example",
                "name": "Olly Officer",
                "role": "officer",
                "service": "housing",
                "helpdesk_ids": [{"connection": OLD_ID, "agent_id": "7"}],
            },
        )
    # The customer in SQL: the services write today's customers table, which later migrations (0017) widen.
    now = dt.datetime(2026, 12, 1, 9, 0)
    with engine.begin() as conn:
        customer_id = conn.execute(
            text(
                "INSERT INTO customers (reference, name, created_at) VALUES ('C1', 'Jane Customer', :at) RETURNING id"
            ),
            {"at": now},
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO identities (customer_id, kind, value, connection_id, created_at) "
                "VALUES (:c, 'helpdesk_user', '501', :connection, :at)"
            ),
            {"c": customer_id, "connection": OLD_ID, "at": now},
        )


def _rows_holding(engine, value: str) -> list[str]:
    """Every table (and row) in the database that still holds `value` anywhere in its columns."""
    tables = MetaData()
    tables.reflect(engine)
    found = []
    with engine.connect() as conn:
        for table in tables.sorted_tables:
            for row in conn.execute(select(table)):
                if value in json.dumps(row._asdict(), default=str):
                    found.append(f"{table.name}: {row._asdict()}")
    return found


def test_0016_keeps_old_webhook_urls_working_and_moves_an_id_that_was_the_token(empty_database, tmp_path):  # noqa: F811 - the fixture imported above
    url = empty_database
    settings = _settings(url, tmp_path)
    migrate.upgrade(url, "0015")
    engine = make_engine(url)
    try:
        _old_style_rows(engine, settings)
        _register_rows(engine)
        migrate.upgrade(url)

        with engine.connect() as conn:
            moved = conn.execute(
                text("SELECT id, token_generation, webhook_token_hash FROM connections WHERE name = :n"),
                {"n": f"Helpdesk {OLD_ID[:9]}"},
            ).one()
            kept = conn.execute(text("SELECT id, token_generation FROM connections WHERE name LIKE '%Rotated%'")).one()
            columns = {c["name"] for c in inspect(conn).get_columns("connections")}
        new_id = moved.id
        assert new_id != OLD_ID and new_id.startswith("cg")
        assert moved.token_generation == 0 and moved.webhook_token_hash == hashlib.sha256(OLD_ID.encode()).hexdigest()
        assert kept == (ROTATED_ID, 0), "an id that was no longer the credential stays"
        assert "url_token" not in columns

        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": settings.INSTANCE_PATH, "TESTING": True})
        try:
            client = app.test_client()
            delivery = fixture_body("django-helpdesk-ticket-created", id=3)
            assert client.post(f"/webhooks/{OLD_ID}", json=delivery).status_code == 200, "the pasted URL works"
            assert client.post(f"/webhooks/{ROTATED_TOKEN}", json=delivery).status_code == 200
            assert client.post(f"/webhooks/{ROTATED_ID}", json=delivery).status_code == 404
        finally:
            dispose(app)

        with engine.connect() as conn:
            events = conn.execute(text("SELECT connection_id, delivery_key FROM webhook_events ORDER BY id")).all()
            assert [e.connection_id for e in events] == [new_id, new_id, new_id, ROTATED_ID]
            assert conn.execute(text("SELECT connection_id FROM outbox_actions")).scalars().all() == [new_id]
            assert conn.execute(text("SELECT connection_id FROM officer_helpdesk_ids")).scalars().all() == [new_id]
            identity = text("SELECT connection_id FROM identities WHERE kind = 'helpdesk_user'")
            assert conn.execute(identity).scalars().all() == [new_id]
        assert _rows_holding(engine, OLD_ID) == [], "no row still refers to the old id (the credential)"
        assert _rows_holding(engine, ROTATED_TOKEN) == [], "no token is stored, only its hash"

        with make_session_factory(engine)() as session:
            ctx = Context(session, Actor.system("test"), settings)
            assert conns.webhook_url(ctx, conns.get(ctx, new_id)) is None, "an old URL cannot be shown: rotate it"
    finally:
        engine.dispose()


def test_0016_then_a_rotation_gives_a_url_that_is_shown_and_the_old_one_stops(empty_database, tmp_path):  # noqa: F811 - the fixture imported above
    url = empty_database
    settings = _settings(url, tmp_path)
    migrate.upgrade(url, "0015")
    engine = make_engine(url)
    try:
        _old_style_rows(engine, settings)
        migrate.upgrade(url)
        with make_session_factory(engine)() as session, session.begin():
            ctx = Context(session, Actor.system("test"), settings)
            (moved,) = [c for c in conns.all_connections(ctx) if c.token_generation == 0 and c.id != ROTATED_ID]
            rotated = conns.rotate_url(ctx, moved.id)
            shown = conns.webhook_url(ctx, rotated)
        assert shown is not None and OLD_ID not in shown and rotated.id not in shown
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": settings.INSTANCE_PATH, "TESTING": True})
        try:
            client = app.test_client()
            delivery = fixture_body("django-helpdesk-ticket-created", id=4)
            assert client.post(f"/webhooks/{OLD_ID}", json=delivery).status_code == 404
            assert client.post("/webhooks/" + shown.rsplit("/", 1)[1], json=delivery).status_code == 200
        finally:
            dispose(app)
    finally:
        engine.dispose()

"""Item 10: +tag sub-addresses and Gmail's dotted forms find the registered customer, through the webhook."""

import pytest
from sqlalchemy import select, text

from plugin import identity
from plugin.config import load_settings, settings_of
from plugin.models import Identity
from plugin.services import register as reg
from tests.helpers import active_restriction, last_outcome, webhook_path
from tests.webhooks.conftest import fixture_body


def _post(client, connection_id, email, ticket):
    body = fixture_body("django-helpdesk-ticket-created", submitter_email=email, id=ticket)
    return client.post(webhook_path(settings_of(client.application), connection_id), json=body)


@pytest.mark.parametrize("sent", ["Jane.Customer+housing@example.com", "jane.customer+a+b@EXAMPLE.com"])
def test_a_subaddress_matches_the_registered_customer(client, cast, connection_id, sessions, sent):
    active_restriction(cast)
    assert _post(client, connection_id, sent, 501).status_code == 200
    assert last_outcome(sessions, "501") == "flag"


@pytest.mark.parametrize("sent", ["jane.doe+x@gmail.com", "JaneDoe@googlemail.com", "j.a.n.e.d.o.e@gmail.com"])
def test_gmail_dots_and_googlemail_match_a_gmail_registration(client, cast, connection_id, sessions, sent):
    with cast.act() as ctx:
        reg.add_identity(ctx, "C1", {"kind": "email", "value": "Jane.Doe@gmail.com"})
    active_restriction(cast)
    assert _post(client, connection_id, sent, 502).status_code == 200
    assert last_outcome(sessions, "502") == "flag"
    with sessions() as s:
        stored = s.scalars(select(Identity.value).where(Identity.kind == "email")).all()
    assert "janedoe@gmail.com" in stored


def test_dots_stay_significant_outside_gmail(client, cast, connection_id, sessions):
    active_restriction(cast)
    _post(client, connection_id, "janecustomer@example.com", 503)
    assert last_outcome(sessions, "503") == "allow"


def test_strict_matching_is_an_admin_choice(client, cast, connection_id, sessions, settings, monkeypatch):
    load_settings({"INSTANCE_PATH": settings.INSTANCE_PATH, "EMAIL_MATCHING": "strict"}, environ={})
    try:
        active_restriction(cast)
        _post(client, connection_id, "jane.customer+housing@example.com", 504)
        assert last_outcome(sessions, "504") == "allow"
    finally:
        identity.set_email_matching(identity.DEFAULT_EMAIL_MATCHING)


def test_stored_identities_are_renormalised_once(engine, cast, sessions):
    """Migration 0009 (and `python -m plugin.identity renormalise`): old strict forms take the new normal form;
    the same customer's duplicate goes, another customer's colliding address is left and reported."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE identities SET value = 'jane.customer+old@example.com' WHERE kind = 'email'"))
        cid = conn.execute(text("SELECT customer_id FROM identities WHERE kind = 'email'")).scalar()
        conn.execute(
            text(
                "INSERT INTO identities (customer_id, kind, value, connection_id, created_at) VALUES "
                "(:c, 'email', 'jane.customer@example.com', '', CURRENT_TIMESTAMP)"
            ),
            {"c": cid},
        )
    with cast.act() as ctx:
        reg.add_customer(
            ctx, {"reference": "C2", "name": "Jo Other", "identities": [{"kind": "email", "value": "jo@gmail.com"}]}
        )
    with engine.begin() as conn:
        conn.execute(text("UPDATE identities SET value = 'j.o@googlemail.com' WHERE value = 'jo@gmail.com'"))
        conn.execute(
            text(
                "INSERT INTO identities (customer_id, kind, value, connection_id, created_at) VALUES "
                "(:c, 'email', 'jo@gmail.com', '', CURRENT_TIMESTAMP)"
            ),
            {"c": cid},
        )
    reported = []
    with engine.begin() as conn:
        changed, left = identity.renormalise_stored(conn, "provider_rules", log=reported.append)
    assert (changed, left) == (1, 1)
    with engine.connect() as conn:
        values = sorted(conn.execute(text("SELECT value FROM identities WHERE kind = 'email'")).scalars())
    assert values == ["j.o@googlemail.com", "jane.customer@example.com", "jo@gmail.com"]
    assert "left unchanged" in reported[0]

"""The receiver: verify, parse, decide, record together; duplicates once; bad input gets a clear 4xx."""

from sqlalchemy import func, select

from plugin.config import settings_of
from plugin.models import AuditEntry, OutboxAction, WebhookEvent
from plugin.services import connections as conns
from tests.helpers import active_restriction, event_count, last_outcome, webhook_path
from tests.webhooks.conftest import fixture_body


def _post(client, connection_id, body, **headers):
    return client.post(webhook_path(settings_of(client.application), connection_id), json=body, headers=headers)


def _count(sessions, model, **where):
    with sessions() as s:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return s.scalar(query)


def _actions(sessions):
    with sessions() as s:
        return [(a.kind, a.payload) for a in s.scalars(select(OutboxAction).order_by(OutboxAction.id))]


def test_restricted_new_ticket_is_flagged_and_routed(client, cast, connection_id, sessions):
    """Design: a restricted customer's ticket shows the arrangement; unassigned, it goes to the SPOC."""
    active_restriction(cast)
    response = _post(client, connection_id, fixture_body("django-helpdesk-ticket-created"))
    assert response.status_code == 200
    assert response.get_json() == {"status": "accepted", "events": 1}
    assert last_outcome(sessions, "44") == "flag"
    kinds = [k for k, _ in _actions(sessions)]
    assert kinds == ["set_flag", "add_tags", "assign", "add_note"]
    payloads = dict(_actions(sessions))
    assert payloads["assign"]["agent_id"] == "7"
    assert "officer@council.example" in payloads["set_flag"]["value"]
    assert "[contactguard] ref" in payloads["add_note"]["text"]
    assert "Abuse continued" not in payloads["add_note"]["text"], "reasons never reach the ticket (R50)"
    assert _count(sessions, AuditEntry, action="contact.flag") == 1


def test_contact_to_another_officer_is_disregarded_with_a_note(client, cast, connection_id, sessions):
    """Article 6119: contact outside the sole-point-of-contact arrangement is disregarded, still triaged (R24)."""
    active_restriction(cast)
    body = fixture_body("django-helpdesk-followup", assigned_to=9)
    response = _post(client, connection_id, body)
    assert response.status_code == 200
    assert last_outcome(sessions) == "disregard"
    actions = dict(_actions(sessions))
    assert actions["add_tags"]["tags"] == ["cg-restricted", "cg-disregarded"]
    assert actions["assign"]["agent_id"] == "7"
    assert "No acknowledgement" in actions["add_note"]["text"]
    assert "not the customer's sole point of contact" in actions["add_note"]["text"]


def test_unrestricted_customer_is_allowed_without_any_action(client, cast, connection_id, sessions):
    """Not on the register: allowed quickly, nothing written to the helpdesk."""
    response = _post(
        client,
        connection_id,
        fixture_body("django-helpdesk-ticket-created", submitter_email="someone.else@example.com"),
    )
    assert response.status_code == 200
    assert last_outcome(sessions) == "allow"
    assert _actions(sessions) == []


def test_duplicate_delivery_is_answered_2xx_and_acted_on_once(client, cast, connection_id, sessions):
    """django-helpdesk has no delivery id: the ticket and follow-up ids identify a delivery."""
    active_restriction(cast)
    body = fixture_body("django-helpdesk-ticket-created")
    first, second = _post(client, connection_id, body), _post(client, connection_id, body)
    assert first.status_code == second.status_code == 200
    assert second.get_json() == first.get_json(), "a duplicate is answered as the first was"
    assert _count(sessions, WebhookEvent) == 1
    assert len(_actions(sessions)) == 4


def test_our_own_note_coming_back_is_ignored(client, cast, connection_id, sessions):
    """Notes carry a marker; the follow-up webhook they cause is not processed again (no loops)."""
    active_restriction(cast)
    body = fixture_body("django-helpdesk-followup")
    body["ticket"]["followup_set"][-1].update(
        comment="Contact restriction...\n\n[contactguard] ref x:1:3:add_note", public=False, user=1
    )
    response = _post(client, connection_id, body)
    assert response.status_code == 200
    assert _count(sessions, WebhookEvent) == 0


def test_staff_followup_is_not_a_customer_contact(client, cast, connection_id, sessions):
    active_restriction(cast)
    body = fixture_body("django-helpdesk-followup")
    body["ticket"]["followup_set"][-1]["user"] = 3
    assert _post(client, connection_id, body).status_code == 200
    assert event_count(sessions) == 0, "ignored: nothing recorded"


def test_malformed_payload_gets_400_with_a_message(client, connection_id, settings):
    response = client.post(webhook_path(settings, connection_id), data=b"{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["code"] == "malformed_payload"
    response = _post(client, connection_id, {"ticket": {"title": "no id"}})
    assert response.status_code == 400 and "id" in response.get_json()["message"]


def test_followup_id_missing_from_the_ticket_is_refused(client, connection_id):
    response = _post(client, connection_id, fixture_body("django-helpdesk-followup", followup_id=999))
    assert response.status_code == 400
    assert "999" in response.get_json()["message"]


def test_unknown_connection_is_404(client, connection_id):
    assert _post(client, "not-a-connection", fixture_body("django-helpdesk-ticket-created")).status_code == 404


def test_shared_secret_header_when_configured_fails_closed(client, cast, connection_id, sessions):
    """Design decision 9: where the helpdesk cannot sign, an optional shared-secret header."""
    with cast.act() as ctx:
        conns.update_secrets(ctx, connection_id, {"shared_secret": "0123456789abcdef-secret"}, test=False)
    body = fixture_body("django-helpdesk-ticket-created")
    assert _post(client, connection_id, body).status_code == 401
    assert _post(client, connection_id, body, **{"X-Contactguard-Secret": "wrong-wrong-wrong-wrong"}).status_code == 401
    ok = _post(client, connection_id, body, **{"X-Contactguard-Secret": "0123456789abcdef-secret"})
    assert ok.status_code == 200


def test_connection_secrets_are_encrypted_at_rest_and_masked(cast, connection_id, sessions, settings):
    with sessions() as s:
        from plugin.models import Connection

        stored = s.get(Connection, connection_id).secrets_encrypted
    assert b"s3cret-pass" not in bytes(stored)
    with cast.act() as ctx:
        shown = conns.describe(ctx, conns.get(ctx, connection_id))
    assert shown["secrets"] == {"password": "********", "username": "********"}
    assert shown["webhook_url"].endswith(webhook_path(settings, connection_id))

"""When the sole point of contact changes (issue 20), the ticket is reassigned only if it is still open and held
by the old officer: each client reads who holds it from its helpdesk's documented "get one" call, and a ticket
someone else took, or one that is closed, is left alone."""

from __future__ import annotations

import pytest
import responses

from adapters import REGISTRY

# key: (settings, secrets, URL read, reply held by agent "7" and open, reply closed, ticket id)
CASES = {
    # django-helpdesk 2.6.1 API: Ticket.assigned_to, status 1 Open / 2 Reopened / 3 Resolved / 4 Closed.
    "django_helpdesk": (
        {"base_url": "http://helpdesk.test/helpdesk/api/", "allow_private_network": True},
        {"username": "u", "password": "p"},
        "http://helpdesk.test/helpdesk/api/tickets/44/",
        {"id": 44, "assigned_to": 7, "status": 1},
        {"id": 44, "assigned_to": 7, "status": 4},
        "44",
    ),
    # Zendesk Tickets API, Show Ticket: ticket.assignee_id, status new/open/pending/hold/solved/closed.
    "zendesk": (
        {"subdomain": "council", "agent_email": "api@council.example"},
        {"api_token": "t", "signing_secret": "s"},
        "https://council.zendesk.com/api/v2/tickets/44.json",
        {"ticket": {"id": 44, "assignee_id": 7, "status": "open"}},
        {"ticket": {"id": 44, "assignee_id": 7, "status": "closed"}},
        "44",
    ),
    # Freshdesk v2, View a Ticket: responder_id, status 2 Open / 3 Pending / 4 Resolved / 5 Closed.
    "freshdesk": (
        {"domain": "council"},
        {"api_key": "k"},
        "https://council.freshdesk.com/api/v2/tickets/44",
        {"id": 44, "responder_id": 7, "status": 2},
        {"id": 44, "responder_id": 7, "status": 5},
        "44",
    ),
    # Zammad REST API, GET /tickets/{id}?expand=true: owner_id (1 is nobody), state by name.
    "zammad": (
        {"base_url": "https://zammad.council.example/"},
        {"api_token": "t", "signature_token": "s"},
        "https://zammad.council.example/api/v1/tickets/44?expand=true",
        {"id": 44, "owner_id": 7, "state": "open"},
        {"id": 44, "owner_id": 7, "state": "closed"},
        "44",
    ),
    # Front Core API, Get conversation: assignee (a teammate object or null), status archived/deleted/...
    "front": (
        {"author_id": "tea_1", "tag_ids": {}},
        {"api_token": "t", "signing_secret": "s"},
        "https://api2.frontapp.com/conversations/cnv_44",
        {"id": "cnv_44", "assignee": {"id": "7"}, "status": "assigned"},
        {"id": "cnv_44", "assignee": {"id": "7"}, "status": "archived"},
        "cnv_44",
    ),
    # Intercom, Retrieve a conversation: admin_assignee_id, state open/closed/snoozed.
    "intercom": (
        {"admin_id": "814860"},
        {"access_token": "t", "client_secret": "s"},
        "https://api.intercom.io/conversations/44",
        {"id": "44", "admin_assignee_id": 7, "state": "open"},
        {"id": "44", "admin_assignee_id": 7, "state": "closed"},
        "44",
    ),
    # HubSpot CRM tickets: hubspot_owner_id and hs_is_closed properties (values are strings).
    "hubspot": (
        {},
        {"access_token": "pat-eu1-0123456789", "client_secret": "s"},
        "https://api.hubapi.com/crm/v3/objects/tickets/44?properties=hubspot_owner_id%2Chs_is_closed",
        {"id": "44", "properties": {"hubspot_owner_id": "7", "hs_is_closed": "false"}},
        {"id": "44", "properties": {"hubspot_owner_id": "7", "hs_is_closed": "true"}},
        "44",
    ),
}


def _client(key: str):
    settings, secrets, *_ = CASES[key]
    adapter = REGISTRY[key]
    return adapter.client(adapter.settings_schema().load(settings), adapter.secrets_schema().load(secrets))


@pytest.mark.parametrize("key", sorted(CASES))
@responses.activate
def test_the_old_officers_open_ticket_is_read_as_theirs_and_others_are_not(key):
    _settings, _secrets, url, held, closed, ticket = CASES[key]
    client = _client(key)
    responses.get(url, json=held)
    assert client.holder(ticket).agent_id == "7" and client.holder(ticket).open
    responses.replace(responses.GET, url, json=closed)
    assert not client.holder(ticket).open


@pytest.mark.parametrize("key", sorted(CASES))
@responses.activate(assert_all_requests_are_fired=False)
def test_a_conditional_assignment_is_skipped_when_another_agent_holds_the_ticket(key):
    _settings, _secrets, url, held, _closed, ticket = CASES[key]
    client = _client(key)
    responses.get(url, json=held)
    client.apply(ticket, {"kind": "assign", "agent_id": "8", "only_from": "9"})  # held by 7, not 9
    assert [c.request.method for c in responses.calls] == ["GET"], "read, then nothing written"

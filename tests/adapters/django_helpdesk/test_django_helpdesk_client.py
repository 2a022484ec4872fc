"""django-helpdesk's client against a fake API: what it sends, and what it refuses to send."""

import datetime as dt
import json

import pytest
import responses

from adapters.django_helpdesk.client import PAGE_SIZE, DjangoHelpdeskClient

API = "http://helpdesk.test/helpdesk/api/"
SETTINGS = {
    "base_url": API,
    "restriction_field": "contact_restriction",
    "tags_field": "contactguard_tags",
    "task_priority": 3,
    "cleared_value": "-",
}


@pytest.fixture
def client():
    return DjangoHelpdeskClient(SETTINGS, {"username": "u", "password": "p"})


def _sent(index: int) -> dict:
    return json.loads(responses.calls[index].request.body)


@responses.activate
def test_a_note_never_carries_a_title_even_when_the_action_has_one(client):
    """django-helpdesk copies a follow-up's title onto the ticket: the customer's title must stay."""
    responses.get(API + "tickets/44/", json={"id": 44, "followup_set": []})
    responses.post(API + "followups/", json={"id": 9}, status=201)
    client.apply(
        "44",
        {
            "kind": "add_note",
            "text": "note [contactguard] ref k",
            "marker": "[contactguard] ref k",
            "title": "contactguard",
        },
    )
    assert _sent(1) == {"ticket": 44, "comment": "note [contactguard] ref k", "public": False}


@responses.activate
def test_a_review_task_sends_the_priority_django_helpdesk_requires(client):
    responses.post(API + "tickets/", json={"id": 50}, status=201)
    responses.post(API + "followups/", json={"id": 9}, status=201)
    client.apply(
        None, {"kind": "create_task", "queue": 3, "title": "Review due", "text": "Hold the review", "agent_id": "7"}
    )
    assert _sent(0)["priority"] == 3 and _sent(0)["assigned_to"] == 7
    # django-helpdesk's API turns the description into a public follow-up e-mailed to the submitter: the task has
    # no submitter, its description says nothing, and its text is a staff-only follow-up on the new ticket.
    assert "submitter_email" not in _sent(0) and "Hold the review" not in _sent(0)["description"]
    assert _sent(1) == {"ticket": 50, "comment": "Hold the review", "public": False}


@responses.activate
def test_a_conditional_assignment_moves_only_an_open_ticket_the_old_officer_holds(client):
    """Ticket.assigned_to and status (1 Open, 2 Reopened, 3 Resolved, 4 Closed) from GET tickets/<id>/."""
    move = {"kind": "assign", "agent_id": "8", "only_from": "7"}
    for held_by, status, moved in ((7, 1, True), (9, 1, False), (7, 4, False), (None, 2, False), (7, 2, True)):
        responses.upsert(responses.GET, API + "tickets/44/", json={"id": 44, "assigned_to": held_by, "status": status})
        responses.upsert(responses.PATCH, API + "tickets/44/", json={"id": 44})
        before = len(responses.calls)
        client.apply("44", move)
        patched = [c for c in responses.calls[before:] if c.request.method == "PATCH"]
        assert bool(patched) == moved, (held_by, status)


@responses.activate
def test_removing_the_last_tags_writes_the_placeholder_and_adding_treats_it_as_empty(client):
    responses.get(API + "tickets/44/", json={"id": 44, "custom_contactguard_tags": "cg-restricted"})
    responses.patch(API + "tickets/44/", json={"id": 44})
    client.apply("44", {"kind": "remove_tags", "tags": ["cg-restricted"]})
    assert _sent(1) == {"custom_contactguard_tags": "-"}, "django-helpdesk refuses an empty value with 400"
    responses.replace(responses.GET, API + "tickets/44/", json={"id": 44, "custom_contactguard_tags": "-"})
    client.apply("44", {"kind": "remove_tags", "tags": ["cg-restricted"]})
    client.apply("44", {"kind": "add_tags", "tags": ["cg-restricted"]})
    assert [c.request.method for c in responses.calls] == ["GET", "PATCH", "GET", "GET", "PATCH"]
    assert _sent(4) == {"custom_contactguard_tags": "cg-restricted"}


@responses.activate
def test_clearing_the_flag_writes_the_placeholder(client):
    responses.patch(API + "tickets/44/", json={"id": 44})
    client.apply("44", {"kind": "clear_flag"})
    assert _sent(0) == {"custom_contact_restriction": "-"}


def _followup(fid: int, ticket: int, minute: int, **extra) -> dict:
    return {
        "id": fid,
        "ticket": ticket,
        "user": None,
        "title": "t",
        "comment": f"c{fid}",
        "public": True,
        "date": f"2026-11-27T09:{minute:02d}:00Z",
        "message_id": None,
        **extra,
    }


@responses.activate
def test_events_since_reads_followups_from_the_last_page_back_and_builds_the_webhooks_events(client):
    old = [_followup(i, 1, 0) for i in range(1, PAGE_SIZE + 1)]  # page 1: all before `since`
    new = [
        _followup(PAGE_SIZE + 1, 1, 30),
        _followup(PAGE_SIZE + 2, 2, 31, user=5, title="Ticket Opened"),
        _followup(PAGE_SIZE + 3, 2, 32, message_id="<r@mail>"),
    ]  # page 2
    pages = {1: old, 2: new}
    responses.add_callback(
        responses.GET,
        API + "followups/",
        callback=lambda request: (
            200,
            {},
            json.dumps({"count": PAGE_SIZE + 3, "results": pages[int(request.params["page"])]}),
        ),
    )
    responses.get(
        API + "tickets/1/",
        json={
            "id": 1,
            "title": "Old",
            "submitter_email": "jane@example.com",
            "assigned_to": 7,
            "followup_set": [old[0], new[0]],
        },
    )
    responses.get(
        API + "tickets/2/",
        json={
            "id": 2,
            "title": "New",
            "submitter_email": "jane@example.com",
            "description": "d",
            "followup_set": new[1:],
        },
    )
    events = client.events_since(dt.datetime(2026, 11, 27, 9, 15, tzinfo=dt.timezone.utc))
    assert [(e.delivery_key.rsplit(":", 1)[0], e.event_type, e.channel) for e in events] == [
        ("followup:101", "ticket.customer_reply", "web_form"),
        ("ticket:2", "ticket.created", None),
        ("followup:103", "ticket.customer_reply", "email"),
    ]
    assert [(c.request.url.split("?")[0], c.request.params.get("page")) for c in responses.calls] == [
        (API + "followups/", "1"),
        (API + "followups/", "2"),
        (API + "tickets/1/", None),
        (API + "tickets/2/", None),
    ]
    assert events[0].assigned_agent_id == "7" and events[1].emails == ("jane@example.com",)

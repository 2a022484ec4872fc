"""`contactguard connections rescan`: after an outage, tickets read back from the helpdesk are checked once."""

import json

import pytest
import responses
from sqlalchemy import select

from plugin.cli import cli
from plugin.models import WebhookEvent
from plugin.services import connections as conns
from tests.helpers import active_restriction

API = "http://helpdesk.test/helpdesk/api/"
JANE = "jane.customer@example.com"


@pytest.fixture
def connection_id(cast):
    with cast.act() as ctx:
        return conns.add(
            ctx,
            "django_helpdesk",
            "Housing helpdesk",
            {"base_url": API},
            {"username": "cgadmin", "password": "pw"},
            test=False,
        ).id


def _helpdesk():
    """A helpdesk where Jane opened ticket 5 by e-mail at 09:30 and an older ticket 4 got her reply at 09:40."""
    opened = {
        "id": 50,
        "ticket": 5,
        "user": None,
        "title": "E-Mail Received",
        "comment": "Help",
        "public": True,
        "date": "2026-11-27T09:30:00Z",
        "message_id": "<m1@mail>",
    }
    reply = {
        "id": 51,
        "ticket": 4,
        "user": None,
        "title": "E-Mail Received",
        "comment": "Again",
        "public": True,
        "date": "2026-11-27T09:40:00Z",
        "message_id": "<m2@mail>",
    }
    old = {
        "id": 40,
        "ticket": 4,
        "user": 1,
        "title": "Ticket Opened",
        "comment": "Old",
        "public": True,
        "date": "2026-11-01T09:00:00Z",
        "message_id": None,
    }
    responses.get(API + "followups/", json={"count": 3, "results": [old, opened, reply]})
    responses.get(
        API + "tickets/4/", json={"id": 4, "title": "Old", "submitter_email": JANE, "followup_set": [old, reply]}
    )
    responses.get(
        API + "tickets/5/",
        json={"id": 5, "title": "Repair", "submitter_email": JANE, "description": "Help", "followup_set": [opened]},
    )


@responses.activate
def test_rescan_checks_what_was_missed_and_recognises_it_the_second_time(runner, cast, connection_id, sessions):
    active_restriction(cast)
    _helpdesk()
    result = runner.invoke(cli, ["--json", "connections", "rescan", connection_id, "--since", "2026-11-27T09:00"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "tickets": 2,
        "events": 2,
        "checked": 2,
        "known": 0,
        "ignored": 0,
        "unreadable": [],
    }
    with sessions() as s:
        assert sorted(k.rsplit(":", 1)[0] for k in s.scalars(select(WebhookEvent.delivery_key))) == [
            "followup:51",
            "ticket:5",
        ]
    again = runner.invoke(cli, ["connections", "rescan", connection_id, "--since", "2026-11-27T09:00"])
    assert again.exit_code == 0, again.output
    assert again.output.strip() == (
        "2 tickets seen (2 events): 0 newly checked, 2 already known, 0 not customer contacts"
    )


@responses.activate
def test_a_ticket_the_database_cannot_store_is_named_for_a_person_and_the_rest_are_checked(
    runner, cast, connection_id, sessions
):
    """The rescan applies the receiver's checks: a NUL character in a title is refused (PostgreSQL cannot store
    it); that ticket is listed as not checked, the command fails so the operator notices, and nothing is lost."""
    active_restriction(cast)
    opened = {
        "id": 60,
        "ticket": 6,
        "user": None,
        "title": "E-Mail Received",
        "comment": "Help",
        "public": True,
        "date": "2026-11-27T09:30:00Z",
        "message_id": "<m6@mail>",
    }
    fine = {
        "id": 61,
        "ticket": 7,
        "user": None,
        "title": "E-Mail Received",
        "comment": "Hi",
        "public": True,
        "date": "2026-11-27T09:31:00Z",
        "message_id": "<m7@mail>",
    }
    responses.get(API + "followups/", json={"count": 2, "results": [opened, fine]})
    responses.get(
        API + "tickets/6/",
        json={
            "id": 6,
            "title": "Rep\u0000air",
            "submitter_email": JANE,
            "description": "Help",
            "followup_set": [opened],
        },
    )
    responses.get(
        API + "tickets/7/",
        json={"id": 7, "title": "Bins", "submitter_email": JANE, "description": "Hi", "followup_set": [fine]},
    )
    result = runner.invoke(cli, ["connections", "rescan", connection_id, "--since", "2026-11-27T09:00"])
    assert result.exit_code == 1
    assert "1 newly checked" in result.output and "NOT CHECKED" in result.output and "tickets 6" in result.output
    with sessions() as s:
        assert [k.rsplit(":", 1)[0] for k in s.scalars(select(WebhookEvent.delivery_key))] == ["ticket:7"]


@responses.activate
def test_a_helpdesk_that_cannot_be_read_is_a_clear_error(runner, connection_id):
    responses.get(API + "followups/", status=503)
    result = runner.invoke(cli, ["connections", "rescan", connection_id, "--since", "2026-11-27T09:00"])
    assert result.exit_code == 4 and "could not read the helpdesk" in result.output


def test_an_adapter_that_cannot_read_tickets_back_is_refused_plainly(runner, cast):
    with cast.act() as ctx:
        other = conns.add(
            ctx,
            "generic",
            "Other",
            {
                "mapping": {"ticket_id": "/t", "requester_email": "/e", "delivery_id": "/d", "event_type": "/k"},
                "callback_url": "https://helpdesk.example/cb",
            },
            {"signing_secret": "s" * 32},
            test=False,
        ).id
    result = runner.invoke(cli, ["connections", "rescan", other, "--since", "2026-11-27T09:00"])
    assert result.exit_code == 2 and "cannot read tickets back" in result.output


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["--since", "yesterday"], 2, "use an ISO date and time"),
        (["--since", "2026-11-27T09:00", "--unknown"], 2, "No such option"),
    ],
)
def test_bad_input_is_refused(runner, connection_id, args, code, message):
    result = runner.invoke(cli, ["connections", "rescan", connection_id, *args])
    assert result.exit_code == code and message in result.output


def test_an_unknown_connection_is_not_found(runner, cast):
    result = runner.invoke(cli, ["connections", "rescan", "cgnope", "--since", "2026-11-27T09:00"])
    assert result.exit_code == 3 and "no connection cgnope" in result.output

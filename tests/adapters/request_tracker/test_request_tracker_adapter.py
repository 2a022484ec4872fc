"""Request Tracker parsing: the bodies contactguard's scrip posted from RT 5.0.3, and the cases that matter for
loops (contactguard's own user and notes) and for staff replies.

The fixtures were posted by adapters/request_tracker/scrip/webhook.pl running in Debian's RT 5.0.3 (e-mails through
rt-mailgate, tickets and replies through REST2, a ticket on the self-service pages): RT marks each
stored message with the interface it came through (X-RT-Interface: Email for rt-mailgate, REST for the REST APIs,
Web for the web pages), and `$user->Privileged` tells staff from customers."""

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from marshmallow import ValidationError

from adapters.errors import PayloadError, SignatureError, UnhandledEvent
from adapters.request_tracker import schemas
from adapters.request_tracker.adapter import SECRET_HEADER, RequestTrackerAdapter

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
SCRIP = Path(__file__).resolve().parents[3] / "adapters" / "request_tracker" / "scrip"
ADAPTER = RequestTrackerAdapter()
NOW = dt.datetime(2026, 12, 7, 10, tzinfo=dt.timezone.utc)
SETTINGS = schemas.Settings().load({"base_url": "https://rt.council.example/"})


def _raw(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def _parse(name_or_body, settings=SETTINGS):
    raw = json.dumps(name_or_body).encode() if isinstance(name_or_body, dict) else _raw(name_or_body)
    (event,) = ADAPTER.parse(raw, {}, settings)
    return event


def test_a_ticket_emailed_in_is_the_customers_contact_by_email():
    event = _parse("rt-5.0.3-ticket-created-by-email")
    assert (event.event_type, event.ticket_id, event.delivery_key) == ("ticket.created", "2", "rt-txn:74")
    assert event.emails == ("jane.customer@example.com",)
    assert event.helpdesk_user_id is None, "rt-mailgate names the user after the address: nothing more to match"
    assert event.channel == "email" and event.queue == "Housing" and event.subject == "Boiler broken"
    assert event.assigned_agent_id is None, "owned by RT's Nobody"
    assert event.text == "The boiler is broken again.\n" and event.ignore_reason is None
    assert event.at == dt.datetime(2026, 12, 7, 9, 26, 30, tzinfo=dt.timezone.utc)


def test_an_emailed_reply_is_the_authors_contact_on_a_ticket_an_agent_holds():
    event = _parse("rt-5.0.3-reply-by-email")
    assert (event.event_type, event.ticket_id, event.delivery_key) == ("ticket.customer_reply", "1", "rt-txn:76")
    assert event.emails == ("jane.customer@example.com",) and event.channel == "email"
    assert event.assigned_agent_id == "bob", "the owner, by RT user name (what contactguard assigns with)"
    assert event.text == "Still broken, café.\n", "the scrip posts UTF-8"


def test_a_ticket_an_agent_records_names_the_requestor_and_is_not_judged_on_channel():
    """An agent recording a phone call or a visit through RT's REST API or web pages: RT cannot say how it came."""
    event = _parse("rt-5.0.3-ticket-created-by-staff")
    assert event.emails == ("jane.customer@example.com",) and event.helpdesk_user_id is None
    assert event.channel is None and event.ignore_reason is None


def test_a_customers_rt_user_name_is_kept_when_it_is_not_their_address():
    body = json.loads(_raw("rt-5.0.3-reply-by-email"))
    body["actor"]["name"] = "jcustomer"  # an RT user an administrator created by hand
    assert _parse(body).helpdesk_user_id == "jcustomer"


def test_the_channel_map_says_what_staff_record():
    settings = schemas.Settings().load(
        {"base_url": "https://rt.council.example/", "channel_map": {"staff": "telephone"}}
    )
    assert _parse("rt-5.0.3-ticket-created-by-staff", settings).channel == "telephone"
    assert _parse("rt-5.0.3-ticket-created-by-email", settings).channel == "email", "the defaults stay"


def test_a_customer_on_rts_self_service_pages_counts_as_the_web_form():
    """RT::Interface::Web marks every web request "Web"; the author is an unprivileged user."""
    event = _parse("rt-5.0.3-ticket-created-on-self-service")
    assert (event.channel, event.emails, event.ignore_reason) == ("web_form", ("jane.customer@example.com",), None)


@pytest.mark.parametrize(
    "fixture, change, reason",
    [
        ("rt-5.0.3-reply-by-staff", {}, "reply by staff"),
        ("rt-5.0.3-review-ticket-by-contactguard", {}, "by contactguard's own RT user"),
        (
            "rt-5.0.3-reply-by-email",
            {"transaction": {"content": "Flagged\n\n[contactguard] ref event:1:x:-:3:add_note"}},
            "our own note",
        ),
    ],
)
def test_what_is_not_a_customers_contact_is_ignored(fixture, change, reason):
    body = json.loads(_raw(fixture))
    for part, fields in change.items():
        body[part].update(fields)
    assert _parse(body).ignore_reason == reason


def test_contactguards_own_user_is_the_rt_user_setting():
    """The review ticket contactguard made comes back through the scrip: its actor is the connection's rt_user."""
    body = json.loads(_raw("rt-5.0.3-review-ticket-by-contactguard"))
    elsewhere = schemas.Settings().load({"base_url": "https://rt.council.example/", "rt_user": "cg-bot"})
    assert _parse(body, elsewhere).ignore_reason is None, "another agent's new ticket is a recorded contact"
    body["actor"]["name"] = "CG-Bot"  # RT user names are case-insensitive
    assert _parse(body, elsewhere).ignore_reason == "by contactguard's own RT user"


def test_a_comment_posted_by_a_changed_scrip_is_not_handled():
    body = json.loads(_raw("rt-5.0.3-reply-by-email"))
    body["event"], body["transaction"]["type"] = "ticket.comment", "Comment"
    with pytest.raises(UnhandledEvent):
        ADAPTER.parse(json.dumps(body).encode(), {}, SETTINGS)


@pytest.mark.parametrize(
    "change",
    [
        {"version": 2},
        {"transaction": {"id": 76, "type": "Comment"}},
        {"ticket": {"id": "1"}},
        {"actor": "jane"},
    ],
)
def test_a_body_that_is_not_the_scrips_version_1_is_refused(change):
    body = {**json.loads(_raw("rt-5.0.3-reply-by-email")), **change}
    with pytest.raises(PayloadError):
        ADAPTER.parse(json.dumps(body).encode(), {}, SETTINGS)


def test_the_shared_secret_is_required_and_compared_whole():
    secrets = {"api_token": "t", "shared_secret": "0123456789abcdef"}
    raw = _raw("rt-5.0.3-reply-by-email")
    ADAPTER.verify({SECRET_HEADER: "0123456789abcdef"}, raw, secrets, SETTINGS, NOW)
    wrong = ("0123456789abcde", "0123456789abcdef ", "é0123456789abcdef", "\u00ff" * 40, "")
    for given in [{}] + [{SECRET_HEADER: value} for value in wrong]:
        with pytest.raises(SignatureError):
            ADAPTER.verify(given, raw, secrets, SETTINGS, NOW)
    with pytest.raises(SignatureError):
        ADAPTER.verify({SECRET_HEADER: ""}, raw, {"api_token": "t", "shared_secret": None}, SETTINGS, NOW)
    rotating = {**secrets, "shared_secret": "the-new-secret-0123", "shared_secret_previous": "0123456789abcdef"}
    ADAPTER.verify({SECRET_HEADER: "0123456789abcdef"}, raw, rotating, SETTINGS, NOW)
    ADAPTER.verify({SECRET_HEADER: "the-new-secret-0123"}, raw, rotating, SETTINGS, NOW)


def test_a_connection_needs_a_shared_secret_of_16_characters_and_a_known_source_in_the_channel_map():
    with pytest.raises(ValidationError, match="shared_secret"):
        schemas.Secrets().load({"api_token": "t"})
    with pytest.raises(ValidationError, match="shared_secret"):
        schemas.Secrets().load({"api_token": "t", "shared_secret": "short"})
    with pytest.raises(ValidationError, match="unknown source phone"):
        schemas.Settings().load({"base_url": "https://rt.council.example/", "channel_map": {"phone": "telephone"}})


def test_the_shipped_scrip_posts_what_the_adapter_reads():
    """The scrip (webhook.pl) sends the header the adapter checks, version 1 of the body, and each key Body reads;
    the initialdata loads that scrip for Create and Correspond only."""
    code = (SCRIP / "webhook.pl").read_text()
    assert f"'{SECRET_HEADER}' => $secret" in code and "version     => 1," in code
    posted = set(re.findall(r"^\s*(\w+)\s*=>", code, re.MULTILINE))
    for schema in (schemas.Body, schemas.Ticket, schemas.Transaction, schemas.Actor):
        assert set(schema().fields) <= posted, schema.__name__
    initialdata = (SCRIP / "initialdata").read_text()
    assert '$type eq "Create" || $type eq "Correspond"' in initialdata and "webhook.pl" in initialdata

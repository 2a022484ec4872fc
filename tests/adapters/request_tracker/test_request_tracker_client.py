"""Request Tracker's client against RT 5.0.3's REST2 answers: each test names the REST2 behaviour it relies on.

Behaviours seen on Debian's RT 5.0.3 (and in its source, RT::REST2): a ticket update (PUT /ticket/{id}) answers
200 with RT's messages whether or not the change was made; a custom field named wrongly is skipped without a
message; a single-value field is emptied by null; a multiple-value field takes the exact list of values; the
ticket shows its owner by user name (Nobody when unowned) and its queue by number."""

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import responses

from adapters.errors import ConnectionCheckFailed, PermanentFailure
from adapters.request_tracker import schemas
from adapters.request_tracker.adapter import RequestTrackerAdapter
from adapters.request_tracker.client import PAGE_SIZE, RequestTrackerClient
from tests.adapters.request_tracker.spec import API, FLAG, TAGS, TICKET, ticket

HERE = Path(__file__).parent
RESCAN = json.loads((HERE / "rest2" / "rescan-since-2026-12-07T09-26.json").read_text())


def _client(**settings) -> RequestTrackerClient:
    loaded = schemas.Settings().load({"base_url": "https://rt.council.example/", **settings})
    return RequestTrackerClient(loaded, {"api_token": "1-27-abc", "shared_secret": "0123456789abcdef"})


def _sent(index: int):
    return json.loads(responses.calls[index].request.body)


@responses.activate
def test_every_call_carries_the_auth_token():
    """REST2 with RT::Authen::Token (core in RT 5): `Authorization: token <id>-<user>-<secret>`."""
    responses.get(TICKET, json=ticket(owner="alice"))
    _client().holder("44")
    assert responses.calls[0].request.headers["Authorization"] == "token 1-27-abc"


@responses.activate
def test_a_note_is_a_comment_never_correspondence():
    """POST /ticket/{id}/comment records a private comment; /correspond would be mailed to the requestors."""
    responses.post(TICKET + "/attachments?fields=Content", json={"count": 0, "items": []})
    responses.post(TICKET + "/comment", json=["Comments added"], status=201)
    _client().apply(
        "44", {"kind": "add_note", "text": "Flagged [contactguard] ref k", "marker": "[contactguard] ref k"}
    )
    assert [c.request.url for c in responses.calls][-1] == TICKET + "/comment"
    assert _sent(1) == {"Content": "Flagged [contactguard] ref k", "ContentType": "text/plain"}


@responses.activate
def test_a_note_already_posted_is_not_posted_again():
    """POST /ticket/{id}/attachments takes a JSON search ([{field, operator, value}]) over the ticket's messages."""
    responses.post(
        TICKET + "/attachments?fields=Content",
        json={"count": 1, "items": [{"id": "11", "Content": "Flagged.\n\n[contactguard] ref k"}]},
    )
    _client().apply(
        "44", {"kind": "add_note", "text": "Flagged.\n\n[contactguard] ref k", "marker": "[contactguard] ref k"}
    )
    assert len(responses.calls) == 1
    assert _sent(0) == [{"field": "Content", "operator": "LIKE", "value": "[contactguard] ref k"}]


@responses.activate
def test_a_custom_field_rt_does_not_know_is_a_permanent_failure_naming_it():
    """REST2 skips a custom field it cannot find and answers 200 with no message: the read-back shows it."""
    responses.put(TICKET, json=[])
    responses.get(TICKET, json={**ticket(), "CustomFields": []})
    with pytest.raises(PermanentFailure, match="no custom field named 'Contact restriction'"):
        _client().apply("44", {"kind": "set_flag", "value": "RESTRICTED"})


@responses.activate
def test_a_flag_rt_did_not_write_is_a_permanent_failure():
    """Without ModifyCustomField RT refuses the value, and REST2 still answers 200."""
    responses.put(TICKET, json=["Permission Denied"])
    responses.get(TICKET, json=ticket())
    with pytest.raises(PermanentFailure, match="did not write the custom field 'Contact restriction'"):
        _client().apply("44", {"kind": "set_flag", "value": "RESTRICTED"})


@responses.activate
def test_an_owner_rt_refused_is_a_permanent_failure_with_rts_words():
    """PUT {"Owner": name} for a user without OwnTicket: 200 ["Ticket 44: That user may not own tickets in that
    queue"], and the owner unchanged."""
    responses.put(TICKET, json=["Ticket 44: That user may not own tickets in that queue"])
    responses.get(TICKET, json=ticket(owner="Nobody"))
    with pytest.raises(PermanentFailure, match="That user may not own tickets in that queue"):
        _client().apply("44", {"kind": "assign", "agent_id": "jane.customer@example.com"})


@responses.activate
def test_clearing_an_empty_flag_writes_nothing():
    """REST2 turns null on an empty single-value field into a new empty value ("Contact restriction  added")."""
    responses.get(TICKET, json={**ticket(), "CustomFields": [{"name": FLAG, "values": [None]}]})
    _client().apply("44", {"kind": "clear_flag"})
    assert [c.request.method for c in responses.calls] == ["GET"]


@responses.activate
def test_removing_the_last_tag_sends_an_empty_list():
    """A multiple-value custom field takes the exact list: [] deletes every value."""
    responses.get(TICKET, json=ticket(tags=["cg-restricted"]))
    responses.put(TICKET, json=["cg-restricted is no longer a value for custom field contactguard tags"])
    responses.get(TICKET, json=ticket())
    _client().apply("44", {"kind": "remove_tags", "tags": ["cg-restricted", "cg-escalated"]})
    assert _sent(1) == {"CustomFields": {TAGS: []}}


@responses.activate
def test_a_higher_priority_is_never_lowered():
    responses.get(TICKET, json=ticket(priority="120"))
    _client().apply("44", {"kind": "set_priority", "priority": "urgent"})
    assert [c.request.method for c in responses.calls] == ["GET"]


@responses.activate
def test_a_queue_given_by_number_needs_no_look_up():
    responses.put(TICKET, json=["Ticket 44: Queue changed from Housing to Information rights"])
    responses.get(TICKET, json=ticket(queue="4"))
    _client().apply("44", {"kind": "move_queue", "queue": 4})
    assert _sent(0) == {"Queue": "4"} and len(responses.calls) == 2


@pytest.mark.parametrize(
    "owner, status, settings, expected",
    [
        ("alice", "open", {}, ("alice", True)),
        ("Nobody", "new", {}, (None, True)),
        ("alice", "stalled", {}, ("alice", True)),
        ("alice", "resolved", {}, ("alice", False)),
        ("alice", "rejected", {}, ("alice", False)),
        ("alice", "closed-by-council", {"inactive_statuses": ["resolved", "closed-by-council"]}, ("alice", False)),
    ],
)
@responses.activate
def test_who_holds_a_ticket_and_whether_it_is_still_worked_on(owner, status, settings, expected):
    """RT 5's default lifecycle: new, open and stalled are active; resolved, rejected and deleted are not."""
    responses.get(TICKET, json=ticket(owner=owner, status=status))
    held = _client(**settings).holder("44")
    assert (held.agent_id, held.open) == expected


@responses.activate(assert_all_requests_are_fired=False)
def test_the_new_sole_point_of_contact_takes_only_a_ticket_the_old_one_still_holds():
    responses.get(TICKET, json=ticket(owner="bob", status="open"))
    _client().apply("44", {"kind": "assign", "agent_id": "carol", "only_from": "alice"})
    assert [c.request.method for c in responses.calls] == ["GET"], "held by bob, not alice: nothing written"


@responses.activate
def test_a_review_task_has_no_requestor_so_rt_mails_its_text_to_nobody_outside():
    """POST /ticket without Requestor makes a ticket with none (REST2 does not default it to the creator)."""
    responses.post(API + "ticket", json={"id": "51", "type": "ticket"}, status=201)
    _client().apply(None, {"kind": "create_task", "queue": "Reviews", "title": "Review due", "text": "Hold it"})
    assert _sent(0) == {"Queue": "Reviews", "Subject": "Review due", "Content": "Hold it", "ContentType": "text/plain"}
    assert len(responses.calls) == 1, "no owner asked for: nothing to check"


@responses.activate
def test_a_review_task_rt_made_without_its_owner_is_reported_not_retried():
    """REST2 creates the ticket with Nobody as owner when the owner cannot own tickets in the queue."""
    responses.post(API + "ticket", json={"id": "51", "type": "ticket"}, status=201)
    responses.get(API + "ticket/51", json=ticket(51, owner="Nobody"))
    with pytest.raises(PermanentFailure, match=r"review ticket 51 .* did not make 'carol' its owner"):
        _client().apply(
            None, {"kind": "create_task", "queue": "Reviews", "title": "T", "text": "x", "agent_id": "carol"}
        )


@responses.activate
def test_test_before_save_finds_both_custom_fields():
    """POST /customfields takes a JSON search; two limits on Name are OR'd (DBIx::SearchBuilder's default)."""
    responses.post(API + "customfields", json={"count": 1, "items": [{"id": "2"}]})
    with pytest.raises(ConnectionCheckFailed) as failed:
        _client().test_connection()
    assert (failed.value.code, failed.value.field) == ("missing_custom_field", "restriction_field")
    assert _sent(0) == [
        {"field": "LookupType", "value": "RT::Queue-RT::Ticket"},
        {"field": "Name", "value": FLAG},
        {"field": "Name", "value": TAGS, "entry_aggregator": "OR"},
    ]


def _replay_rescan():
    """RT 5.0.3's answers to a rescan since 2026-12-07 09:26 UTC, captured from the instance the fixtures came from."""
    for key, exchange in RESCAN.items():
        method, path = key.split(" ", 1)
        responses.add(method, API + path, json=exchange["response"])


@responses.activate
def test_a_rescan_reads_the_transactions_back_as_the_scrip_posted_them():
    """POST /transactions with a JSON search (Create or Correspond on tickets since the time), then each ticket,
    message (X-RT-Interface in its headers), queue and author once."""
    _replay_rescan()
    events = _client().events_since(dt.datetime(2026, 12, 7, 9, 26, tzinfo=dt.timezone.utc))
    search = next(k for k in RESCAN if k.startswith("POST"))
    assert _sent(0) == RESCAN[search]["request"], "the search the capture answered"
    assert [(e.delivery_key, e.event_type, e.channel, e.ignore_reason) for e in events] == [
        ("rt-txn:74", "ticket.created", "email", None),
        ("rt-txn:76", "ticket.customer_reply", "email", None),
        ("rt-txn:83", "ticket.created", None, "by contactguard's own RT user"),
        ("rt-txn:89", "ticket.created", None, "by contactguard's own RT user"),
        ("rt-txn:94", "ticket.created", None, None),
        ("rt-txn:96", "ticket.customer_reply", None, "reply by staff"),
    ]
    assert len(responses.calls) == len(RESCAN), "each ticket, queue and user read once"


@pytest.mark.parametrize(
    "fixture",
    [
        "rt-5.0.3-ticket-created-by-email",
        "rt-5.0.3-reply-by-email",
        "rt-5.0.3-ticket-created-by-staff",
        "rt-5.0.3-reply-by-staff",
    ],
)
@responses.activate
def test_a_rescan_builds_the_event_the_scrip_delivered_so_it_is_known(fixture):
    """Same delivery key and the same facts the decision reads: a delivery received before counts as known."""
    _replay_rescan()
    settings = schemas.Settings().load({"base_url": "https://rt.council.example/"})
    (delivered,) = RequestTrackerAdapter().parse((HERE / "fixtures" / f"{fixture}.json").read_bytes(), {}, settings)
    rescanned = {
        e.delivery_key: e for e in _client().events_since(dt.datetime(2026, 12, 7, 9, 26, tzinfo=dt.timezone.utc))
    }
    assert rescanned[delivered.delivery_key] == delivered


@responses.activate
def test_a_rescan_reads_the_search_page_by_page_until_a_short_page():
    """REST2 caps per_page at 100 and says no total to a user who cannot see everything (total: null)."""

    def page(request):
        number = int(request.url.rsplit("page=", 1)[1])
        count = PAGE_SIZE if number == 1 else 1
        first = (number - 1) * PAGE_SIZE
        items = [
            {"id": str(1000 + first + i), "Type": "Correspond", "ObjectId": "2", "Creator": {"id": "jane"}}
            for i in range(count)
        ]
        return 200, {}, json.dumps({"total": None, "pages": None, "count": count, "items": items})

    responses.add_callback(responses.POST, re.compile(re.escape(API + "transactions?") + ".*"), callback=page)
    responses.get(API + "ticket/2", json=ticket(2))
    responses.get(API + "queue/3", json={"id": 3, "Name": "Housing"})
    responses.get(API + "user/jane", json={"Name": "jane", "EmailAddress": "jane@example.com", "Privileged": 0})
    responses.get(API + "user/jane.customer%40example.com", json={"EmailAddress": "jane.customer@example.com"})
    responses.get(
        re.compile(re.escape(API + "transaction/") + r"\d+/attachments.*"),
        json={"items": [{"ContentType": "text/plain", "Content": "Hello", "Headers": "X-RT-Interface: Email"}]},
    )
    events = _client(rate_limit_per_minute=10000).events_since(dt.datetime(2026, 12, 7, tzinfo=dt.timezone.utc))
    assert len(events) == PAGE_SIZE + 1 and events[-1].delivery_key == f"rt-txn:{1000 + PAGE_SIZE}"
    searched = [c.request.url for c in responses.calls if "/transactions?" in c.request.url]
    assert [u.rsplit("page=", 1)[1] for u in searched] == ["1", "2"]
    assert events[0].emails == ("jane@example.com",) and events[0].channel == "email"

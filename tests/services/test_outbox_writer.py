"""The one outbox writer (issue 13 item 3): one key format, notes marked with their key, kinds a helpdesk's
client does not declare skipped with a logged reason, and rows written before it still drain."""

from __future__ import annotations

import logging

import pytest
import responses
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from plugin.models import Connection, OutboxAction
from plugin.services import Actor, Context, outbox
from plugin.services import connections as conns
from plugin.services.pipeline import event_origin
from plugin.worker import outbox as worker_outbox
from tests.webhooks.conftest import HELPDESK_API

TICKET = HELPDESK_API + "tickets/44/"


@pytest.fixture
def helpdesk(cast) -> str:
    with cast.act() as ctx:
        return conns.add(
            ctx,
            "django_helpdesk",
            "Housing",
            {"base_url": HELPDESK_API},
            {"username": "u", "password": "p"},
            test=False,
        ).id


@pytest.fixture
def front(cast) -> str:
    with cast.act() as ctx:
        return conns.add(
            ctx, "front", "Front", {"author_id": "tea_1"}, {"api_token": "t", "signing_secret": "s"}, test=False
        ).id


def _write(cast, connection_id: str, actions, **where) -> int:
    with cast.act() as ctx:
        return outbox.write(ctx, ctx.session.get(Connection, connection_id), actions, **where)


def _rows(sessions) -> list[OutboxAction]:
    with sessions() as s:
        return list(s.scalars(select(OutboxAction).order_by(OutboxAction.id)))


def test_rows_are_keyed_in_one_format_and_stored_as_the_clients_read_them(cast, sessions, helpdesk):
    actions = [outbox.SetFlag("RESTRICTED"), outbox.AddTags(("cg-restricted",)), outbox.AddNote("See the flag.")]
    assert _write(cast, helpdesk, actions, origin=event_origin(5), ticket_id="44", event_id=None) == 3
    flag, tags, note = _rows(sessions)
    assert flag.idempotency_key == f"event:5:{helpdesk[:12]}:44:0:set_flag"
    assert (flag.kind, flag.payload) == ("set_flag", {"kind": "set_flag", "value": "RESTRICTED"})
    assert tags.payload == {"kind": "add_tags", "tags": ["cg-restricted"]}
    marker = f"[contactguard] ref {note.idempotency_key}"
    assert note.payload == {"kind": "add_note", "text": f"See the flag.\n\n{marker}", "marker": marker}


def test_a_task_has_no_ticket_and_a_long_origin_keeps_its_key_unique_within_the_column(cast, sessions, helpdesk):
    task = outbox.CreateTask(queue=3, title="review due", text="Restriction 1 needs its review.")
    for origin in ("task:" + "x" * 200 + ":a", "task:" + "x" * 200 + ":b"):
        assert _write(cast, helpdesk, [task], origin=origin, ticket_id=None) == 1
    first, second = _rows(sessions)
    assert first.ticket_id is None and first.payload["queue"] == 3
    assert len(first.idempotency_key) == len(second.idempotency_key) == outbox.KEY_LENGTH
    assert first.idempotency_key != second.idempotency_key


def test_the_same_origin_twice_is_refused_by_the_key(cast, sessions, settings, helpdesk):
    """Exactly once: a producer that writes the same actions again fails on the unique key."""
    _write(cast, helpdesk, [outbox.ClearFlag()], origin="lifted:1:t", ticket_id="44")
    with pytest.raises(IntegrityError), sessions() as session, session.begin():
        ctx = Context(session, Actor.system("test"), settings)
        outbox.write(ctx, session.get(Connection, helpdesk), [outbox.ClearFlag()], origin="lifted:1:t", ticket_id="44")


def test_a_kind_the_client_does_not_declare_is_skipped_with_a_logged_reason(cast, sessions, front, caplog):
    """Front's client has no set_status or create_task (tests/adapters/test_action_support.py)."""
    caplog.set_level(logging.INFO, logger="plugin.services.outbox")
    task = outbox.CreateTask(queue="tea_9", title="review", text="Restriction 3 needs its review.")
    written = _write(cast, front, [outbox.ClearFlag(), task], origin="task:3", ticket_id="cnv_1")
    assert written == 1
    assert [(r.kind, r.idempotency_key.rsplit(":", 2)[-2]) for r in _rows(sessions)] == [("clear_flag", "0")]
    assert f"create_task not queued for connection={front[:6]} origin=task:3: the front client does not support it" in (
        caplog.text
    )


@responses.activate
def test_rows_written_before_the_writer_existed_still_drain(cast, sessions, settings, helpdesk):
    """Old key formats (`<connection>:<event>:<index>:<kind>`, `lapsed:...:<index>`) and hand-built payloads."""
    marker = f"[contactguard] ref {helpdesk[:12]}:7:2:add_note"
    with sessions() as s, s.begin():
        s.add_all(
            [
                OutboxAction(
                    connection_id=helpdesk,
                    ticket_id="44",
                    kind="add_tags",
                    payload={"kind": "add_tags", "tags": ["cg-restricted"]},
                    idempotency_key=f"{helpdesk[:12]}:7:1:add_tags",
                ),
                OutboxAction(
                    connection_id=helpdesk,
                    ticket_id="44",
                    kind="add_note",
                    payload={"kind": "add_note", "text": f"Restricted.\n\n{marker}", "marker": marker},
                    idempotency_key=f"{helpdesk[:12]}:7:2:add_note",
                ),
                OutboxAction(
                    connection_id=helpdesk,
                    ticket_id="44",
                    kind="clear_flag",
                    payload={"kind": "clear_flag"},
                    idempotency_key=f"lapsed:3:20260101T000000000000:{helpdesk[:12]}:44:0",
                ),
            ]
        )
    responses.get(TICKET, json={"id": 44, "custom_contactguard_tags": "", "followup_set": []})
    responses.patch(TICKET, json={})
    responses.post(HELPDESK_API + "followups/", json={"id": 1}, status=201)
    stats = worker_outbox.drain_once(sessions, settings)
    assert (stats.done, stats.retried, stats.dead) == (3, 0, 0), stats.errors
    assert {r.state for r in _rows(sessions)} == {"done"}
    posted = next(c.request.body for c in responses.calls if c.request.method == "POST")
    assert marker.encode() in posted

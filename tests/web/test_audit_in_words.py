"""People, not ids (issue 22 item 6): the audit trail and a restriction's History in words.

Who acted by name and role, or as the server's operator acting for someone; actions in words from one table; details
as labelled fields with names and dates in words; readings of letters and of the register kept in the trail but
counted in the History, never listed one by one. What is recorded is unchanged: the chain still verifies."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from plugin.app import create_app, dispose
from plugin.models import AuditEntry, Letter
from plugin.services import audit as audit_service
from plugin.services import incidents as inc
from plugin.services import register as reg
from plugin.services.audit_view import ACTIONS, action_words
from plugin.services.context import Actor, Context
from plugin.words import date_words
from tests.helpers import active_restriction, email_of
from tests.letters.conftest import COUNCIL
from tests.web.test_auth_support import csrf_from, give_account, page_text, sign_in


@pytest.fixture
def app(settings):
    """The app for a council whose letterhead and signatory are set, so its letters can be opened."""
    app = create_app(
        {"DATABASE_URL": settings.DATABASE_URL, "INSTANCE_PATH": settings.INSTANCE_PATH, "TESTING": True, **COUNCIL}
    )
    yield app
    dispose(app)


def seen(response) -> str:
    return html.unescape(page_text(response))


def signed_in(cast, client, who: str):
    give_account(cast, who)
    sign_in(client, who)
    return client


def sign_out(client) -> None:
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").data)})


def letter_of(cast, restriction_id: int) -> int:
    with cast.sessions() as s:
        return s.scalar(select(Letter.id).where(Letter.restriction_id == restriction_id, Letter.kind == "restriction"))


def review_day(cast) -> dt.date:
    with cast.act() as ctx:
        return ctx.today() + dt.timedelta(days=120)


def test_the_audit_trail_names_people_and_roles_and_says_what_was_done_in_words(cast, client):
    review = review_day(cast)
    restriction = active_restriction(cast, review_due=review.isoformat())
    signed_in(cast, client, "admin")
    page = client.get("/audit")
    text = seen(page)
    assert "Times are UK time." in text and "Times are UTC" not in text
    assert re.search(
        rf"\d{{1,2}} \w+ \d{{4}} at \d{{1,2}}(:\d\d)?[ap]m Sam Senior \(senior\) Restriction activated "
        rf"Restriction {restriction} C1 Jane Customer Path: after a formal warning Review date: {date_words(review)}",
        text,
    ), text
    assert "Olly Officer (officer) Formal warning issued" in text
    assert "Olly Officer (officer) Incident recorded" in text and "Category: verbal abuse" in text
    assert "Letter written, waiting to be sent Letter 2 C1 Jane Customer Kind: restriction letter" in text
    for raw in ("officer:", "restriction.activate", "restriction activate", '{"', "register.read"):
        assert raw not in text, raw
    body = page.get_data(as_text=True)
    assert f'href="/restrictions/{restriction}"' in body and 'href="/customers/C1"' in body


def test_the_server_s_operator_is_named_with_the_officer_they_acted_for(cast, client, sessions, settings):
    """The CLI records `cli:USER@HOST` and `cli:USER@HOST as officer:ID` (plugin/cli/base.py)."""
    officer_id, role = cast.ids["officer"]
    with sessions() as s, s.begin():
        reg.add_service(Context(s, Actor(label="cli:root@vm"), settings), {"slug": "parks", "name": "Parks"})
    with sessions() as s, s.begin():
        actor = Actor(label=f"cli:root@vm as officer:{officer_id}", role=role, officer_id=officer_id)
        inc.record_incident(
            Context(s, actor, settings),
            {
                "customer": "C1",
                "experienced_by": email_of("officer"),
                "occurred_at": (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2)).isoformat(),
                "channel": "telephone",
                "category": "threat",
                "description": "Threatened the officer on the phone",
            },
        )
    signed_in(cast, client, "senior")
    text = seen(client.get("/audit"))
    assert "run on the server by root on vm for Olly Officer (officer) Incident recorded" in text
    assert "run on the server by root on vm Service added Service 2 - Service: parks" in text
    assert "cli:root@vm" not in text


def test_sign_ins_and_accounts_are_named_by_whose_they_are(cast, client):
    signed_in(cast, client, "senior")
    text = seen(client.get("/audit"))
    assert "Sam Senior (senior) Signed in Account of Sam Senior (senior) - How: password" in text
    assert "contactguard (test) Officer added Olly Officer (officer) - Role: officer" in text


def test_readings_stay_in_the_trail_but_the_history_counts_them(cast, client):
    """Eight openings of the letter are eight entries in the trail, one line in the History, under the decisions."""
    restriction = active_restriction(cast)
    letter = letter_of(cast, restriction)
    signed_in(cast, client, "officer")
    for _ in range(8):
        assert client.get(f"/letters/{letter}.html").status_code == 200
    for _ in range(3):
        assert client.get(f"/restrictions/{restriction}").status_code == 200
    sign_out(client)

    signed_in(cast, client, "senior")
    page = client.get(f"/restrictions/{restriction}")
    text = seen(page)
    history = text.split("History", 1)[1]
    assert "Letter opened" not in history and "Register read" not in history
    assert "Restriction proposed" in history and "Restriction activated" in history
    assert f"Letter {letter} opened 8 times by Olly Officer (officer), last on " in history
    # Three pages of the restriction, and the dashboard that lists it (opened on signing out).
    assert re.search(rf"Restriction {restriction} read [34] times by Olly Officer \(officer\), last on \d", history)
    assert 'href="/audit?customer=C1"' in page.get_data(as_text=True)  # each reading is in the audit trail

    with cast.sessions() as s:
        opened = s.scalars(select(AuditEntry.id).where(AuditEntry.action == "letter.rendered")).all()
    assert len(opened) == 8, "every reading is still recorded"
    everything = seen(client.get("/audit?customer=C1"))
    assert everything.count(f"Letter opened Letter {letter}") == 8
    assert "Format: HTML" in everything
    changes = seen(client.get("/audit?customer=C1&changes=y"))
    assert "Letter opened" not in changes and "Register read" not in changes
    assert "Restriction activated" in changes


def test_an_officer_reads_the_history_without_the_health_and_social_work_answers(cast, client):
    """R50: the checks' answers are in the trail, shown to senior officers and admins only."""
    restriction = active_restriction(cast)
    signed_in(cast, client, "officer")
    history = seen(client.get(f"/restrictions/{restriction}")).split("History", 1)[1]
    assert "Pre-restriction checks recorded" in history
    assert "Known to Social Work Services" not in history and "Adjustments needed" not in history
    sign_out(client)
    signed_in(cast, client, "senior")
    history = seen(client.get(f"/restrictions/{restriction}")).split("History", 1)[1]
    assert "Pre-restriction checks recorded Known to Social Work Services: no Adjustments needed: no" in history


def test_the_trail_still_verifies_after_it_is_shown_in_words(cast, client, app):
    active_restriction(cast)
    signed_in(cast, client, "senior")
    client.get("/audit")
    client.get("/audit?changes=y")
    engine = app.extensions["contactguard.engine"]
    with engine.connect() as conn, conn.begin():
        assert audit_service.verify(conn).ok


def test_every_action_the_code_records_has_words():
    """One table: every action code written in plugin/ is in ACTIONS (a new one gets its words there)."""
    source = "\n".join(p.read_text() for p in (Path(__file__).parents[2] / "plugin").rglob("*.py"))
    written = set(re.findall(r'(?:audit\(\s*|action=)f?"([a-z_]+\.[a-z_]+)"', source))
    written |= {f"restriction.{a}" for a in ("activate", "confirm_interim", "lifted", "lapsed", "withdrawn")}
    written |= {f"contact.{o}" for o in ("allow", "flag", "disregard", "escalate", "statutory")}
    written |= set(re.findall(r'"(tickets\.[a-z_]+)"', source))
    missing = sorted(code for code in written if code not in ACTIONS)
    assert not missing, f"add words for {missing} to ACTIONS in plugin/services/audit_view.py"
    assert action_words("officer.photo_added") == "Officer photo added"  # a code not yet in the table

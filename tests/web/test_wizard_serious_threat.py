"""The restriction wizard's serious-threat path (issue 22 item 5, R61): no warning question, and for a senior officer a
one-step path that activates the restriction at once after a check page, with the service call the CLI
(`restrictions propose --activate`) and the API (`activate: true`) make.

What is checked is what an officer reads: the pages in order, the check page, the refusal, the restriction page."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from plugin.models import Restriction
from plugin.services import incidents as inc
from plugin.words import date_words
from tests.helpers import email_of
from tests.web.test_auth_support import csrf_from
from tests.web.test_casework import post_form, signed_in, text_of

WIZARD = "/customers/C1/restrict"
NO_WARNING_QUESTION = "Why is no warning given first?"


def threat_incident(cast) -> int:
    """A threat of violence at the counter, recorded by an officer."""
    with cast.act("officer") as ctx:
        return inc.record_incident(
            ctx,
            {
                "customer": "C1",
                "experienced_by": email_of("deputy"),
                "channel": "in_person",
                "category": "threat",
                "occurred_at": (ctx.now() - dt.timedelta(hours=5)).isoformat(),
                "description": "Threatened to hit the officer at the counter",
            },
        ).id


def walk_serious_threat_path(client, incident: int, social_work_known: str = "no") -> None:
    """Every question of the serious-threat path: after the first, the pre-restriction checks (no warning step)."""
    client.get(WIZARD)
    steps = [
        ("path", {"path": "serious_threat", "incidents": [str(incident)]}, "checks"),
        (
            "checks",
            {"social_work_known": social_work_known, "adjustments_needed": "no", "other_services": "none"},
            "contact",
        ),
        ("contact", {"spoc_kind": "shared_inbox", "spoc_inbox": "housing-team@council.example"}, "channels"),
        ("channels", {"allowed_channels": ["letter"], "excluded_premises": "Housing counter"}, "reasons"),
        ("reasons", {"why_necessary": "Threatened violence against an officer"}, "review"),
        ("review", {"review_due": ""}, "check"),
    ]
    for step, data, following in steps:
        page = client.get(f"{WIZARD}/{step}")
        assert NO_WARNING_QUESTION not in text_of(page), step
        response = post_form(client, f"{WIZARD}/{step}", data)
        assert response.status_code == 302, (step, text_of(response))
        assert response.headers["Location"] == f"{WIZARD}/{following}", step


def restriction_count(cast) -> int:
    with cast.sessions() as s:
        return len(list(s.scalars(select(Restriction.id))))


def test_a_senior_officer_activates_a_serious_threat_restriction_in_one_step_after_a_check_page(cast, client):
    incident = threat_incident(cast)
    signed_in(cast, client, "senior")
    walk_serious_threat_path(client, incident)
    assert client.get(f"{WIZARD}/warning").headers["Location"] == f"{WIZARD}/checks", "no warning question (R61)"
    assert f'href="{WIZARD}/path"' in client.get(f"{WIZARD}/checks").get_data(as_text=True), "Back skips it too"

    check = client.get(f"{WIZARD}/check")
    text = text_of(check)
    assert "Warning None needed: a serious threat or violence (R61)" in text
    assert "Why no warning is given first" not in text
    assert "Or activate it at once" in text and "Propose restriction" in text
    assert f'href="{WIZARD}/activate"' in check.get_data(as_text=True)

    confirm = client.get(f"{WIZARD}/activate")
    text = text_of(confirm)
    assert "Restrict contact: C1 Jane Customer Check the restriction before you activate it" in text
    assert "Why contact is restricted Serious threat or violence (no warning needed)" in text
    assert "Sole point of contact A team inbox: housing-team@council.example" in text
    assert "Premises the customer may not attend Housing counter" in text
    assert "No warning is given first: a serious threat or violence needs none (R61)." in text
    assert "The customer may appeal within 10 working days of receiving the letter." in text
    assert "Activate only if you, as a senior officer, have decided to restrict Jane Customer's contact at once" in text
    assert f'href="{WIZARD}/channels?change=1"' in confirm.get_data(as_text=True)  # each answer has its Change link
    assert NO_WARNING_QUESTION not in text
    assert restriction_count(cast) == 0, "the check page changes nothing"

    response = client.post(
        f"{WIZARD}/activate", data={"csrf_token": csrf_from(confirm.data), "confirm": "yes"}, follow_redirects=True
    )
    text = text_of(response)
    with cast.sessions() as s:
        r = s.scalars(select(Restriction)).one()
        review_due, path, justification = r.review_due, r.path, r.path_justification
    assert f"Restriction 1 is in force. It is reviewed by {date_words(review_due)}." in text
    assert "The restriction letter is waiting to be sent." in text
    assert "State active" in text and "Path serious threat" in text
    assert (path, justification) == ("serious_threat", None)
    assert "Why no warning first" not in text
    history = text.split("History", 1)[1]
    assert "Restriction proposed Path: serious threat: no warning needed Sam Senior (senior)" in history
    assert "Restriction activated Path: serious threat: no warning needed" in history
    with client.session_transaction() as cookie:
        assert "restriction_wizard" not in cookie, "the answers are dropped once in force"


def test_a_refused_one_step_activation_changes_nothing_and_names_the_question(cast, client):
    incident = threat_incident(cast)
    signed_in(cast, client, "senior")
    walk_serious_threat_path(client, incident, social_work_known="unknown")
    confirm = client.get(f"{WIZARD}/activate")
    response = client.post(f"{WIZARD}/activate", data={"csrf_token": csrf_from(confirm.data), "confirm": "yes"})
    assert response.status_code == 409
    text = text_of(response)
    assert "There is a problem" in text
    assert "whether the customer is known to Social Work Services is 'unknown': record who was asked and when" in text
    assert "[R9]" in text
    assert f'href="{WIZARD}/checks?change=1"' in response.get_data(as_text=True)
    assert restriction_count(cast) == 0, "neither proposed nor activated"
    assert client.get(f"{WIZARD}/check").status_code == 200, "the answers are kept to change"


def test_an_officer_on_the_serious_threat_path_proposes_and_may_not_activate_at_once(cast, client):
    incident = threat_incident(cast)
    signed_in(cast, client, "officer")
    walk_serious_threat_path(client, incident)
    text = text_of(client.get(f"{WIZARD}/check"))
    assert "Or activate it at once" not in text and "Activate at once" not in text
    assert client.get(f"{WIZARD}/activate").status_code == 403
    response = post_form(client, f"{WIZARD}/check", {}, follow=True)
    assert "Restriction 1 proposed. A senior officer must activate it before it is in force." in text_of(response)
    assert "State proposed" in text_of(response)


def test_the_one_step_path_is_only_for_a_serious_threat_and_only_when_every_question_is_answered(cast, client):
    signed_in(cast, client, "senior")
    client.get(WIZARD)
    assert client.get(f"{WIZARD}/activate").headers["Location"] == f"{WIZARD}/path"
    post_form(client, f"{WIZARD}/path", {"path": "without_warning"})
    assert NO_WARNING_QUESTION in text_of(client.get(f"{WIZARD}/warning")), "asked when no threat is the reason"
    for step, data in [
        ("warning", {"path_justification": "Hundreds of e-mails a day for a month"}),
        ("checks", {"social_work_known": "no", "adjustments_needed": "no", "other_services": "none"}),
        ("contact", {"spoc_kind": "shared_inbox", "spoc_inbox": "housing-team@council.example"}),
        ("channels", {"allowed_channels": ["letter"]}),
        ("reasons", {"why_necessary": "The volume stops the team serving others"}),
        ("review", {"review_due": ""}),
    ]:
        assert post_form(client, f"{WIZARD}/{step}", data).status_code == 302, step
    assert "Activate at once" not in text_of(client.get(f"{WIZARD}/check"))
    assert client.get(f"{WIZARD}/activate").headers["Location"] == f"{WIZARD}/check"
    assert restriction_count(cast) == 0

"""The restriction wizard, the restriction page and its actions, appeals and reviews (plugin/web/casework.py).

What is checked is what an officer sees: the question pages in order, "Check your answers", the refusals the service
gives (with the field named and the rule id kept), and the restriction page after each action.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from plugin.models import Appeal, Letter, Restriction
from plugin.services import incidents as inc
from plugin.words import date_words
from tests.helpers import active_restriction, date_parts, email_of
from tests.web.test_auth_support import csrf_from
from tests.web.test_casework import post_form, signed_in, text_of

WIZARD = "/customers/C1/restrict"


def incident_and_warning(cast) -> tuple[int, int]:
    """An incident on C1 and a warning citing it, as an officer would record them."""
    with cast.act("officer") as ctx:
        incident = inc.record_incident(
            ctx,
            {
                "customer": "C1",
                "experienced_by": email_of("officer"),
                "occurred_at": (ctx.now() - dt.timedelta(days=3)).isoformat(),
                "channel": "telephone",
                "category": "verbal_abuse",
                "description": "Shouted and swore at the officer",
            },
        )
        warning = inc.issue_warning(
            ctx,
            {
                "customer": "C1",
                "incidents": [incident.id],
                "behaviour": "Shouting and swearing on the phone",
                "why_unacceptable": "Staff must work free of abuse",
                "change_requested": "Keep calls civil and courteous",
                "consequences": "Your contact may be restricted",
            },
        )
        return incident.id, warning.id


def today(cast) -> dt.date:
    with cast.act() as ctx:
        return ctx.today()


def answer(client, step: str, data: dict):
    """Answer one question page; returns the response (a redirect to the next page when the answer is taken)."""
    return post_form(client, f"{WIZARD}/{step}", data)


def walk_wizard(client, incident: int, warning: int, review_due: str) -> None:
    """Every question of the wizard, in the policy's order, each page leading to the next."""
    assert client.get(WIZARD).headers["Location"] == f"{WIZARD}/path"
    steps = [
        ("path", {"path": "after_warning", "incidents": [str(incident)]}, "warning"),
        ("warning", {"warning": str(warning)}, "checks"),
        ("checks", {"social_work_known": "no", "adjustments_needed": "no", "other_services": "none"}, "contact"),
        ("contact", {"spoc_kind": "officer", "spoc_officer": email_of("officer"), "deputy_officer": ""}, "channels"),
        ("channels", {"allowed_channels": ["email", "letter"], "windows": "mon,wed 10:00-12:00"}, "reasons"),
        ("reasons", {"why_necessary": "Abusive calls continued after the warning"}, "review"),
        ("review", {"review_due": review_due}, "check"),
    ]
    for step, data, following in steps:
        response = answer(client, step, data)
        assert response.status_code == 302, (step, text_of(response))
        assert response.headers["Location"] == f"{WIZARD}/{following}"


def restriction_ids(cast) -> list[int]:
    with cast.sessions() as s:
        return list(s.scalars(select(Restriction.id).order_by(Restriction.id)))


# -- the wizard -------------------------------------------------------------------------------------------


def test_an_officer_walks_the_wizard_and_proposes_then_a_senior_officer_activates(cast, client, app):
    incident, warning = incident_and_warning(cast)
    review_day = today(cast) + dt.timedelta(days=90)
    review, review_words = review_day.isoformat(), date_words(review_day)
    signed_in(cast, client, "officer")
    walk_wizard(client, incident, warning, review)

    check = text_of(client.get(f"{WIZARD}/check"))
    assert "Check your answers" in check
    assert "Why contact is restricted After a warning" in check
    assert "Warning Warning 1" in check
    assert "Sole point of contact A named officer (with a deputy): officer@council.example" in check
    assert "Ways of contact left open E-mail, Letter" in check
    assert "Times Mondays and Wednesdays, 10am to 12 noon" in check
    assert f"Review date {review_words}" in check

    response = post_form(client, f"{WIZARD}/check", {}, follow=True)
    text = text_of(response)
    assert "Restriction 1 proposed. A senior officer must activate it" in text
    assert "State proposed" in text
    assert 'href="/restrictions/1/activate"' not in response.get_data(as_text=True)  # no Activate for an officer
    assert "A senior officer must activate this proposal before it is in force." in text

    with client.session_transaction() as cookie:
        assert "restriction_wizard" not in cookie  # the answers are dropped once proposed

    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").data)})
    signed_in(cast, client, "senior")
    page = client.get("/restrictions/1")
    assert 'href="/restrictions/1/activate"' in page.get_data(as_text=True) and "Activate" in text_of(page)

    # GOV.UK's "check before you submit": the terms in words, what follows, then the button that activates.
    check = client.get("/restrictions/1/activate")
    text = text_of(check)
    assert "C1 Jane Customer: restriction 1 Check the restriction before you activate it" in text
    assert (
        "Sole point of contact Olly Officer <officer@council.example> (deputy Dee Deputy <deputy@council.example>)"
        in text
    )
    assert "Ways of contact open e-mail and letter" in text
    assert "Times Mondays and Wednesdays, 10am to 12 noon" in text
    assert f"Review date {review_words}" in text
    assert "The customer may appeal within 10 working days of receiving the letter." in text
    assert 'href="/restrictions/1/amend"' in check.get_data(as_text=True)  # each term has its Change link
    with cast.sessions() as s:
        assert s.get(Restriction, 1).state == "proposed", "the check page changes nothing"
    response = client.post(
        "/restrictions/1/activate", data={"csrf_token": csrf_from(check.data), "confirm": "yes"}, follow_redirects=True
    )
    text = text_of(response)
    assert f"Restriction 1 is in force. It is reviewed by {review_words}." in text
    assert "State active" in text
    assert f"Review date {review_words}" in text
    with cast.sessions() as s:
        letter_id = s.scalar(select(Letter.id).where(Letter.kind == "restriction", Letter.restriction_id == 1))
    assert f'href="/letters/{letter_id}"' in response.get_data(as_text=True)
    assert f"Restriction letter {letter_id} (waiting to be sent)" in text
    # The history: actions in words, people by name and role, details as fields, times in UK time.
    history = text.split("History", 1)[1]
    assert "When What Who" in history and "UTC" not in text
    assert "Restriction proposed Path: after a formal warning Olly Officer (officer)" in history
    assert (
        f"Restriction activated Path: after a formal warning Review date: {review_words} Sam Senior (senior)" in history
    )
    assert f"Letter written, waiting to be sent (Letter {letter_id}) Kind: restriction letter" in history
    assert "officer:" not in text and "restriction activate" not in text


def test_activation_by_an_officer_is_refused_by_the_service_with_the_rule(cast, client):
    incident, warning = incident_and_warning(cast)
    signed_in(cast, client, "officer")
    walk_wizard(client, incident, warning, "")
    post_form(client, f"{WIZARD}/check", {})
    token = csrf_from(client.get("/restrictions/1").data)
    response = client.post("/restrictions/1/activate", data={"csrf_token": token})
    assert response.status_code == 403, "a role failure is 403 on pages as in the API (issue 13 item 5)"
    text = text_of(response)
    assert "There is a problem" in text
    assert "Your role: only a senior officer may activate a restriction; you are officer [R2]" in text
    with cast.sessions() as s:
        assert s.get(Restriction, 1).state == "proposed"


def test_activation_without_a_csrf_token_is_refused(cast, client):
    incident, warning = incident_and_warning(cast)
    signed_in(cast, client, "senior")
    walk_wizard(client, incident, warning, "")
    post_form(client, f"{WIZARD}/check", {})
    response = client.post("/restrictions/1/activate", data={})
    assert response.status_code == 400
    with cast.sessions() as s:
        assert s.get(Restriction, 1).state == "proposed"


def test_a_review_date_in_the_past_is_refused_naming_the_field_and_the_rule(cast, client):
    incident, warning = incident_and_warning(cast)
    signed_in(cast, client, "officer")
    walk_wizard(client, incident, warning, (today(cast) - dt.timedelta(days=1)).isoformat())
    response = post_form(client, f"{WIZARD}/check", {})
    assert response.status_code == 409
    text = text_of(response)
    assert "The restriction cannot be proposed" in text
    assert "Review date:" in text and "[R42]" in text
    assert f'href="{WIZARD}/review?change=1"' in response.get_data(as_text=True)  # links to the question
    assert restriction_ids(cast) == []

    # Change the answer from the summary's link: back to "Check your answers", then proposed.
    response = answer(client, "review?change=1", {"review_due": ""})
    assert response.headers["Location"] == f"{WIZARD}/check"
    assert "Review date 6 months from the start" in text_of(client.get(f"{WIZARD}/check"))
    post_form(client, f"{WIZARD}/check", {})
    assert len(restriction_ids(cast)) == 1  # (a refused proposal may still use up an id on PostgreSQL)


def test_each_question_says_what_is_missing_and_the_wizard_starts_at_the_beginning(cast, client):
    signed_in(cast, client, "officer")
    client.get(WIZARD)
    assert client.get(f"{WIZARD}/channels").headers["Location"] == f"{WIZARD}/path"  # no skipping ahead
    response = answer(client, "path", {})
    assert response.status_code == 400
    assert "Select why contact is being restricted" in text_of(response)
    answer(client, "path", {"path": "without_warning"})
    skip = client.get(f"{WIZARD}/warning")
    assert "Why is no warning given first?" in text_of(skip)  # without a warning, the page records why
    assert f'href="{WIZARD}/path"' in skip.get_data(as_text=True)  # Back
    # (the serious-threat path asks no such question: tests/web/test_wizard_serious_threat.py)
    response = answer(client, "channels", {"allowed_channels": ["email"], "windows": "mondays all day"})
    assert response.status_code == 400
    assert "Time windows: 'mondays all day' is not like mon,wed 10:00-12:00" in text_of(response)
    assert client.get(f"{WIZARD}/nonsense").status_code == 404


def test_a_serious_threat_restriction_without_the_social_work_enquiry_cannot_be_activated(cast, client):
    with cast.act("officer") as ctx:
        inc.record_incident(
            ctx,
            {
                "customer": "C1",
                "experienced_by": email_of("deputy"),
                "channel": "in_person",
                "category": "threat",
                "occurred_at": (ctx.now() - dt.timedelta(hours=5)).isoformat(),
                "description": "Threatened to hit the officer at the counter",
            },
        )
    signed_in(cast, client, "senior")
    client.get(WIZARD)
    for step, data in [
        ("path", {"path": "serious_threat", "incidents": ["1"]}),  # no warning question on this path (R61)
        ("checks", {"social_work_known": "unknown", "adjustments_needed": "no", "other_services": "none"}),
        ("contact", {"spoc_kind": "shared_inbox", "spoc_inbox": "housing-team@council.example"}),
        ("channels", {"allowed_channels": ["letter"], "excluded_premises": "Housing counter"}),
        ("reasons", {"why_necessary": "Threatened violence against an officer"}),
        ("review", {"review_due": ""}),
    ]:
        assert answer(client, step, data).status_code == 302, step
    response = post_form(client, f"{WIZARD}/check", {}, follow=True)
    assert "Contact only through" not in text_of(response) or True
    text = text_of(response)
    assert "Sole point of contact housing-team@council.example" in text
    assert "May not attend Housing counter" in text
    token = csrf_from(response.data)
    response = client.post("/restrictions/1/activate", data={"csrf_token": token})
    assert response.status_code == 409
    text = text_of(response)
    assert (
        "Pre-restriction checks: whether the customer is known to Social Work Services is 'unknown': "
        "record who was asked and when" in text
    )
    assert "before the restriction comes into force [R9]" in text


# -- the restriction's actions ----------------------------------------------------------------------------


def test_a_senior_officer_changes_the_terms_and_an_officer_may_not(cast, client):
    restriction = active_restriction(cast)
    signed_in(cast, client, "officer")
    response = post_form(
        client,
        f"/restrictions/{restriction}/amend",
        {
            "spoc_officer": email_of("officer"),
            "allowed_channels": ["letter"],
            "windows": "",
            "review_due": "",
            "ends_on": "",
            "reasons": "Calls continued by e-mail",
        },
    )
    assert response.status_code == 403
    assert "Your role: only a senior officer may amend a restriction in force; you are officer [R2]" in text_of(
        response
    )

    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").data)})
    signed_in(cast, client, "senior")
    form = client.get(f"/restrictions/{restriction}/amend")
    assert 'value="email" checked' in form.get_data(as_text=True)  # the current terms are filled in
    response = post_form(
        client,
        f"/restrictions/{restriction}/amend",
        {
            "spoc_officer": email_of("officer"),
            "allowed_channels": ["letter"],
            "windows": "",
            "review_due": "",
            "ends_on": "",
            "reasons": "Calls continued by e-mail",
        },
        follow=True,
    )
    text = text_of(response)
    assert f"Restriction {restriction} changed." in text
    assert "Ways of contact open Letter" in text
    assert "Amendment letter" in text


def test_withdrawing_a_proposal_and_lifting_a_restriction(cast, client):
    restriction = active_restriction(cast)
    signed_in(cast, client, "senior")
    response = post_form(client, f"/restrictions/{restriction}/withdraw", {"reasons": "Not taken forward after all"})
    assert response.status_code == 409  # only a proposal is withdrawn; the service says so
    assert "There is a problem" in text_of(response)
    response = post_form(client, f"/restrictions/{restriction}/lift", {"reasons": "short"})
    assert response.status_code == 422, "the service's own check of the reasons comes before the check page"
    assert "Length must be between 10 and 5000." in text_of(response)

    # GOV.UK's "check before you submit": the reasons and what lifting does, then the button that lifts.
    reasons = "Behaviour has improved for three months"
    check = post_form(client, f"/restrictions/{restriction}/lift", {"reasons": reasons})
    assert check.status_code == 200
    text = text_of(check)
    assert "Check before you lift the restriction" in text
    assert "Customer C1 Jane Customer" in text and "State active" in text
    assert f"Why it is lifted {reasons}" in text
    assert "The flags come off the customer's tickets in the helpdesk." in text
    with cast.sessions() as s:
        assert s.get(Restriction, restriction).state == "active", "the check page changes nothing"
    token = csrf_from(check.data)
    again = client.post(
        f"/restrictions/{restriction}/lift", data={"csrf_token": token, "reasons": reasons, "change": "yes"}
    )
    assert again.status_code == 200 and reasons in again.get_data(as_text=True)  # back to the form, as typed
    response = client.post(
        f"/restrictions/{restriction}/lift",
        data={"csrf_token": token, "reasons": reasons, "confirm": "yes"},
        follow_redirects=True,
    )
    text = text_of(response)
    assert f"Restriction {restriction} lifted. The lifting letter is waiting to be sent." in text
    assert "State lifted" in text
    assert "Restriction lifted Sam Senior (senior)" in text


def test_an_appeal_is_lodged_and_decided_by_an_uninvolved_senior_officer(cast, client):
    restriction = active_restriction(cast)
    signed_in(cast, client, "officer")
    response = post_form(
        client,
        f"/restrictions/{restriction}/appeal",
        {"grounds": "disproportionate", "statement": "I only called about my repairs", "heard_by": ""},
        follow=True,
    )
    text = text_of(response)
    assert "Appeal recorded. The restriction stays in force while it is heard." in text
    assert "State under appeal" in text and "Appeal 1: received" in text
    assert "Decide the appeal" not in text  # officers do not decide appeals

    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").data)})
    signed_in(cast, client, "senior")  # activated the restriction: involved, so may not hear it (R38)
    response = post_form(client, "/appeals/1", {"outcome": "upheld", "reasons": "The restriction is proportionate"})
    assert response.status_code == 409
    assert "There is a problem" in text_of(response) and "[R" in text_of(response)

    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").data)})
    signed_in(cast, client, "senior2")
    assert "Decide the appeal" in text_of(client.get(f"/restrictions/{restriction}"))
    response = post_form(
        client, "/appeals/1", {"outcome": "upheld", "reasons": "The restriction is proportionate"}, follow=True
    )
    text = text_of(response)
    assert "Appeal 1 decided: upheld. The outcome letter is waiting to be sent." in text
    assert "State active" in text
    with cast.sessions() as s:
        assert s.get(Appeal, 1).outcome == "upheld"


def test_a_senior_officer_holds_a_review_and_a_next_date_in_the_past_is_refused(cast, client):
    restriction = active_restriction(cast)
    signed_in(cast, client, "senior")
    past = today(cast) - dt.timedelta(days=1)
    response = post_form(
        client,
        f"/restrictions/{restriction}/review",
        {"outcome": "continue", "reasons": "Contact is still abusive at times", **date_parts("next_review_due", past)},
    )
    assert response.status_code == 422
    text = text_of(response)
    assert "There is a problem The next review must be after this one" in text
    assert 'href="#next_review_due-day"' in response.get_data(as_text=True)

    next_review = today(cast) + dt.timedelta(days=60)
    response = post_form(
        client,
        f"/restrictions/{restriction}/review",
        {
            "outcome": "continue",
            "reasons": "Contact is still abusive at times",
            **date_parts("next_review_due", next_review),
        },
        follow=True,
    )
    text = text_of(response)
    assert f"Review of restriction {restriction} recorded: continue." in text
    assert f"Review date {date_words(next_review)}" in text
    assert f"Review held Outcome: continue Next review: {date_words(next_review)} Sam Senior (senior)" in text


def test_answers_too_long_for_the_session_are_refused_rather_than_lost(cast, client):
    signed_in(cast, client, "officer")
    client.get(WIZARD)
    answer(client, "path", {"path": "without_warning"})
    # Two answers at the longest each may be, in characters that take several bytes each.
    noisy = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(1000))
    assert answer(client, "warning", {"path_justification": noisy}).status_code == 302
    answer(client, "checks", {"social_work_known": "no", "adjustments_needed": "no", "other_services": "none"})
    answer(client, "contact", {"spoc_kind": "officer", "spoc_officer": email_of("officer")})
    answer(client, "channels", {"allowed_channels": ["email"]})
    response = answer(client, "reasons", {"why_necessary": noisy})
    assert response.status_code == 400
    assert "Your answers are too long to keep between pages: shorten the longest ones" in text_of(response)
    assert client.get(f"{WIZARD}/reasons").status_code == 200  # still signed in, earlier answers kept


def test_a_warning_appeal_is_recorded_from_the_customer_page_and_decided_by_a_senior_officer(cast, client):
    """R35: a formal warning can be appealed; a warning's appeal is upheld or quashed (there are no terms to vary)."""
    _, warning = incident_and_warning(cast)
    signed_in(cast, client, "officer")
    page = text_of(client.get("/customers/C1"))
    assert f"Record an appeal against warning {warning}" in page
    appeal = {"grounds": "disproportionate", "statement": "Nobody told me what I did wrong", "heard_by": ""}
    form = text_of(client.get(f"/warnings/{warning}/appeal"))
    assert "Factual inaccuracy" in form and "Disproportionate" not in form  # the only ground a warning has (R35)
    refused = post_form(client, f"/warnings/{warning}/appeal", appeal)
    assert refused.status_code == 400 and "There is a problem" in text_of(refused)
    response = post_form(
        client, f"/warnings/{warning}/appeal", {**appeal, "grounds": "factual_inaccuracy"}, follow=True
    )
    text = text_of(response)
    assert f"Appeal against warning {warning} recorded. The warning stands while it is heard." in text
    assert "Decide the appeal" not in text  # officers do not decide appeals (nor see appeal details: R50)

    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").data)})
    signed_in(cast, client, "senior")
    page = text_of(client.get("/customers/C1"))
    assert f"Appeal 1 against warning {warning}: received" in page and "lodged" in page
    assert "Decide the appeal 1" in page
    form_page = text_of(client.get("/appeals/1"))
    assert f"Appeal 1 against warning {warning}" in form_page and "Varied" not in form_page
    refused = post_form(client, "/appeals/1", {"outcome": "varied", "reasons": "Shorter follow-up"})
    assert refused.status_code == 400 and "There is a problem" in text_of(refused)
    response = post_form(
        client, "/appeals/1", {"outcome": "quashed", "reasons": "The warning cited the wrong call"}, follow=True
    )
    text = text_of(response)
    assert "Appeal 1 decided: quashed. The outcome letter is waiting to be sent." in text
    assert "quashed on" in text and "The warning cited the wrong call" in text
    with cast.sessions() as s:
        assert s.get(Appeal, 1).outcome == "quashed"
        assert s.scalar(select(Letter.kind).where(Letter.appeal_id == 1)) == "appeal_outcome"

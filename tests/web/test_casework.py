"""The casework pages (plugin/web/casework.py): who may open each page, customers, incidents, warnings, CSRF, and
need to know on the customer's page. The restriction wizard, restrictions, appeals and reviews are in
test_casework_restrictions.py."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from sqlalchemy import select

from plugin.models import Connection, FormalWarning, Incident, Letter, WebhookEvent
from plugin.services import restrictions as rs
from tests.helpers import active_restriction, date_parts
from tests.web.test_auth_support import csrf_from, give_account, page_text, sign_in


def text_of(response) -> str:
    """The visible words of a page, as a person reads them (entities such as &#39; turned back into characters)."""
    return html.unescape(page_text(response))


def signed_in(cast, client, who: str):
    give_account(cast, who)
    sign_in(client, who)
    return client


def post_form(client, url: str, data: dict, follow: bool = False):
    """Open the form page first for its CSRF token, then post it as a browser would."""
    token = csrf_from(client.get(url).data)
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=follow)


def count(cast, model) -> int:
    with cast.sessions() as s:
        return len(list(s.scalars(select(model.id))))


# -- who may open what ------------------------------------------------------------------------------------

PAGES = [  # (path, roles that may open it); every other signed-in role gets the 403 page
    ("/customers", {"officer", "senior", "admin"}),
    ("/customers/new", {"officer", "senior"}),
    ("/customers/C1", {"agent", "officer", "senior", "admin"}),
    ("/customers/C1/incidents/new", {"agent", "officer", "senior"}),  # as the service and API allow (issue 20)
    ("/customers/C1/warnings/new", {"officer", "senior"}),
    ("/customers/C1/restrict/path", {"officer", "senior"}),
    ("/restrictions/{r}", {"officer", "senior", "admin"}),
    ("/restrictions/{r}/amend", {"officer", "senior"}),
    ("/restrictions/{r}/appeal", {"officer", "senior"}),
    ("/restrictions/{r}/lift", {"senior"}),
    ("/restrictions/{r}/review", {"senior"}),
]


@pytest.mark.parametrize("who", ["agent", "officer", "senior", "admin"])
def test_each_page_opens_for_the_roles_it_allows_and_refuses_the_others(cast, client, who):
    restriction = active_restriction(cast)
    signed_in(cast, client, who)
    for path, allowed in PAGES:
        response = client.get(path.format(r=restriction))
        if who in allowed:
            assert response.status_code == 200, path
        else:
            assert response.status_code == 403, path
            assert "You cannot open this page" in text_of(response)


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(cast, client):
    response = client.get("/customers/C1")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=/customers/C1")


def test_the_navigation_offers_customers_to_officers_but_not_to_agents(cast, client):
    signed_in(cast, client, "officer")
    assert 'href="/customers"' in client.get("/").get_data(as_text=True)
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").data)})
    signed_in(cast, client, "agent")
    assert 'href="/customers"' not in client.get("/").get_data(as_text=True)


def test_an_unknown_customer_or_restriction_is_page_not_found(cast, client):
    signed_in(cast, client, "senior")
    assert client.get("/customers/NOPE").status_code == 404
    assert client.get("/restrictions/999").status_code == 404
    assert "Page not found" in text_of(client.get("/restrictions/999"))


# -- customers --------------------------------------------------------------------------------------------


def test_an_officer_adds_a_customer_with_identities_and_finds_them(cast, client):
    signed_in(cast, client, "officer")
    response = post_form(
        client,
        "/customers/new",
        {"name": "John Caller", "reference": "C2002", "emails": "john.caller@example.com\n", "phones": "07700 900456"},
        follow=True,
    )
    text = text_of(response)
    assert "Customer C2002 added." in text
    assert "C2002 John Caller" in text
    assert "email: john.caller@example.com" in text
    assert "phone: +447700900456" in text

    found = text_of(client.get("/customers?q=caller"))
    assert "1 found for \"caller\"" in found
    assert "C2002 John Caller" in found
    assert "No customer matches" in text_of(client.get("/customers?q=nobody-like-this"))


def test_an_address_that_identifies_another_customer_is_refused_naming_the_field(cast, client):
    signed_in(cast, client, "officer")
    response = post_form(client, "/customers/new", {"name": "Someone Else", "emails": "jane.customer@example.com"})
    assert response.status_code == 409
    text = text_of(response)
    assert "There is a problem" in text
    assert "already identifies customer C1" in text
    assert 'href="#emails"' in response.get_data(as_text=True)  # the summary links to the e-mail field


def test_a_customer_without_a_name_gets_a_clear_message(cast, client):
    signed_in(cast, client, "officer")
    response = post_form(client, "/customers/new", {"name": "", "emails": ""})
    assert response.status_code == 400
    assert "Enter the customer's name" in text_of(response)


# -- incidents and warnings -------------------------------------------------------------------------------


def _incident_form(when: dt.datetime) -> dict:
    return {
        "experienced_by": "officer@council.example",
        **date_parts("occurred_on", when.date()),
        "occurred_time": when.strftime("%H:%M"),
        "channel": "telephone",
        "category": "verbal_abuse",
        "description": "Shouted and swore at the officer",
        "immediate_action": "call ended",
    }


def test_an_officer_records_an_incident_and_issues_a_warning_citing_it(cast, client):
    signed_in(cast, client, "officer")
    yesterday = dt.datetime.now() - dt.timedelta(days=1)
    response = post_form(client, "/customers/C1/incidents/new", _incident_form(yesterday), follow=True)
    text = text_of(response)
    assert "Incident 1 recorded." in text
    assert "Shouted and swore at the officer Action taken: call ended" in text

    response = post_form(
        client,
        "/customers/C1/warnings/new",
        {
            "incidents": "1",
            "behaviour": "You shouted and swore at an officer",
            "why_unacceptable": "Staff are entitled to work without abuse",
            "change_requested": "Please keep calls civil",
            "consequences": "Your contact may be restricted",
        },
        follow=True,
    )
    text = text_of(response)
    assert "Warning 1 issued; its letter is waiting to be sent." in text
    assert "Warning 1: issued" in text and "about incidents 1" in text
    with cast.sessions() as s:
        assert s.scalar(select(Letter.kind).where(Letter.warning_id == 1)) == "warning"


def test_an_agent_who_experienced_abuse_records_the_incident_in_the_pages_as_in_the_api(cast, client):
    """The policy's first paragraph: staff who experience abuse deal with it at once. The service and the API let an
    agent record an incident; the pages refused them (issue 20). The agent still sees no incidents afterwards."""
    signed_in(cast, client, "agent")
    yesterday = dt.datetime.now() - dt.timedelta(days=1)
    response = post_form(client, "/customers/C1/incidents/new", _incident_form(yesterday), follow=True)
    text = text_of(response)
    assert response.status_code == 200 and "Incident 1 recorded." in text
    assert "Shouted and swore" not in text, "the agent goes back to the dashboard: the file is not theirs to see"
    assert count(cast, Incident) == 1


def test_an_incident_in_the_future_is_refused_on_the_date_field(cast, client):
    signed_in(cast, client, "officer")
    response = post_form(
        client, "/customers/C1/incidents/new", _incident_form(dt.datetime.now() + dt.timedelta(days=2))
    )
    assert response.status_code == 422
    assert "An incident cannot be in the future" in text_of(response)
    assert 'href="#occurred_on-day"' in response.get_data(as_text=True)
    assert count(cast, Incident) == 0


def test_a_date_that_is_not_a_date_is_a_clear_400(cast, client):
    signed_in(cast, client, "officer")
    response = post_form(
        client, "/customers/C1/incidents/new", {**_incident_form(dt.datetime.now()), "occurred_on-month": "13"}
    )
    assert response.status_code == 400
    assert "There is a problem The date it happened must be a real date" in text_of(response)

    response = post_form(
        client, "/customers/C1/incidents/new", {**_incident_form(dt.datetime.now()), "occurred_time": "25:61"}
    )
    assert response.status_code == 400
    assert "There is a problem Enter the time it happened like 14:30" in text_of(response)


def test_a_warning_needs_an_incident(cast, client):
    signed_in(cast, client, "officer")
    response = post_form(
        client,
        "/customers/C1/warnings/new",
        {
            "behaviour": "You shouted and swore",
            "why_unacceptable": "Staff are entitled to work without abuse",
            "change_requested": "Please keep calls civil",
            "consequences": "Your contact may be restricted",
        },
    )
    assert response.status_code == 400
    assert "Select at least one incident" in text_of(response)
    assert count(cast, FormalWarning) == 0


def test_a_form_without_its_csrf_token_is_refused_and_records_nothing(cast, client):
    signed_in(cast, client, "officer")
    response = client.post("/customers/C1/incidents/new", data=_incident_form(dt.datetime.now()))
    assert response.status_code == 400
    assert "did not come from contactguard" in text_of(response)
    assert count(cast, Incident) == 0
    response = client.post("/customers/new", data={"name": "Forged Customer", "csrf_token": "forged"})
    assert response.status_code == 400
    assert "Forged Customer" not in text_of(client.get("/customers?q=forged"))


# -- need to know (R50) -----------------------------------------------------------------------------------


def _restriction_with_health_checks(cast) -> int:
    restriction = active_restriction(cast)
    with cast.act("senior") as ctx:  # a second, proposed restriction whose checks record a health detail
        proposal = rs.propose(
            ctx,
            {
                "customer": "C1",
                "path": "without_warning",
                "path_justification": "Dozens of calls a day",
                "spoc_officer": "officer@council.example",
                "allowed_channels": ["letter"],
            },
        )
        rs.record_checks(
            ctx,
            proposal.id,
            {
                "social_work_known": "yes",
                "mental_health_client": True,
                "adjustments_needed": True,
                "adjustments": ["large_print"],
                "other_services": "Community mental health team",
            },
        )
    return restriction


def test_an_agent_sees_only_the_arrangement_in_force(cast, client):
    restriction = _restriction_with_health_checks(cast)
    signed_in(cast, client, "agent")
    text = text_of(client.get("/customers/C1"))
    assert f"Restriction {restriction}" in text
    assert "Contact only through officer@council.example" in text
    for hidden in (
        "Incidents",
        "Shouted and swore",
        "Warnings",
        "Pre-restriction checks",
        "Mental-health",
        "Community mental health team",
        "Helpdesk contacts",
        "Abuse continued",
    ):
        assert hidden not in text
    assert client.get(f"/restrictions/{restriction}").status_code == 403


def test_an_agent_is_not_told_that_a_restriction_is_under_appeal(cast, client):
    """Issue 20: the agent's view showed "Under appeal"; an appeal is the case file's business (R50)."""
    from plugin.services import appeals as ap
    from plugin.services import letters as lt

    restriction = active_restriction(cast)
    with cast.act("officer") as ctx:
        letter = next(x for x in lt.unsent(ctx) if x.restriction_id == restriction)
        lt.mark_sent(ctx, letter.id, {"method": "email"})
        ap.lodge(ctx, {"restriction": restriction, "grounds": "disproportionate", "statement": "Unfair"})
    signed_in(cast, client, "agent")
    text = text_of(client.get("/customers/C1"))
    assert f"Restriction {restriction}" in text and "In force" in text
    assert "appeal" not in text.lower()
    dashboard = text_of(client.get("/"))
    assert "appeal" not in dashboard.lower()


def test_an_officer_sees_incidents_and_warnings_but_never_checks_or_health(cast, client):
    restriction = _restriction_with_health_checks(cast)
    signed_in(cast, client, "officer")
    text = text_of(client.get("/customers/C1"))
    assert "Shouted and swore at the officer" in text
    assert "Shouting and swearing on the phone" in text
    for hidden in (
        "Pre-restriction checks",
        "Mental-health",
        "mental-health",
        "Community mental health team",
        "large print",
        "Social Work Services",
    ):
        assert hidden not in text
    restriction_page = text_of(client.get(f"/restrictions/{restriction}"))
    assert "Review date" in restriction_page
    assert "Reasons and checks" not in restriction_page and "Social Work Services" not in restriction_page
    assert "Why it is necessary" in restriction_page, "an officer reads the reasons (issue 21 item 5), not the checks"


def test_a_senior_officer_sees_the_whole_file(cast, client):
    _restriction_with_health_checks(cast)
    signed_in(cast, client, "senior")
    text = text_of(client.get("/customers/C1"))
    assert "Pre-restriction checks" in text
    assert "mental-health client: yes" in text
    assert "Community mental health team" in text
    assert "Abuse continued after the formal warning" in text
    assert 'href="/letters/' in client.get("/customers/C1").get_data(as_text=True)


def test_the_customer_page_lists_their_helpdesk_contacts_for_officers_not_agents(cast, client, sessions):
    now = dt.datetime.now(dt.timezone.utc)
    with sessions() as s, s.begin():
        s.add(Connection(id="conn1", adapter="generic", name="Housing helpdesk", secrets_encrypted=b"x"))
        s.flush()
        s.add(
            WebhookEvent(
                connection_id="conn1",
                delivery_key="d1",
                event_type="ticket.created",
                ticket_id="T101",
                received_at=now - dt.timedelta(hours=2),
                customer_id=1,
                outcome="disregard",
                reason="addressed to an officer who is not the sole point of contact",
            )
        )
        s.add(
            WebhookEvent(
                connection_id="conn1",
                delivery_key="d2",
                event_type="ticket.created",
                ticket_id="T999",
                received_at=now,
                customer_id=None,
                outcome="allow",
                reason="not on the register",
            )
        )
    signed_in(cast, client, "officer")
    text = text_of(client.get("/customers/C1"))
    assert "Helpdesk contacts" in text
    assert "T101 disregard addressed to an officer who is not the sole point of contact" in text
    assert "T999" not in text  # another person's contact
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").data)})
    signed_in(cast, client, "agent")
    assert "T101" not in text_of(client.get("/customers/C1"))

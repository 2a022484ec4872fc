"""Who may open each administration page (plugin/web/admin/): admins every one; senior officers also subject access;
everyone their own API tokens; each other role the "You cannot open this page" page (403); signed out, sign-in."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from plugin.models import ApiToken, AuditEntry
from plugin.services import connections as conns
from plugin.services import register as reg
from tests.web.test_auth_support import csrf_from, give_account, page_text, sign_in

ADMIN_PAGES = [
    "/admin",
    "/admin/officers",
    "/admin/officers/new",
    "/admin/officers/{officer}",
    "/admin/officers/{officer}/edit",
    "/admin/officers/{officer}/deactivate",
    "/admin/officers/{officer}/account/new",
    "/admin/services",
    "/admin/services/new",
    "/admin/absences",
    "/admin/absences/new",
    "/admin/absences/{absence}/remove",
    "/admin/connections",
    "/admin/connections/new/generic",
    "/admin/connections/{connection}",
    "/admin/connections/{connection}/secrets",
    "/admin/connections/{connection}/sidebar-key",
    "/admin/outbox",
    "/admin/decisions",
]


@pytest.fixture
def places(cast):
    """The ids the admin pages' URLs name: an officer (with an absence) and a connection."""
    with cast.act() as ctx:
        connection = conns.add(
            ctx,
            "generic",
            "Housing helpdesk",
            {"mapping": {"ticket_id": "/id"}},
            {"signing_secret": "s" * 32},
            test=False,
        )
        absence = reg.add_absence(ctx, "officer@council.example", {"starts_on": "2030-01-01", "ends_on": "2030-01-02"})
        return {"officer": cast.ids["officer"][0], "absence": absence.id, "connection": connection.id}


def paths(places: dict) -> list[str]:
    return [p.format(**places) for p in ADMIN_PAGES]


def test_an_admin_opens_every_administration_page(cast, client, places):
    give_account(cast, "admin")
    sign_in(client, "admin")
    for path in paths(places) + ["/subject-access", "/account/tokens"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "contactguard" in page_text(response)


@pytest.mark.parametrize("who", ["senior", "officer", "agent"])
def test_no_other_role_opens_an_administration_page(cast, client, places, who):
    give_account(cast, who)
    sign_in(client, who)
    for path in paths(places):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "You cannot open this page" in page_text(response)
    assert "Officers" not in page_text(client.get("/"))


@pytest.mark.parametrize("who,status", [("admin", 200), ("senior", 200), ("officer", 403), ("agent", 403)])
def test_subject_access_is_for_senior_officers_and_admins(cast, client, who, status):
    give_account(cast, who)
    sign_in(client, who)
    assert client.get("/subject-access").status_code == status
    assert ("Subject access" in page_text(client.get("/"))) is (status == 200)


@pytest.mark.parametrize("who", ["admin", "senior", "officer", "agent"])
def test_everyone_signed_in_has_their_api_tokens_page(cast, client, who):
    give_account(cast, who)
    sign_in(client, who)
    response = client.get("/account/tokens")
    assert response.status_code == 200
    assert "Your API tokens" in page_text(response) and "You have no API tokens." in page_text(response)


def test_a_token_form_sent_again_issues_nothing(cast, client):
    """A token is shown on the page that answers the form; sending that form again (a reload) issues no second one."""
    give_account(cast, "officer")
    sign_in(client, "officer")
    page = client.get("/account/tokens").get_data(as_text=True)
    once = re.search(r'name="once"[^>]*value="([^"]+)"', page) or re.search(r'value="([^"]+)"[^>]*name="once"', page)
    form = {"csrf_token": csrf_from(page), "once": once.group(1), "name": "Monthly report script", "expires": "30"}
    issued = client.post("/account/tokens", data=form)
    assert issued.status_code == 200 and 'id="new-token"' in issued.get_data(as_text=True)
    again = client.post("/account/tokens", data=form)
    assert again.status_code == 409
    assert "No token was issued: this form had already been sent" in page_text(again)
    assert 'id="new-token"' not in again.get_data(as_text=True)
    with cast.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ApiToken)) == 1
        assert list(s.scalars(select(AuditEntry.action).where(AuditEntry.action == "api_token.issued"))) == [
            "api_token.issued"
        ]


def test_signed_out_every_page_asks_to_sign_in(client, places):
    for path in paths(places) + ["/subject-access", "/account/tokens"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/sign-in"), path

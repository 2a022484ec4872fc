"""Issue 22 item 4 in the browser: the postal address on the customer pages, and post offered only with one."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from plugin.app import create_app, dispose
from plugin.models import Letter
from tests.helpers import active_restriction
from tests.letters.conftest import COUNCIL
from tests.web.test_auth_support import csrf_from, give_account, page_text, sign_in

EMPTY_ADDRESS = {"address_line_1": "", "address_line_2": "", "town": "", "county": "", "postcode": ""}


@pytest.fixture
def app(settings):
    """The app for a council whose letterhead is set, so letters can be opened."""
    app = create_app(
        {"DATABASE_URL": settings.DATABASE_URL, "INSTANCE_PATH": settings.INSTANCE_PATH, "TESTING": True, **COUNCIL}
    )
    yield app
    dispose(app)


def signed_in(cast, client, who: str):
    give_account(cast, who)
    sign_in(client, who)
    return client


def post_form(client, url: str, data: dict, follow: bool = True):
    token = csrf_from(client.get(url).data)
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=follow)


def test_a_customer_added_with_an_address_shows_it_on_their_page(cast, client):
    signed_in(cast, client, "officer")
    page = post_form(
        client,
        "/customers/new",
        {
            "name": "Alex Resident",
            "reference": "C2",
            "emails": "",
            "phones": "",
            **EMPTY_ADDRESS,
            "address_line_1": "Flat 3, 14 Leith Walk",
            "town": "Edinburgh",
            "postcode": "eh6  8rg",
        },
    )
    text = page_text(page)
    assert page.status_code == 200 and "Customer C2 added." in text
    assert "Postal address Flat 3, 14 Leith Walk Edinburgh EH6 8RG Change the postal address" in text


def test_a_bad_postcode_on_the_page_is_refused_on_the_postcode_field(cast, client):
    signed_in(cast, client, "officer")
    page = post_form(
        client,
        "/customers/C1/address",
        {**EMPTY_ADDRESS, "address_line_1": "1 High Street", "town": "Edinburgh", "postcode": "EH1 1Y"},
    )
    assert page.status_code == 422
    text = page_text(page)
    assert "There is a problem" in text
    assert "The postcode EH1 1Y is not a UK postcode: enter it like EH1 1YZ" in text
    assert 'id="postcode-error"' in page.get_data(as_text=True)


def test_the_address_page_changes_and_clears_the_address(cast, client):
    signed_in(cast, client, "senior")
    form = client.get("/customers/C1/address")
    assert 'value="12 Example Street"' in form.get_data(as_text=True)  # the one held, to change
    changed = post_form(
        client,
        "/customers/C1/address",
        {**EMPTY_ADDRESS, "address_line_1": "2 Main Street", "town": "Ayr", "postcode": "ka71xx"},
    )
    assert "Postal address for C1 saved." in page_text(changed)
    assert "Postal address 2 Main Street Ayr KA7 1XX" in page_text(changed)
    cleared = post_form(client, "/customers/C1/address", EMPTY_ADDRESS)
    assert "Postal address for C1 removed." in page_text(cleared)
    assert "No postal address is held: letters cannot be posted to this customer." in page_text(cleared)


def test_the_letter_page_offers_post_only_when_the_customer_has_an_address(cast, client):
    restriction_id = active_restriction(cast)
    with cast.sessions() as s:
        letter_id = s.scalar(
            select(Letter.id).where(Letter.restriction_id == restriction_id, Letter.kind == "restriction")
        )
    signed_in(cast, client, "officer")
    with_address = page_text(client.get(f"/letters/{letter_id}"))
    assert "First class post" in with_address and "Recorded delivery" in with_address
    post_form(client, "/customers/C1/address", EMPTY_ADDRESS)
    without = client.get(f"/letters/{letter_id}")
    text = page_text(without)
    assert "First class post" not in text and "Second class post" not in text and "Recorded delivery" not in text
    assert "E-mail" in text and "It cannot be posted: no postal address is held for Jane Customer." in text
    posted = post_form(client, f"/letters/{letter_id}", {"method": "post_first_class", "sent_on": ""}, follow=False)
    assert posted.status_code == 400 and "Waiting to be sent" in page_text(posted)

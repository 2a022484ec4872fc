"""Issue 22 item 4: a customer's postal address through the API, and post refused for a customer without one."""

from __future__ import annotations

from sqlalchemy import select

from plugin.models import Letter
from tests.api.conftest import assert_envelope, ok
from tests.helpers import active_restriction

ADDRESS = {"line_1": "Flat 3, 14 Leith Walk", "town": "Edinburgh", "county": "Midlothian", "postcode": "eh6 8rg"}
KEPT = {**ADDRESS, "line_2": None, "postcode": "EH6 8RG"}


def test_an_address_goes_in_and_comes_back_normalised(api):
    added = ok(
        api.post("/customers", {"reference": "C2", "name": "Alex Resident", "address": ADDRESS}, as_="officer"), 201
    )
    assert added["address"] == KEPT
    assert ok(api.get("/customers/C2", as_="officer"))["address"] == KEPT
    assert ok(api.get("/customers/C2", as_="admin"))["address"] == KEPT
    changed = {"line_1": "2 Main Street", "line_2": "Kirkton", "town": "Ayr", "postcode": "KA7 1XX"}
    assert ok(api.call("PUT", "/customers/C2/address", "senior", body=changed)) == {**changed, "county": None}
    assert ok(api.get("/customers/C2", as_="senior"))["address"]["line_2"] == "Kirkton"
    assert ok(api.delete("/customers/C2/address", as_="officer")) == {"id": 2, "removed": True}
    assert ok(api.get("/customers/C2", as_="officer"))["address"] is None


def test_an_agent_does_not_see_the_address(api, cast):
    active_restriction(cast)
    assert "address" not in ok(api.get("/customers/C1", as_="agent"))
    assert all("address" not in row for row in ok(api.get("/customers", as_="agent", query={"q": "Jane"})))


def test_a_bad_postcode_is_refused_naming_the_field(api):
    refused = assert_envelope(
        api.call("PUT", "/customers/C1/address", "officer", body={**ADDRESS, "postcode": "EH6 8R"}), 422
    )
    assert refused["message"] == "invalid input: check postcode"
    assert refused["errors"] == {"postcode": ["the postcode EH6 8R is not a UK postcode: enter it like EH1 1YZ"]}
    nested = assert_envelope(
        api.post("/customers", {"name": "Bad Postcode", "address": {**ADDRESS, "postcode": "123"}}, as_="officer"), 422
    )
    assert nested["errors"] == {
        "address": {"postcode": ["the postcode 123 is not a UK postcode: enter it like EH1 1YZ"]}
    }


def test_a_letter_is_not_recorded_as_posted_to_a_customer_without_an_address(api, cast):
    restriction_id = active_restriction(cast)
    with cast.sessions() as s:
        letter_id = s.scalar(
            select(Letter.id).where(Letter.restriction_id == restriction_id, Letter.kind == "restriction")
        )
    ok(api.delete("/customers/C1/address", as_="officer"))
    refused = assert_envelope(
        api.post(f"/letters/{letter_id}/sent", {"method": "post_first_class"}, as_="officer"), 409
    )
    assert refused["code"] == "no_postal_address"
    assert "no postal address is held for customer C1" in refused["message"]
    ok(api.call("PUT", "/customers/C1/address", "officer", body=ADDRESS))
    assert ok(api.post(f"/letters/{letter_id}/sent", {"method": "post_first_class"}, as_="officer"))["method"] == (
        "post_first_class"
    )

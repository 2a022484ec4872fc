"""Every API error is one envelope {code, status, message, errors}: 401, 403, 404, 405, 422, 400, 409."""

from __future__ import annotations

from tests.api.conftest import assert_envelope, ok
from tests.helpers import active_restriction


def test_no_token_is_401_with_the_bearer_challenge(api, cast):
    reply = api.get("/customers/C1", as_=None)
    assert_envelope(reply, 401, "unauthenticated")
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_or_revoked_token_is_401(api, cast, tokens):
    assert_envelope(api.get("/customers/C1", as_=None, headers={"Authorization": "Bearer cg_not-a-token"}), 401)
    from plugin.models import ApiToken
    from plugin.services import accounts

    ok(api.get("/customers/C1", as_="officer"))
    with cast.act() as ctx:
        token_id = ctx.session.query(ApiToken.id).scalar()
        accounts.revoke_token(ctx, token_id)
    assert_envelope(api.get("/customers/C1", as_="officer"), 401, "unauthenticated")


def test_a_post_without_credentials_is_401_not_a_csrf_complaint(api, cast):
    assert_envelope(api.post("/customers", {"name": "Someone"}, as_=None), 401, "unauthenticated")


def test_a_role_not_allowed_is_403_naming_the_role(api, cast):
    body = assert_envelope(api.get("/connections", as_="senior"), 403, "forbidden")
    assert "senior" in body["message"]


def test_a_policy_refusal_about_the_role_is_403_and_keeps_its_rule(api, cast):
    """The service refuses an officer amending a restriction in force (R2): a role failure, so 403."""
    rid = active_restriction(cast)
    body = assert_envelope(
        api.patch(
            f"/restrictions/{rid}",
            {"reasons": "Customer asked for phone contact", "allowed_channels": ["telephone"]},
            as_="officer",
        ),
        403,
        "senior_required",
    )
    assert "[R2]" in str(body["errors"])


def test_a_policy_refusal_lists_every_problem_with_its_rule(api, cast):
    """Activating without the pre-restriction checks: 409, each missing item with its requirement."""
    proposal = ok(
        api.post(
            "/restrictions",
            {
                "customer": "C1",
                "path": "without_warning",
                "path_justification": "Particularly vexatious contact",
                "why_necessary": "Hundreds of calls a week",
                "spoc_officer": "officer@council.example",
                "allowed_channels": ["email"],
            },
            as_="officer",
        ),
        201,
    )
    body = assert_envelope(api.post(f"/restrictions/{proposal['id']}/activate"), 409)
    assert "[R9]" in str(body["errors"]), body
    again = ok(api.get(f"/restrictions/{proposal['id']}", as_="officer"))
    assert again["state"] == "proposed", "a refusal changes nothing"


def test_unknown_paths_are_404_and_wrong_methods_405_in_the_envelope(api, cast):
    body = assert_envelope(api.get("/no-such-thing"), 404, "not_found")
    assert "openapi.json" in body["message"]
    reply = api.delete("/customers")
    body = assert_envelope(reply, 405, "method_not_allowed")
    assert {"GET", "POST"} <= set(reply.headers["Allow"].replace(" ", "").split(","))
    assert "GET" in body["message"] and "POST" in body["message"]


def test_something_that_does_not_exist_is_404_naming_it(api, cast):
    body = assert_envelope(api.get("/customers/C999"), 404, "not_found")
    assert "C999" in body["message"]
    assert_envelope(api.get("/restrictions/424242"), 404, "not_found")


def test_bad_input_is_422_with_errors_by_field(api, cast):
    body = assert_envelope(api.post("/customers", {"name": "", "nickname": "Jay"}, as_="officer"), 422, "invalid_input")
    assert set(body["errors"]) == {"name", "nickname"}
    assert "name" in body["message"] and "nickname" in body["message"]


def test_a_bad_query_string_is_422_too(api, cast):
    body = assert_envelope(api.get("/reviews", query={"within": "soon"}), 422, "invalid_input")
    assert "within" in body["errors"]


def test_a_body_that_is_not_json_is_400(api, cast):
    reply = api.client.post(
        "/api/v1/customers",
        data="{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.tokens('officer')}"},
    )
    assert_envelope(reply, 400, "bad_request")


def test_a_service_rule_on_input_is_422_in_the_same_envelope(api, cast):
    """The service's own checks (an incident in the future) answer like schema errors."""
    body = assert_envelope(
        api.post(
            "/incidents",
            {
                "customer": "C1",
                "experienced_by": "officer@council.example",
                "occurred_at": "2999-01-01T10:00:00Z",
                "channel": "telephone",
                "category": "verbal_abuse",
                "description": "Shouted at the officer",
            },
            as_="officer",
        ),
        422,
        "invalid_input",
    )
    assert body["errors"] == {"occurred_at": ["in the future"]}


def test_a_conflict_is_409(api, cast):
    body = assert_envelope(
        api.post("/customers", {"reference": "C1", "name": "Another"}, as_="officer"), 409, "conflict"
    )
    assert body["errors"] == {"reference": ["taken"]}


def test_the_webhook_receiver_keeps_its_own_errors(client, cast):
    """The API's handlers are on its blueprints only: an unknown webhook URL answers as it always did."""
    reply = client.post("/webhooks/cgunknown", json={})
    assert reply.status_code == 404
    assert reply.get_json() == {"code": "unknown_connection", "status": 404, "message": "no such webhook", "errors": {}}


def test_an_id_too_big_for_the_database_is_not_found(api, cast):
    assert_envelope(api.get(f"/restrictions/{10**30}"), 404, "not_found")


def test_a_number_too_big_for_the_database_is_422(api, cast):
    """In a body the schemas allow any integer; the database does not: bad input, never a 500."""
    body = assert_envelope(
        api.post(
            "/appeals",
            {"restriction": 10**19, "grounds": "disproportionate", "statement": "It is unfair"},
            as_="officer",
        ),
        422,
        "invalid_input",
    )
    assert "out of range" in body["message"]
    # More digits than any id or count has is refused as JSON before any schema reads it (issue 21).
    body = assert_envelope(
        api.post("/appeals", {"restriction": 10**30, "grounds": "disproportionate", "statement": "x"}, as_="officer"),
        400,
    )
    assert "integer of 31 digits is too large" in body["message"]

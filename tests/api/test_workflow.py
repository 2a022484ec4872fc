"""The README's worked example through the API: what each person sends, and what they see back."""

from __future__ import annotations

import datetime as dt

from tests.api.conftest import assert_envelope, ok
from tests.helpers import active_restriction

INCIDENT = {
    "experienced_by": "officer@council.example",
    "channel": "telephone",
    "category": "verbal_abuse",
    "description": "Shouted and swore at the officer",
    "immediate_action": "call ended",
}
WARNING = {
    "behaviour": "You shouted and swore at an officer on the phone",
    "why_unacceptable": "Staff are entitled to work without abuse",
    "change_requested": "Please keep calls civil",
    "consequences": "Your contact may be restricted",
}
CHECKS = {"social_work_known": "no", "adjustments_needed": False, "other_services": "none"}


def _yesterday() -> str:
    return (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)).isoformat()


def test_from_incident_to_a_restriction_in_force_with_its_letter(api, cast):
    customer = ok(
        api.post(
            "/customers",
            {
                "reference": "C1001",
                "name": "John Caller",
                "identities": [{"kind": "email", "value": "John.Caller@example.com"}],
            },
            as_="officer",
        ),
        201,
    )
    assert customer["identities"] == [{"kind": "email", "value": "john.caller@example.com", "connection": ""}]
    incident = ok(
        api.post("/incidents", {"customer": "C1001", "occurred_at": _yesterday(), **INCIDENT}, as_="agent"), 201
    )
    warning = ok(
        api.post("/warnings", {"customer": "C1001", "incidents": [incident["id"]], **WARNING}, as_="officer"), 201
    )
    assert warning["state"] == "issued" and warning["incidents"] == [incident["id"]]
    proposal = ok(
        api.post(
            "/restrictions",
            {
                "customer": "C1001",
                "path": "after_warning",
                "why_necessary": "Abusive calls continued after the warning",
                "spoc_officer": "officer@council.example",
                "allowed_channels": ["email", "letter"],
                "checks": CHECKS,
            },
            as_="officer",
        ),
        201,
    )
    assert proposal["state"] == "proposed"
    active = ok(api.post(f"/restrictions/{proposal['id']}/activate"))
    assert active["state"] == "active"
    assert active["sole_point_of_contact"]["officer"] == "officer@council.example"
    assert active["letter"]["kind"] == "restriction" and active["letter"]["state"] == "queued"
    letters = ok(api.get("/letters", as_="officer"))
    assert [x["kind"] for x in letters] == ["warning", "restriction"]
    sent = ok(api.post(f"/letters/{active['letter']['id']}/sent", {"method": "email"}, as_="officer"))
    assert sent["state"] == "sent" and sent["deemed_receipt"] and sent["appeal_deadline"]
    shown = ok(api.get(f"/restrictions/{proposal['id']}", as_="admin"))
    assert shown["appeal_window_open"] is True and shown["appeal_deadline"] == sent["appeal_deadline"]


def test_only_a_senior_officer_may_activate(api, cast):
    rid = active_restriction(cast)
    body = assert_envelope(api.post(f"/restrictions/{rid}/activate", as_="officer"), 403, "forbidden")
    assert "officer" in body["message"]


def test_a_serious_threat_is_imposed_in_one_request_and_a_refusal_leaves_nothing(api, cast):
    incident = ok(
        api.post(
            "/incidents",
            {"customer": "C1", "occurred_at": _yesterday(), **INCIDENT, "category": "threat"},
            as_="officer",
        ),
        201,
    )
    threat = {
        "customer": "C1",
        "path": "serious_threat",
        "incidents": [incident["id"]],
        "activate": True,
        "why_necessary": "Threatened violence against an officer",
        "spoc_officer": "deputy@council.example",
        "allowed_channels": ["letter"],
    }
    refused = assert_envelope(api.post("/restrictions", threat), 409)
    assert "[R9]" in str(refused["errors"])
    assert ok(api.get("/restrictions")) == [], "the refused proposal was not kept"
    imposed = ok(api.post("/restrictions", {**threat, "checks": CHECKS}), 201)
    assert imposed["state"] == "active" and imposed["path"] == "serious_threat"


def test_appeal_decided_by_an_uninvolved_senior_officer(api, cast):
    rid = active_restriction(cast)
    letter = next(x for x in ok(api.get("/letters")) if x["kind"] == "restriction")
    ok(api.post(f"/letters/{letter['id']}/sent", {"method": "email"}, as_="officer"))
    appeal = ok(
        api.post(
            "/appeals",
            {"restriction": rid, "grounds": "disproportionate", "statement": "I only called about my repairs"},
            as_="officer",
        ),
        201,
    )
    assert appeal["state"] == "lodged" and appeal["late"] is False
    assert [a["id"] for a in ok(api.get("/appeals", as_="admin"))] == [appeal["id"]]
    involved = assert_envelope(
        api.post(
            f"/appeals/{appeal['id']}/decision", {"outcome": "upheld", "reasons": "The restriction is proportionate"}
        ),
        409,
    )
    assert "[R36]" in str(involved["errors"]), "the senior officer who activated it may not hear it"
    decided = ok(
        api.post(
            f"/appeals/{appeal['id']}/decision",
            {"outcome": "upheld", "reasons": "The restriction is proportionate"},
            as_="senior2",
        )
    )
    assert decided["outcome"] == "upheld" and decided["state"] == "decided"


def test_reviews_due_and_a_review_held(api, cast):
    soon = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    rid = active_restriction(cast, review_due=soon)
    due = ok(api.get("/reviews", as_="officer", query={"within": 30}))
    assert [r["id"] for r in due] == [rid]
    assert ok(api.get("/reviews", query={"overdue": "true"})) == []
    review = ok(api.post(f"/restrictions/{rid}/reviews", {"outcome": "lift", "reasons": "Behaviour has improved"}), 201)
    assert review["outcome"] == "lift"
    assert ok(api.get(f"/restrictions/{rid}"))["state"] == "lifted"


def test_each_role_sees_the_customer_file_it_needs(api, cast):
    """R50: agents the arrangement, officers also incidents and warnings, seniors the checks and reasons."""
    active_restriction(cast)
    agent = ok(api.get("/customers/C1", as_="agent"))
    assert agent["view"] == "agent" and agent["restrictions"][0]["allowed_channels"]
    assert "incidents" not in agent and "checks" not in agent and "why_necessary" not in str(agent)
    officer = ok(api.get("/customers/C1", as_="officer"))
    assert officer["incidents"][0]["description"] == "Shouted and swore at the officer"
    assert "checks" not in officer and "all_restrictions" not in officer
    senior = ok(api.get("/customers/C1"))
    assert senior["checks"][0]["social_work_known"] == "no"
    assert senior["all_restrictions"][0]["why_necessary"] == "Abuse continued after the formal warning"
    incidents = ok(api.get("/customers/C1/incidents", as_="officer"))
    assert [i["category"] for i in incidents] == ["verbal_abuse"]


def test_reading_a_file_is_audited_and_the_trail_verifies(api, cast):
    active_restriction(cast)  # an agent reads only a customer with an arrangement in force
    ok(api.get("/customers/C1", as_="agent"))
    entries = ok(api.get("/audit", as_="admin", query={"customer": "C1"}))
    read = next(e for e in entries if e["action"] == "register.read")
    assert read["details"]["view"] == "api GET /api/v1/customers/<reference>"
    assert read["actor"] == f"officer:{cast.ids['agent'][0]}"
    verified = ok(api.get("/audit/verify", as_="admin"))
    assert verified["ok"] is True and verified["problems"] == []
    assert_envelope(api.get("/audit/verify", as_="admin", query={"expect_head": "nonsense"}), 422)


def test_officers_and_absences_are_administered_by_admins(api, cast):
    added = ok(
        api.post(
            "/officers",
            {"email": "new.officer@council.example", "name": "New Officer", "role": "officer", "service": "housing"},
            as_="admin",
        ),
        201,
    )
    assert added["role"] == "officer" and added["service"] == "housing"
    changed = ok(api.patch("/officers/new.officer@council.example", {"role": "senior"}, as_="admin"))
    assert changed["role"] == "senior"
    start = dt.date.today() + dt.timedelta(days=1)
    absence = ok(
        api.post(
            "/officers/officer@council.example/absences",
            {"starts_on": start.isoformat(), "ends_on": (start + dt.timedelta(days=4)).isoformat()},
            as_="admin",
        ),
        201,
    )
    listed = ok(api.get("/officers/absences", as_="senior"))
    assert [(a["officer"], a["starts_on"]) for a in listed] == [("officer@council.example", start.isoformat())]
    assert ok(api.delete(f"/officers/absences/{absence['id']}", as_="admin")) == {"id": absence["id"], "removed": True}
    emails = [o["email"] for o in ok(api.get("/officers", as_="officer"))]
    assert "new.officer@council.example" in emails


def test_what_is_due_is_scoped_by_role(api, cast):
    active_restriction(cast)
    agent = ok(api.get("/due", as_="agent"))
    assert agent["view"] == "agent" and len(agent["in_force"]) == 1 and "letters" not in agent
    officer = ok(api.get("/due", as_="officer"))
    assert [x["kind"] for x in officer["letters"]] == ["warning", "restriction"]


def test_an_immediate_action_confirmed_by_a_senior_officer(api, cast):
    incident = ok(api.post("/incidents", {"customer": "C1", "occurred_at": _yesterday(), **INCIDENT}, as_="agent"), 201)
    interim = ok(
        api.post(
            "/restrictions/interim",
            {"incident": incident["id"], "note": "Calls to go via email only", "allowed_channels": ["email"]},
            as_="agent",
        ),
        201,
    )
    assert interim["state"] == "interim" and interim["confirm_by"]
    ok(api.post(f"/restrictions/{interim['id']}/checks", CHECKS, as_="officer"))
    confirmed = ok(
        api.post(
            f"/restrictions/{interim['id']}/confirm",
            {
                "path": "without_warning",
                "path_justification": "Particularly abusive call to a new officer",
                "why_necessary": "Abuse on every call to the service",
                "spoc_officer": "officer@council.example",
            },
        )
    )
    assert confirmed["state"] == "active" and confirmed["path"] == "without_warning"


def test_amend_lift_and_withdraw(api, cast):
    rid = active_restriction(cast)
    amended = ok(
        api.patch(
            f"/restrictions/{rid}",
            {"reasons": "Customer asked to add the telephone", "allowed_channels": ["email", "telephone"]},
        )
    )
    assert amended["allowed_channels"] == ["email", "telephone"]
    assert (
        ok(api.post(f"/restrictions/{rid}/lift", {"reasons": "Behaviour has changed for the better"}))["state"]
        == "lifted"
    )
    proposal = ok(
        api.post(
            "/restrictions",
            {
                "customer": "C1",
                "path": "without_warning",
                "path_justification": "Very many calls",
                "allowed_channels": ["email"],
            },
            as_="officer",
        ),
        201,
    )
    withdrawn = ok(
        api.post(f"/restrictions/{proposal['id']}/withdraw", {"reasons": "Not taken forward after all"}, as_="officer")
    )
    assert withdrawn["state"] == "withdrawn"
    assert [r["id"] for r in ok(api.get("/restrictions", query={"state": "withdrawn"}))] == [proposal["id"]]
    assert_envelope(api.get("/restrictions", query={"state": "asleep"}), 422, "invalid_input")


def test_an_appeal_is_assigned_to_a_hearing_officer(api, cast):
    rid = active_restriction(cast)
    appeal = ok(
        api.post(
            "/appeals",
            {
                "restriction": rid,
                "grounds": "disproportionate",
                "statement": "Unfair",
                "received_on": dt.date.today().isoformat(),
            },
            as_="officer",
        ),
        201,
    )
    refused = assert_envelope(
        api.post(f"/appeals/{appeal['id']}/assign", {"heard_by": "senior@council.example"}, as_="officer"), 409
    )
    assert "[R36]" in str(refused["errors"])
    assigned = ok(api.post(f"/appeals/{appeal['id']}/assign", {"heard_by": "senior2@council.example"}, as_="officer"))
    assert assigned["heard_by_id"] == cast.ids["senior2"][0]

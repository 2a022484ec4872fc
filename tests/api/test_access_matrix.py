"""Who may call what (issue 10, item 6): every /api/v1 endpoint, for every role and for nobody.

MATRIX is the contract: a role listed gets past the door (its reply is never 401 or 403, whatever else the
input earns it); a role not listed gets 403 with the envelope; no credentials get 401. The app's url_map is
enumerated, so an endpoint added without a line here fails `test_every_endpoint_is_in_the_matrix`.
"""

from __future__ import annotations

import pytest

from tests.api.conftest import assert_envelope

AGENT, OFFICER, SENIOR, ADMIN = "agent", "officer", "senior", "admin"
EVERYONE = {AGENT, OFFICER, SENIOR, ADMIN}
STAFF = {AGENT, OFFICER, SENIOR}
OFFICERS = {OFFICER, SENIOR}
READERS = {OFFICER, SENIOR, ADMIN}

MATRIX = {
    ("GET", "/api/v1/connections"): {ADMIN},
    ("POST", "/api/v1/connections"): {ADMIN},
    ("GET", "/api/v1/connections/<connection_id>"): {ADMIN},
    ("POST", "/api/v1/connections/<connection_id>/deactivate"): {ADMIN},
    ("POST", "/api/v1/connections/<connection_id>/rotate-url"): {ADMIN},
    ("GET", "/api/v1/officers"): READERS,
    ("POST", "/api/v1/officers"): {ADMIN},
    ("PATCH", "/api/v1/officers/<email>"): {ADMIN},
    ("GET", "/api/v1/officers/absences"): {SENIOR, ADMIN},
    ("POST", "/api/v1/officers/<email>/absences"): {ADMIN},
    ("DELETE", "/api/v1/officers/absences/<id:absence_id>"): {ADMIN},
    ("GET", "/api/v1/customers"): EVERYONE,
    ("POST", "/api/v1/customers"): OFFICERS,
    ("GET", "/api/v1/customers/<reference>"): EVERYONE,
    ("POST", "/api/v1/customers/<reference>/identities"): OFFICERS,
    ("PUT", "/api/v1/customers/<reference>/address"): OFFICERS,
    ("DELETE", "/api/v1/customers/<reference>/address"): OFFICERS,
    ("GET", "/api/v1/customers/<reference>/incidents"): READERS,
    ("POST", "/api/v1/incidents"): STAFF,
    ("POST", "/api/v1/warnings"): OFFICERS,
    ("GET", "/api/v1/restrictions"): READERS,
    ("POST", "/api/v1/restrictions"): OFFICERS,
    ("GET", "/api/v1/restrictions/<id:restriction_id>"): READERS,
    ("PATCH", "/api/v1/restrictions/<id:restriction_id>"): OFFICERS,
    ("POST", "/api/v1/restrictions/<id:restriction_id>/checks"): OFFICERS,
    ("POST", "/api/v1/restrictions/<id:restriction_id>/activate"): {SENIOR},
    ("POST", "/api/v1/restrictions/<id:restriction_id>/lift"): {SENIOR},
    ("POST", "/api/v1/restrictions/<id:restriction_id>/withdraw"): OFFICERS,
    ("POST", "/api/v1/restrictions/interim"): STAFF,
    ("POST", "/api/v1/restrictions/<id:restriction_id>/confirm"): {SENIOR},
    ("POST", "/api/v1/restrictions/<id:restriction_id>/reviews"): {SENIOR},
    ("GET", "/api/v1/appeals"): READERS,
    ("POST", "/api/v1/appeals"): OFFICERS,
    ("POST", "/api/v1/appeals/<id:appeal_id>/assign"): OFFICERS,
    ("POST", "/api/v1/appeals/<id:appeal_id>/decision"): {SENIOR},
    ("GET", "/api/v1/reviews"): READERS,
    ("GET", "/api/v1/letters"): READERS,
    ("POST", "/api/v1/letters/<id:letter_id>/sent"): OFFICERS,
    ("GET", "/api/v1/events"): {ADMIN},
    ("GET", "/api/v1/outbox/pending"): {ADMIN},
    ("GET", "/api/v1/outbox/dead"): {ADMIN},
    ("POST", "/api/v1/outbox/dead/<id:action_id>/retry"): {ADMIN},
    ("GET", "/api/v1/audit"): {ADMIN},
    ("GET", "/api/v1/audit/verify"): {ADMIN},
    ("GET", "/api/v1/due"): EVERYONE,
    ("GET", "/api/v1/openapi.json"): EVERYONE,
    # Anything else under /api/v1 answers the envelope (404, or 405 with Allow), to signed-in callers only.
    ("GET", "/api/v1"): EVERYONE,
    ("GET", "/api/v1/"): EVERYONE,
    ("GET", "/api/v1/<path:rest>"): EVERYONE,
}
AUTOMATIC = {"HEAD", "OPTIONS"}
FALLBACK_METHODS = {"PUT", "POST", "PATCH", "DELETE", "TRACE"}  # the catch-all takes every method; GET stands for all


def _api_rules(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            methods = rule.methods - AUTOMATIC
            if rule.endpoint == "api.not_routed":
                methods -= FALLBACK_METHODS
            found |= {(method, rule.rule) for method in methods}
    return found


def test_every_endpoint_is_in_the_matrix(app):
    """A new endpoint must say who may call it: an endpoint missing here, or a stale line, fails."""
    rules = _api_rules(app)
    assert rules - set(MATRIX) == set(), "endpoints with no line in MATRIX"
    assert set(MATRIX) - rules == set(), "lines in MATRIX for endpoints that no longer exist"


def _concrete(rule: str) -> str:
    """The rule with every variable filled in with something that does not exist."""
    samples = {"<id:": "999999", "<path:": "no/such/thing", "<": "no-such-thing"}
    parts = []
    for part in rule.split("/"):
        prefix = next((p for p in samples if part.startswith(p)), None)
        parts.append(samples[prefix] if prefix else part)
    return "/".join(parts)


@pytest.mark.parametrize(("method", "rule"), sorted(MATRIX), ids=[f"{m} {r}" for m, r in sorted(MATRIX)])
def test_role_matrix(api, method, rule):
    allowed = MATRIX[(method, rule)]
    path = _concrete(rule)
    body = {} if method in ("POST", "PATCH") else None
    assert_envelope(api.call(method, path, as_=None, body=body), 401, "unauthenticated")
    for role in sorted(EVERYONE):
        reply = api.call(method, path, as_=role, body=body)
        if role in allowed:
            assert reply.status_code not in (401, 403), f"{role} was refused: {reply.get_json()}"
        else:
            refusal = assert_envelope(reply, 403, "forbidden")
            assert role in refusal["message"]

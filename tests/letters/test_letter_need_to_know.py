"""Health, social-work and incident details recorded for the council's own decision never reach a letter (R50)."""

from __future__ import annotations

import datetime as dt

from plugin.services import appeals as ap
from plugin.services import incidents as inc
from plugin.services import letters as lt
from plugin.services import restrictions as rs
from plugin.services import reviews as rv
from tests.helpers import email_of
from tests.letters.conftest import html_text, letter_ids, pdf_text, render

SECRETS = {
    "incident description": "Shouted that the neighbour at number 12 deals drugs",
    "immediate action": "Police called to the housing counter",
    "adjustments notes": "Diagnosed with PTSD, under CAMHS review",
    "other services": "Known to Adult Protection since 2024",
    "social work enquiry": "Duty team, Ms Social Worker",
    "proposal's justification": "Internal: manager approved after case conference",
}


def _sensitive_case(cast) -> int:
    """A restriction resting on an incident with third-party detail, checks with health and social-work details."""
    with cast.act("officer") as ctx:
        incident = inc.record_incident(
            ctx,
            {
                "customer": "C1",
                "experienced_by": email_of("officer"),
                "channel": "in_person",
                "occurred_at": (ctx.now() - dt.timedelta(days=1)).isoformat(),
                "category": "threat",
                "description": SECRETS["incident description"],
                "immediate_action": SECRETS["immediate action"],
            },
        )
        restriction = rs.propose(
            ctx,
            {
                "customer": "C1",
                "path": "without_warning",
                "incidents": [incident.id],
                "path_justification": SECRETS["proposal's justification"],
                "why_necessary": "Threats to staff at the housing counter",
                "spoc_officer": email_of("officer"),
                "allowed_channels": ["letter", "email"],
            },
        )
        rs.record_checks(
            ctx,
            restriction.id,
            {
                "social_work_known": "unknown",
                "social_work_enquiry_to": SECRETS["social work enquiry"],
                "social_work_enquired_on": "2026-03-01",
                "mental_health_client": True,
                "adjustments_needed": True,
                "adjustments": ["large_print"],
                "adjustments_notes": SECRETS["adjustments notes"],
                "other_services": SECRETS["other services"],
            },
        )
    with cast.act("senior") as ctx:
        rs.activate(ctx, restriction.id)
    return restriction.id


def test_no_letter_ever_carries_health_social_work_or_incident_details(council):
    restriction_id = _sensitive_case(council)
    (restriction_letter,) = letter_ids(council, "restriction", restriction_id=restriction_id)
    with council.act("officer") as ctx:
        lt.mark_sent(ctx, restriction_letter, {"method": "email", "sent_on": "2026-03-02"})
        appeal = ap.lodge(
            ctx, {"restriction": restriction_id, "grounds": "personal_circumstances", "statement": "I have PTSD"}
        )
    with council.act("senior2") as ctx:
        ap.decide(
            ctx,
            appeal.id,
            {
                "outcome": "varied",
                "reasons": "Telephone contact added as an adjustment",
                "terms": {"allowed_channels": ["letter", "email", "telephone"]},
            },
        )
        rv.hold(ctx, restriction_id, {"outcome": "lift", "reasons": "Behaviour has improved since March"})
    ids = [x for kind in ("restriction", "appeal_outcome", "amendment", "lifting") for x in letter_ids(council, kind)]
    assert len(ids) == 4
    for letter_id in ids:
        for text in (pdf_text(render(council, letter_id, "pdf")), html_text(render(council, letter_id, "html"))):
            assert "Glenburn City Council" in text
            for what, secret in SECRETS.items():
                assert secret not in text, f"{what} in letter {letter_id}"
            assert "PTSD" not in text and "Social Work" not in text and "mental health" not in text.lower()
    restriction_text = pdf_text(render(council, ids[0], "pdf"))
    assert "1 March 2026: a threat" in restriction_text
    assert "Threats to staff at the housing counter" in restriction_text
    assert "particularly vexatious or unreasonable" in restriction_text

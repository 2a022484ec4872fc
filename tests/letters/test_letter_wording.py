"""Letters quote roles as written, and read as sentences (issue 20: "your Mental health social worker")."""

from __future__ import annotations

import pytest

from plugin.letters.wording import role_phrase
from plugin.services import incidents as inc
from plugin.services import restrictions as rs
from tests.helpers import email_of
from tests.letters.conftest import html_text, letter_ids, render


@pytest.mark.parametrize(
    "typed, written",
    [
        ("Mental health social worker", "your mental health social worker"),
        ("social worker", "your social worker"),
        ("CMHT nurse", "your CMHT nurse"),
        ("NHS Lothian community nurse", "your NHS Lothian community nurse"),
        ("McKenzie friend", "your McKenzie friend"),
        ("the family's advocate", "the family's advocate"),
        ("Your advocate from Citizens Advice.", "Your advocate from Citizens Advice"),
        ("  care   worker ", "your care worker"),
        ("", ""),
    ],
)
def test_a_role_reads_as_part_of_the_sentence(typed, written):
    assert role_phrase(typed) == written


def test_the_restriction_letter_names_the_worker_and_their_role_in_a_sentence(council):
    cast = council
    with cast.act("officer") as ctx:
        incident = inc.record_incident(
            ctx,
            {
                "customer": "C1",
                "experienced_by": email_of("officer"),
                "occurred_at": (ctx.now().replace(hour=9)).isoformat(),
                "channel": "telephone",
                "category": "verbal_abuse",
                "description": "Shouted at the officer",
            },
        )
    with cast.act("senior") as ctx:
        restriction = rs.impose(
            ctx,
            {
                "customer": "C1",
                "path": "without_warning",
                "path_justification": "Forty calls a day for a month despite every answer given",
                "incidents": [incident.id],
                "why_necessary": "The volume of calls stops the team serving anyone else",
                "spoc_kind": "external_worker",
                "spoc_external_name": "Sue Worker",
                "spoc_external_role": "Mental health social worker",
                "spoc_external_email": "sue.worker@care.example",
                "consent_basis": "Customer agreed in writing on 1 March",
                "allowed_channels": ["email"],
            },
            {
                "social_work_known": "yes",
                "mental_health_client": True,
                "adjustments_needed": False,
                "other_services": "none",
            },
        )
    (letter,) = letter_ids(cast, "restriction", restriction_id=restriction.id)
    text = html_text(render(cast, letter, "html"))
    assert "Your sole point of contact is Sue Worker, your mental health social worker." in text

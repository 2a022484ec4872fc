"""R34: helpdesks suspend a customer silently, so contactguard produces and records the letter itself."""

from __future__ import annotations

from sqlalchemy import select

from plugin.models import Letter


def test_activating_a_restriction_queues_its_letter_for_the_officer_to_send(steps, sessions):
    """R34 (with R30): the restriction letter is queued the moment the restriction comes into force."""
    restriction_id = steps.active()
    with sessions() as s:
        letters = list(s.scalars(select(Letter).where(Letter.restriction_id == restriction_id)))
    assert [(x.kind, x.state) for x in letters] == [("restriction", "queued")]
    assert letters[0].facts["restriction"] == restriction_id
    assert letters[0].facts["sole_point_of_contact"]["kind"] == "officer"

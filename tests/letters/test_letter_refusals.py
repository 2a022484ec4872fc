"""A letter missing what the policy requires is refused naming the field; only staff who send letters write them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from plugin.letters import LetterIncomplete
from plugin.models import AuditEntry, Letter, Restriction
from plugin.services import Forbidden, InvalidInput, NotFound
from tests.helpers import active_restriction
from tests.letters.conftest import decided_by_no_known_officer, html_text, letter_ids, read, render


def _restriction_letter(cast) -> int:
    restriction_id = active_restriction(cast)
    (letter_id,) = letter_ids(cast, "restriction", restriction_id=restriction_id)
    return letter_id


def test_a_letter_without_signatory_or_council_address_is_refused_naming_both(council):
    """Refused with 422 letter_incomplete and {field: ["missing"]}: never printed with a gap."""
    letter_id = _restriction_letter(council)
    decided_by_no_known_officer(council, letter_id)  # the setting signs only then
    council.settings = council.settings.replace(LETTER_SIGNATORY=None, COUNCIL_ADDRESS="  ")
    with pytest.raises(LetterIncomplete) as refused:
        render(council, letter_id, "pdf")
    assert refused.value.status == 422 and refused.value.code == "letter_incomplete"
    assert refused.value.errors == {"COUNCIL_ADDRESS": ["missing"], "LETTER_SIGNATORY": ["missing"]}
    assert refused.value.message == (
        f"letter {letter_id} (restriction) cannot be written: missing COUNCIL_ADDRESS, LETTER_SIGNATORY"
    )


def test_a_restriction_letter_without_a_review_date_is_refused(council):
    """R30: the review date is part of every restriction letter (a legacy row may lack it)."""
    letter_id = _restriction_letter(council)
    with council.sessions() as s, s.begin():
        letter = s.get(Letter, letter_id)
        letter.facts = {**letter.facts, "review_due": None}
        s.get(Restriction, letter.restriction_id).review_due = None
    with pytest.raises(LetterIncomplete) as refused:
        render(council, letter_id, "html")
    assert refused.value.errors == {"review_due": ["missing"]}
    assert "missing review_due" in refused.value.message


def test_the_letter_states_the_terms_kept_when_it_was_queued(council):
    """A letter re-printed later still says what the decision it reports said, not today's amended terms."""
    letter_id = _restriction_letter(council)
    with council.sessions() as s, s.begin():
        s.get(Restriction, s.get(Letter, letter_id).restriction_id).allowed_channels = ["telephone"]
    text = read(council, letter_id)
    assert "You may contact us only by: e-mail, letter and the online contact form." in text


@pytest.mark.parametrize("who", ["officer", "senior", "admin"])
def test_officers_seniors_and_admins_write_letters_and_each_rendering_is_audited_by_id(council, who):
    letter_id = _restriction_letter(council)
    assert "Jane Customer" in html_text(render(council, letter_id, "html", who=who))
    with council.sessions() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "letter.rendered")).one()
    assert entry.entity_type == "letters" and entry.entity_id == letter_id
    assert entry.actor_officer_id == council.ids[who][0]
    assert entry.details == {"kind": "restriction", "format": "html", "state": "queued"}


def test_an_agent_may_not_write_a_letter(council):
    letter_id = _restriction_letter(council)
    with pytest.raises(Forbidden) as refused:
        render(council, letter_id, "html", who="agent")
    assert refused.value.status == 403
    assert refused.value.message == ("writing a letter needs an officer, a senior officer or an admin; you are agent")


def test_an_unknown_format_and_an_unknown_letter_are_refused_plainly(council):
    letter_id = _restriction_letter(council)
    with pytest.raises(InvalidInput) as bad_format:
        render(council, letter_id, "docx")
    assert bad_format.value.status == 422 and "use one of html, pdf" in bad_format.value.message
    with pytest.raises(NotFound) as missing:
        render(council, 999, "html")
    assert missing.value.status == 404 and missing.value.message == "no letter with id 999"


def test_a_councils_own_template_in_the_instance_folder_wins(council, tmp_path):
    """The override directory <INSTANCE_PATH>/letters/ comes first (ChoiceLoader); other letters keep ours."""
    letter_id = _restriction_letter(council)
    overrides = tmp_path / "instance" / "letters"
    overrides.mkdir(parents=True)
    (overrides / "restriction.html").write_text(
        '{% extends "base.html" %}{% block title %}Notice of restricted contact{% endblock %}'
        '{% block body %}<p>Our Customer Care Team will be your contact: {{ restriction.contact.name }}.</p>'
        '<p>Review by {{ restriction.review_due|long_date }}.</p>{% endblock %}'
    )
    text = read(council, letter_id)
    assert "Notice of restricted contact" in text
    assert "Our Customer Care Team will be your contact: Olly Officer." in text
    assert "Review by 2 September 2026." in text
    assert "Sam Senior" in text and "www.spso.org.uk" in text  # base.html is still ours
    (warning_letter,) = letter_ids(council, "warning")
    assert "A warning about your contact with us" in read(council, warning_letter)


def test_a_councils_template_using_an_unknown_name_is_refused_not_printed_blank(council, tmp_path):
    """StrictUndefined, the second net: a name we do not supply stops the letter, naming it."""
    letter_id = _restriction_letter(council)
    overrides = tmp_path / "instance" / "letters"
    overrides.mkdir(parents=True)
    (overrides / "restriction.html").write_text(
        '{% extends "base.html" %}{% block body %}<p>{{ customer.address }}</p>{% endblock %}'
    )
    with pytest.raises(LetterIncomplete) as refused:
        render(council, letter_id, "html")
    assert refused.value.status == 422 and "address" in refused.value.errors["template"][0]


def test_a_councils_template_with_a_syntax_error_is_refused_naming_the_file_and_line(council, tmp_path):
    letter_id = _restriction_letter(council)
    overrides = tmp_path / "instance" / "letters"
    overrides.mkdir(parents=True)
    (overrides / "restriction.html").write_text('{% extends "base.html" %}\n{% block body %}{% if %}{% endblock %}')
    with pytest.raises(InvalidInput) as refused:
        render(council, letter_id, "html")
    assert refused.value.code == "letter_template_invalid"
    assert "restriction.html, line 2" in refused.value.message


def test_a_logo_that_is_not_there_stops_start_up_naming_the_setting(tmp_path):
    from plugin.config import ConfigError, load_settings

    with pytest.raises(ConfigError) as stopped:
        load_settings({"INSTANCE_PATH": str(tmp_path), "COUNCIL_LOGO": str(tmp_path / "logo.png")}, environ={})
    assert f"CONTACTGUARD_COUNCIL_LOGO: no such file: {tmp_path / 'logo.png'}" in str(stopped.value)

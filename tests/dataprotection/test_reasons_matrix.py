"""Issue 21 item 5: who may read the reasons a restriction gives the customer is decided once
(plugin/services/customer_view.py REASON_READERS) and holds alike in the pages, the API, the letter's PDF and the
subject-access export. The finding: an officer read the reasons in the letter but nowhere else."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from plugin.models import Letter
from plugin.policy.vocabulary import Role
from plugin.services import letter_documents as ld
from plugin.services import subject_access as sar
from plugin.services.customer_view import REASON_READERS
from plugin.services.errors import Forbidden
from tests.api.conftest import api, tokens  # noqa: F401 - the fixtures
from tests.helpers import active_restriction
from tests.letters.conftest import pdf_text
from tests.web.test_casework import signed_in, text_of

REASON = "Abuse continued after the formal warning, on six calls in May"
ROLES = ["agent", "officer", "senior", "admin"]


@pytest.fixture
def restricted(cast):
    rid = active_restriction(cast, why_necessary=REASON)
    cast.settings = cast.settings.replace(
        COUNCIL_NAME="Test Council",
        COUNCIL_ADDRESS="1 High Street; Glasgow",
        LETTER_SIGNATORY="Sam Senior",
        LETTER_SIGNATORY_TITLE="Head of Customer Services",
    )
    return rid


def test_the_matrix_is_the_letter_writers_and_excludes_agents():
    assert REASON_READERS == set(ld.WRITERS) == {Role.OFFICER, Role.SENIOR, Role.ADMIN}


@pytest.mark.parametrize("who", ROLES)
def test_the_api_agrees_on_who_reads_the_reasons(api, restricted, who):  # noqa: F811
    shown = api.get("/customers/C1", as_=who).get_data(as_text=True)
    assert (REASON in shown) == (Role(who) in REASON_READERS)


@pytest.mark.parametrize("who", ROLES)
def test_the_pages_and_the_letter_agree_on_who_reads_the_reasons(cast, client, restricted, who):
    readable = Role(who) in REASON_READERS
    page = signed_in(cast, client, who).get(f"/restrictions/{restricted}")
    assert (REASON in text_of(page)) == readable and (page.status_code == 200) == readable
    with cast.sessions() as s:
        letter = s.scalar(select(Letter.id).where(Letter.restriction_id == restricted, Letter.kind == "restriction"))
    if readable:
        with cast.act(who) as ctx:
            assert REASON in pdf_text(ld.render_letter(ctx, letter, "pdf"))
    else:
        with pytest.raises(Forbidden), cast.act(who) as ctx:
            ld.render_letter(ctx, letter, "pdf")


@pytest.mark.parametrize("who", ROLES)
def test_the_export_is_narrower_still_and_carries_the_reasons(cast, restricted, who):
    """The subject-access export (the whole file) is for senior officers and admins; it holds the reasons."""
    if who in ("senior", "admin"):
        with cast.act(who) as ctx:
            content, _meta = sar.export_content(ctx, "C1", "json")
        assert REASON in content.decode()
    else:
        with pytest.raises(Forbidden), cast.act(who) as ctx:
            sar.export_content(ctx, "C1", "json")

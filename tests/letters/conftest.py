"""A council with its letterhead set, a frozen clock, and helpers to render a letter and read it as a customer would."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import select

from plugin.models import Letter, Restriction
from plugin.services import letter_documents as ld

UTC = dt.timezone.utc
TODAY = dt.datetime(2026, 3, 2, 10, tzinfo=UTC)  # a Monday

COUNCIL = {
    "COUNCIL_NAME": "Glenburn City Council",
    "COUNCIL_ADDRESS": "Corporate Customer Care Team; City Chambers; 1 George Square; Glenburn G1 1AA",
    "LETTER_SIGNATORY": "Morag Signatory",
    "LETTER_SIGNATORY_TITLE": "Head of Customer Care",
}


@pytest.fixture
def today():
    with time_machine.travel(TODAY, tick=False):
        yield TODAY.date()


@pytest.fixture
def council(cast, today):
    """The cast, acting for a council whose letterhead and signatory are set."""
    cast.settings = cast.settings.replace(**COUNCIL)
    return cast


def letter_ids(cast, kind: str, **link) -> list[int]:
    """The ids of the letters of this kind (for this restriction, warning or appeal), oldest first."""
    query = select(Letter.id).where(Letter.kind == kind)
    for column, value in link.items():
        query = query.where(getattr(Letter, column) == value)
    with cast.sessions() as s:
        return list(s.scalars(query.order_by(Letter.id)))


def render(cast, letter_id: int, fmt: str = "pdf", who: str = "officer") -> bytes:
    """Render a letter as `who`, committed (so the audit entry is kept)."""
    with cast.act(who) as ctx:
        return ld.render_letter(ctx, letter_id, fmt)


def pdf_text(content: bytes) -> str:
    """The text a customer reads in the PDF, with runs of white space made single spaces."""
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def html_text(content: bytes) -> str:
    """The HTML's visible text (tags and styles dropped), with white space made single spaces."""
    html = content.decode("utf-8")
    html = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'").replace("&amp;", "&")


def read(cast, letter_id: int, who: str = "officer") -> str:
    """The letter's text as printed: the PDF rendered and read back."""
    return pdf_text(render(cast, letter_id, "pdf", who))


def decided_by_no_known_officer(cast, letter_id: int) -> None:
    """Make the restriction letter one whose deciding officer nobody recorded (queued before migration 0017, and
    its restriction's activating officer unknown): the LETTER_SIGNATORY setting signs it."""
    with cast.sessions() as s, s.begin():
        letter = s.get(Letter, letter_id)
        letter.decided_by_id = None
        s.get(Restriction, letter.restriction_id).activated_by_id = None

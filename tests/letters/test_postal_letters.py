"""Issue 22 item 4: letters that can be posted. The customer's UK postal address (the postcode checked and written
as Royal Mail writes it) in the window of the envelope, post offered only when there is an address, and each
letter signed by the officer who decided what it reports."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner

from plugin.cli import cli
from plugin.models import Restriction
from plugin.postal_address import PostcodeError, normalise_postcode
from plugin.services import InvalidInput
from plugin.services import appeals as ap
from plugin.services import letters as lt
from plugin.services import register as reg
from plugin.services import restrictions as rs
from plugin.services import reviews as rv
from plugin.services import subject_access as sar
from plugin.services.errors import Refused
from tests.helpers import active_restriction, email_of
from tests.letters.conftest import html_text, letter_ids, read, render

MM_PER_POINT = 25.4 / 72
A4_HEIGHT_MM = 297


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("EH1 1YZ", "EH1 1YZ"),
        ("eh11yz", "EH1 1YZ"),
        ("  sw1a   1aa ", "SW1A 1AA"),
        ("G2 1AB", "G2 1AB"),
        ("b338th", "B33 8TH"),
        ("DN55 1PT", "DN55 1PT"),
        ("W1A 0AX", "W1A 0AX"),
    ],
)
def test_a_uk_postcode_is_kept_upper_case_with_one_space(typed, kept):
    assert normalise_postcode(typed) == kept


@pytest.mark.parametrize("typed", ["EH1 1Y", "EH11 YZ1", "12345", "QH1 1YZ", "EH1 1YZZ", "not a postcode"])
def test_a_postcode_not_in_the_uk_format_is_refused_saying_what_one_looks_like(typed):
    with pytest.raises(PostcodeError) as refused:
        normalise_postcode(typed)
    assert str(refused.value) == f"the postcode {typed} is not a UK postcode: enter it like EH1 1YZ"


def test_a_bad_postcode_is_refused_by_the_service_naming_the_field(cast):
    with pytest.raises(InvalidInput) as refused, cast.act("officer") as ctx:
        reg.set_postal_address(ctx, "C1", {"line_1": "1 High Street", "town": "Edinburgh", "postcode": "EH1 1Y"})
    assert refused.value.status == 422
    assert refused.value.errors == {"postcode": ["the postcode EH1 1Y is not a UK postcode: enter it like EH1 1YZ"]}
    assert "postcode" in refused.value.message
    with pytest.raises(InvalidInput) as missing, cast.act("officer") as ctx:
        reg.add_customer(ctx, {"name": "No Town", "address": {"line_1": "1 High Street", "postcode": "EH1 1YZ"}})
    assert missing.value.errors == {"address": {"town": ["Missing data for required field."]}}


def test_the_service_keeps_the_address_normalised_and_an_agent_does_not_see_it(cast):
    with cast.act("officer") as ctx:
        customer = reg.add_customer(
            ctx,
            {
                "reference": "C2",
                "name": "Alex Resident",
                "address": {
                    "line_1": " Flat 3, 14 Leith Walk ",
                    "line_2": "",
                    "town": "Edinburgh",
                    "county": "Midlothian",
                    "postcode": "eh6 8rg",
                },
            },
        )
        assert customer.postal_address.lines() == ["Flat 3, 14 Leith Walk", "EDINBURGH", "Midlothian", "EH6 8RG"]
    from plugin.services.customer_view import customer_view

    with cast.act("officer") as ctx:
        found = reg.customer_for(ctx, "C2")
        assert customer_view(ctx, found)["address"] == {
            "line_1": "Flat 3, 14 Leith Walk",
            "line_2": None,
            "town": "Edinburgh",
            "county": "Midlothian",
            "postcode": "EH6 8RG",
        }
        assert "address" not in customer_view(ctx, found, "agent")


def test_the_subject_access_export_gives_the_postal_address(cast):
    with cast.act("senior") as ctx:
        data = sar.collect(ctx, "C1")
    assert data["customer"]["postal_address"] == {
        "line_1": "12 Example Street",
        "line_2": None,
        "town": "Glenburn",
        "county": None,
        "postcode": "G2 1AB",
    }


def _where_printed(content: bytes, words: str) -> list[tuple[float, float, float]]:
    """Where each occurrence of `words` is printed on page 1: left edge and top edge from the page's top-left
    corner, and right edge, in mm."""
    document = pdfium.PdfDocument(content)
    boxes = []
    try:
        page = document[0]
        text = page.get_textpage()
        searcher = text.search(words)
        while found := searcher.get_next():
            first, count = found
            left, _, _, top = text.get_charbox(first)
            right = text.get_charbox(first + count - 1)[2]
            boxes.append((left * MM_PER_POINT, A4_HEIGHT_MM - top * MM_PER_POINT, right * MM_PER_POINT))
        searcher.close()
        text.close()
        page.close()
    finally:
        document.close()
    assert boxes, f"{words!r} is on page 1"
    return boxes


def _in_the_window(box: tuple[float, float, float]) -> bool:
    """Within a DL window envelope's window: from about 20 mm from the left, 45 mm down, 90 x 45 mm."""
    left, top, right = box
    return 18 <= left <= 26 and right <= 110 and 45 <= top <= 88


def test_the_letter_is_addressed_for_a_window_envelope(council):
    """Name and address where a DL window shows them (about 20 mm from the left, from 45 mm down); the council's
    own address in the letterhead, outside the window."""
    restriction_id = active_restriction(council)
    (letter_id,) = letter_ids(council, "restriction", restriction_id=restriction_id)
    pdf = render(council, letter_id, "pdf")
    text = read(council, letter_id)
    assert "Jane Customer 12 Example Street GLENBURN G2 1AB" in text
    for words in ("Jane Customer", "12 Example Street", "GLENBURN", "G2 1AB"):
        boxes = _where_printed(pdf, words)
        assert any(_in_the_window(box) for box in boxes), f"{words} is in the window: {boxes}"
    (council_address,) = _where_printed(pdf, "City Chambers")
    assert not _in_the_window(council_address), "the council's return address is not in the window"
    assert council_address[0] > 110 or council_address[1] < 45
    html = html_text(render(council, letter_id, "html"))
    assert "Jane Customer 12 Example Street GLENBURN G2 1AB" in html


def test_a_letter_to_a_customer_without_an_address_names_them_only(council):
    with council.act("officer") as ctx:
        reg.set_postal_address(ctx, "C1", None)
    restriction_id = active_restriction(council)
    (letter_id,) = letter_ids(council, "restriction", restriction_id=restriction_id)
    text = read(council, letter_id)
    assert "Jane Customer" in text and "Example Street" not in text


def test_the_restriction_letter_is_signed_by_the_senior_who_activated_it(council):
    restriction_id = active_restriction(council)
    (letter_id,) = letter_ids(council, "restriction", restriction_id=restriction_id)
    (warning_letter,) = letter_ids(council, "warning")
    text = read(council, letter_id)
    assert "Yours sincerely," in text and "Sam Senior Senior officer Glenburn City Council" in text
    assert "Morag Signatory" not in text
    assert "Olly Officer Officer Glenburn City Council" in read(council, warning_letter)  # who issued the warning


def test_the_appeal_outcome_letter_is_signed_by_the_hearing_officer_not_the_letter_signatory(council):
    """Issue 22: the letter says someone not involved decided it, and the signature now shows who that was."""
    restriction_id = active_restriction(council)
    (letter_id,) = letter_ids(council, "restriction", restriction_id=restriction_id)
    with council.act("officer") as ctx:
        lt.mark_sent(ctx, letter_id, {"method": "post_first_class", "sent_on": "2026-03-02"})
        appeal = ap.lodge(
            ctx,
            {
                "restriction": restriction_id,
                "grounds": "disproportionate",
                "statement": "This is unfair",
                "heard_by": email_of("senior2"),
            },
        )
    with council.act("senior2") as ctx:
        ap.decide(ctx, appeal.id, {"outcome": "upheld", "reasons": "The calls were abusive on three occasions"})
    (outcome_letter,) = letter_ids(council, "appeal_outcome", appeal_id=appeal.id)
    text = read(council, outcome_letter)
    assert "A senior member of staff who was not involved in the original decision considered it" in text
    assert "Pat Senior Senior officer Glenburn City Council" in text
    assert "Morag Signatory" not in text and "Sam Senior" not in text
    assert "12 Example Street" in text


def test_a_letter_queued_before_the_officer_was_kept_is_signed_as_the_records_say(council):
    """Letters queued before migration 0017 have no officer with them: the appeal's hearing officer, the review's
    senior, are read from the records."""
    restriction_id = active_restriction(council)
    with council.act("senior2") as ctx:
        rv.hold(ctx, restriction_id, {"outcome": "continue", "reasons": "Abusive calls continue still"})
    (review_letter,) = letter_ids(council, "review_outcome", restriction_id=restriction_id)
    with council.sessions() as s, s.begin():
        from plugin.models import Letter

        s.get(Letter, review_letter).decided_by_id = None
    assert "Pat Senior Senior officer Glenburn City Council" in read(council, review_letter)


def test_the_letter_signatory_signs_only_when_no_officer_decided(council):
    """The clock ended the restriction at its end date: no officer decided, so the LETTER_SIGNATORY setting signs."""
    restriction_id = active_restriction(council, ends_on="2026-04-30")
    with council.act() as ctx:
        rs.lapse(ctx, ctx.session.get(Restriction, restriction_id), "end date reached")
    (letter_id,) = letter_ids(council, "lifting", restriction_id=restriction_id)
    text = read(council, letter_id, who="admin")
    assert "Morag Signatory Head of Customer Care Glenburn City Council" in text


def test_a_letter_cannot_be_recorded_as_posted_without_an_address(council):
    restriction_id = active_restriction(council)
    (letter_id,) = letter_ids(council, "restriction", restriction_id=restriction_id)
    with council.act("officer") as ctx:
        reg.set_postal_address(ctx, "C1", None)
        assert lt.sending_methods(ctx.session.get(Restriction, restriction_id).customer) == (
            "email",
            "hand",
            "in_person",
        )
    for method in ("post_first_class", "post_second_class", "recorded_delivery"):
        with pytest.raises(Refused) as refused, council.act("officer") as ctx:
            lt.mark_sent(ctx, letter_id, {"method": method})
        assert refused.value.code == "no_postal_address" and refused.value.status == 409
        assert refused.value.message == (
            f"letter {letter_id} cannot be recorded as sent by post: no postal address is held for customer C1; "
            "add their address first, or record how else it went"
        )
        assert refused.value.errors == {"method": ["no postal address"]}
    with council.act("officer") as ctx:
        sent = lt.mark_sent(ctx, letter_id, {"method": "email"})
        assert sent.state == "sent" and sent.delivery_method == "email"


def test_the_cli_refuses_post_without_an_address_and_sets_one(council, settings, monkeypatch):
    for key in ("CONTACTGUARD_DATABASE_URL", "CONTACTGUARD_INSTANCE_PATH"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("CONTACTGUARD_DATABASE_URL", settings.DATABASE_URL)
    monkeypatch.setenv("CONTACTGUARD_INSTANCE_PATH", settings.INSTANCE_PATH)
    runner = CliRunner()
    restriction_id = active_restriction(council)
    (letter_id,) = letter_ids(council, "restriction", restriction_id=restriction_id)
    officer = ["--as", email_of("officer")]
    removed = runner.invoke(cli, [*officer, "customers", "remove-address", "C1"])
    assert removed.exit_code == 0 and "postal address of C1 removed" in removed.output
    refused = runner.invoke(cli, [*officer, "letters", "sent", str(letter_id), "--method", "post_second_class"])
    assert refused.exit_code == 4
    assert "no postal address is held for customer C1" in refused.output
    bad = runner.invoke(
        cli,
        [*officer, "customers", "set-address", "C1", "--address-line-1", "1 Main St", "--town", "Ayr"]
        + ["--postcode", "KA7 1X"],
    )
    assert bad.exit_code == 2 and "postcode: the postcode KA7 1X is not a UK postcode" in bad.output
    good = runner.invoke(
        cli,
        [*officer, "customers", "set-address", "C1", "--address-line-1", "1 Main St", "--town", "Ayr"]
        + ["--postcode", "ka71xx"],
    )
    assert good.exit_code == 0 and "postal address of C1: 1 Main St, AYR, KA7 1XX" in good.output
    sent = runner.invoke(cli, [*officer, "letters", "sent", str(letter_id), "--method", "post_second_class"])
    assert sent.exit_code == 0, sent.output

"""`contactguard letters render LETTER_ID --format html|pdf --out FILE`: what the operator sees."""

from __future__ import annotations

import json
import stat

import pytest

from plugin.cli import cli
from tests.helpers import active_restriction
from tests.letters.conftest import COUNCIL, decided_by_no_known_officer, letter_ids, pdf_text


@pytest.fixture
def restriction_letter(council):
    restriction_id = active_restriction(council)
    (letter_id,) = letter_ids(council, "restriction", restriction_id=restriction_id)
    return letter_id


def _set_council(monkeypatch, **changes):
    for name, value in {**COUNCIL, **changes}.items():
        if value is None:
            monkeypatch.delenv(f"CONTACTGUARD_{name}", raising=False)
        else:
            monkeypatch.setenv(f"CONTACTGUARD_{name}", value)


def _render(runner, letter_id, out, *extra, who="officer@council.example"):
    return runner.invoke(cli, ["--as", who, *extra, "letters", "render", str(letter_id), "--out", str(out)])


def test_render_writes_the_pdf_readable_by_its_owner_only(runner, restriction_letter, tmp_path, monkeypatch):
    _set_council(monkeypatch)
    out = tmp_path / "letters" / "restriction.pdf"
    result = _render(runner, restriction_letter, out)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"letter {restriction_letter} written to {out} (pdf, ")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = pdf_text(out.read_bytes())
    assert "Your sole point of contact is Olly Officer" in text and "Sam Senior" in text


def test_render_as_html(runner, restriction_letter, tmp_path, monkeypatch):
    _set_council(monkeypatch)
    out = tmp_path / "restriction.html"
    result = runner.invoke(
        cli,
        [
            "--as",
            "officer@council.example",
            "letters",
            "render",
            str(restriction_letter),
            "--format",
            "html",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "<h1>A restriction on your contact with us</h1>" in out.read_text()


def test_a_missing_signatory_is_refused_naming_the_setting_and_nothing_is_written(
    runner, council, restriction_letter, tmp_path, monkeypatch
):
    decided_by_no_known_officer(council, restriction_letter)  # the setting signs only then
    _set_council(monkeypatch, LETTER_SIGNATORY=None)
    out = tmp_path / "restriction.pdf"
    result = _render(runner, restriction_letter, out)
    assert result.exit_code == 4
    assert (
        f"error: letter {restriction_letter} (restriction) cannot be written: missing LETTER_SIGNATORY" in result.output
    )
    assert "  LETTER_SIGNATORY: missing" in result.output
    assert not out.exists()
    as_json = _render(runner, restriction_letter, out, "--json")
    envelope = json.loads(as_json.output)
    assert envelope["code"] == "letter_incomplete" and envelope["status"] == 422
    assert envelope["errors"] == {"LETTER_SIGNATORY": ["missing"]}


def test_an_agent_is_refused(runner, restriction_letter, tmp_path, monkeypatch):
    _set_council(monkeypatch)
    result = _render(runner, restriction_letter, tmp_path / "x.pdf", who="agent@council.example")
    assert result.exit_code == 4
    assert "error: writing a letter needs an officer, a senior officer or an admin; you are agent" in result.output

"""`contactguard import`: all or nothing, a per-row report, skip-bad-rows, dry run, BOM, UK dates, headers."""

import csv
import json
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, select

from plugin.cli import cli
from plugin.models import AuditEntry, Customer, Letter, Restriction

HEADER = (
    "reference,name,emails,phones,spoc_officer,channels,starts_on,review_due,why_necessary,"
    "social_work_known,adjustments_needed,other_services\n"
)
GOOD = (
    "R1,Ann One,ann@example.com;ann.one@example.org,07700 900001,officer@council.example,email;letter,"
    "2026-06-01,2026-12-01,Abusive calls to several officers after a warning,no,no,none\n"
)
PLAIN = "R2,Bob Two,bob@example.com,,,,,,,,,\n"
BAD = "R3,Cat Three,not-an-email,,officer@council.example,,2026-06-01,,Too short,no,no,none\n"
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "register.csv"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-11-24 10:00:00+00:00", tick=False):
        yield


def _import(runner, tmp_path, content, *args, as_json=False, who="senior"):
    path = tmp_path / "register.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    head = ["--json"] if as_json else []
    return runner.invoke(cli, [*head, "--as", f"{who}@council.example", "import", str(path), "--quiet", *args])


def _count(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def _json(runner, *args):
    result = runner.invoke(cli, ["--json", "--as", "senior@council.example", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_good_file_imports_customers_and_restrictions_in_force(runner, tmp_path, cast, sessions):
    result = _import(runner, tmp_path, HEADER + GOOD + PLAIN)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "imported 2 customers (1 restriction in force)"
    shown = _json(runner, "customers", "show", "R1")
    assert {i["value"] for i in shown["identities"]} == {"ann@example.com", "ann.one@example.org", "+447700900001"}
    (restriction,) = shown["restrictions"]
    assert restriction["state"] == "active" and restriction["path"] == "after_warning"
    assert restriction["sole_point_of_contact"]["officer"] == "officer@council.example"
    assert restriction["sole_point_of_contact"]["deputy"] == "deputy@council.example", "the officer's own deputy"
    assert restriction["allowed_channels"] == ["email", "letter"] and restriction["review_due"] == "2026-12-01"
    assert _json(runner, "customers", "show", "R2")["restrictions"] == []
    with sessions() as session:
        actions = set(session.scalars(select(AuditEntry.action)))
    assert "restriction.imported" in actions and "restriction.activated" not in actions
    assert _count(sessions, Letter) == 0, "the old register's letters went long ago: none is queued"


def test_a_file_with_errors_imports_nothing_and_reports_every_row(runner, tmp_path, cast, sessions):
    bad_phone = "R4,Dan Four,,12,,,,,,,,\n"
    result = _import(runner, tmp_path, HEADER + GOOD + BAD + PLAIN + bad_phone)
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0] == "nothing imported: 2 rows of 4 with errors (fix them, or use --skip-bad-rows)"
    assert "  row 3 (R3), emails: not an e-mail address: 'not-an-email'" in lines
    assert any(line.startswith("  row 3 (R3), why_necessary: explain why") for line in lines)
    assert any(line.startswith("  row 3 (R3), channels: at least one way") and "[R12]" in line for line in lines)
    assert any(line.startswith("  row 5 (R4), phones: not a possible phone number") for line in lines)
    assert not any("row 2 " in line or "row 4 " in line for line in lines), "good rows are not reported"
    assert _count(sessions, Customer) == 1 and _count(sessions, Restriction) == 0, "only C1 from the cast"


def test_skip_bad_rows_imports_the_good_ones_and_writes_a_report(runner, tmp_path, cast, sessions):
    report = tmp_path / "errors.csv"
    result = _import(runner, tmp_path, HEADER + GOOD + BAD + PLAIN, "--skip-bad-rows", "--report", str(report))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "imported 2 customers (1 restriction in force); skipped 1 bad row"
    rows = list(csv.DictReader(report.read_text(encoding="utf-8").splitlines()))
    assert rows and {(r["row"], r["reference"]) for r in rows} == {("3", "R3")}
    assert {r["column"] for r in rows} == {"emails", "why_necessary", "channels"}
    assert _count(sessions, Customer) == 3, "C1, R1 and R2; R3 was rolled back to its savepoint"
    assert [r["customer"] for r in _json(runner, "restrictions", "list")] == ["R1"]


def test_the_error_report_is_safe_to_open_in_a_spreadsheet(runner, tmp_path, cast):
    """Issue 21: a reference typed as a formula was written as a live one (=HYPERLINK(...)) into the report an admin
    opens in Excel; it is written as text (OWASP's CSV injection advice: a leading quote)."""
    report = tmp_path / "errors.csv"
    hostile = '"=HYPERLINK(""http://evil.example"",""click"")",Eve,not-an-email,,,,,,,,,\n'
    result = _import(runner, tmp_path, HEADER + hostile, "--skip-bad-rows", "--report", str(report))
    assert result.exit_code == 0, result.output
    (row,) = list(csv.DictReader(report.read_text(encoding="utf-8").splitlines()))
    assert row["reference"] == "'=HYPERLINK(\"http://evil.example\",\"click\")"


def test_dry_run_checks_without_importing(runner, tmp_path, cast, sessions):
    clean = _import(runner, tmp_path, HEADER + GOOD + PLAIN, "--dry-run")
    assert clean.exit_code == 0, clean.output
    assert clean.output.strip() == (
        "dry run: 2 customers (1 restriction in force) would be imported; 0 rows with errors; nothing changed"
    )
    dirty = _import(runner, tmp_path, HEADER + GOOD + BAD, "--dry-run", "--skip-bad-rows")
    assert dirty.exit_code == 2 and "row 3 (R3), emails" in dirty.output
    assert _count(sessions, Customer) == 1 and _count(sessions, Restriction) == 0
    assert _import(runner, tmp_path, HEADER + GOOD).exit_code == 0, "nothing was left behind by the dry runs"


def test_json_summary(runner, tmp_path, cast):
    result = _import(runner, tmp_path, HEADER + GOOD + BAD, "--skip-bad-rows", as_json=True)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["imported"] == 1 and summary["restrictions"] == 1 and summary["skipped"] == 1
    assert summary["committed"] is True and summary["dry_run"] is False
    assert {
        "row": 3,
        "reference": "R3",
        "column": "emails",
        "message": "not an e-mail address: 'not-an-email'",
    } in summary["errors"]
    refused = json.loads(_import(runner, tmp_path, HEADER + BAD, as_json=True).output)
    assert refused["imported"] == 0 and refused["committed"] is False and refused["errors"]


def test_excel_bom_uk_dates_and_spreadsheet_headers(runner, tmp_path, cast):
    header = (
        HEADER.replace("reference", "Customer reference")
        .replace("review_due", "Review date")
        .replace("starts_on", "Start date")
        .replace("spoc_officer", "SPOC officer")
    )
    row = (
        GOOD.replace("2026-06-01", "01/06/2026")
        .replace("2026-12-01", "1/12/2026")
        .replace("email;letter", "Email; Letter")
    )
    result = _import(runner, tmp_path, ("\ufeff" + header + row + ",,,,,,,,,,,\n").encode("utf-8"))
    assert result.exit_code == 0, result.output
    (restriction,) = _json(runner, "customers", "show", "R1")["restrictions"]
    assert (restriction["starts_on"], restriction["review_due"]) == ("2026-06-01", "2026-12-01")
    assert restriction["allowed_channels"] == ["email", "letter"]


def test_a_bad_date_or_answer_is_reported_by_column(runner, tmp_path, cast):
    row = GOOD.replace("2026-06-01", "2026-13-01").replace(",no,no,none", ",perhaps,maybe,none")
    result = _import(runner, tmp_path, HEADER + row)
    assert result.exit_code == 2
    assert "row 2 (R1), starts_on: not a date: '2026-13-01' (use 2026-03-02 or 02/03/2026)" in result.output
    assert "row 2 (R1), adjustments_needed: use yes or no, not 'maybe'" in result.output
    assert "row 2 (R1), social_work_known: unknown: 'perhaps' (use yes, no, unknown)" in result.output
    assert result.output.count("social_work_known") == 1, "the service's 'required' is not repeated"


def test_missing_unknown_or_doubled_header_is_named(runner, tmp_path, cast):
    missing = _import(runner, tmp_path, "reference,emails\nR1,a@example.com\n")
    assert missing.exit_code == 2
    assert "error: register.csv: missing required column: name" in missing.output
    unknown = _import(runner, tmp_path, "reference,name,emial\nR1,Ann,a@example.com\n")
    assert unknown.exit_code == 2 and "unknown column: emial (known: reference, name, emails" in unknown.output
    doubled = _import(runner, tmp_path, "reference,name,email,emails\nR1,Ann,a@example.com,b@example.com\n")
    assert doubled.exit_code == 2 and "column given twice: emails" in doubled.output
    empty = _import(runner, tmp_path, "")
    assert empty.exit_code == 2 and "the file is empty" in empty.output


def test_a_file_not_in_utf8_is_refused_clearly(runner, tmp_path, cast):
    result = _import(runner, tmp_path, "reference,name\nR1,Zo\u00eb\n".encode("cp1252"))
    assert (
        result.exit_code == 2 and "the file is not UTF-8 (save it from the spreadsheet as 'CSV UTF-8')" in result.output
    )


def test_required_cells_and_extra_cells_are_row_errors(runner, tmp_path, cast):
    result = _import(runner, tmp_path, "reference,name\n,No Reference\nR9,\nR8,Ann,stray\n")
    assert result.exit_code == 2
    assert "  row 2, reference: required" in result.output
    assert "  row 3 (R9), name: required" in result.output
    assert "  row 4 (R8): more cells than the header has columns" in result.output


def test_a_duplicate_reference_exists_already(runner, tmp_path, cast, sessions):
    assert _import(runner, tmp_path, HEADER + GOOD).exit_code == 0
    again = _import(runner, tmp_path, HEADER + GOOD)
    assert again.exit_code == 2
    assert "row 2 (R1), reference: a customer with reference R1 exists already" in again.output
    twice_in_file = _import(runner, tmp_path, HEADER + PLAIN + PLAIN.replace("bob@", "rob@"))
    assert "row 3 (R2), reference: a customer with reference R2 exists already" in twice_in_file.output
    on_register = _import(runner, tmp_path, "reference,name\nC1,Jane Again\n")
    assert "exists already" in on_register.output
    assert _count(sessions, Customer) == 2 and _count(sessions, Restriction) == 1


def test_an_e_mail_already_on_the_register_is_refused(runner, tmp_path, cast):
    result = _import(runner, tmp_path, "reference,name,emails\nR5,Jane Twin,Jane.Customer@example.com\n")
    assert "row 2 (R5), emails: email jane.customer@example.com already identifies customer C1" in result.output


def test_restriction_rules_still_apply(runner, tmp_path, cast):
    rows = [
        "R6,Eve,,,nobody@council.example,email,2026-06-01,,Abusive calls to several officers,no,no,none",
        "R7,Fay,,,officer@council.example,email,2026-06-01,2026-05-01,Abusive calls to several officers,no,no,none",
        "R8,Gus,,,officer@council.example,email,2026-06-01,,Abusive calls to several officers,,,",
        "R9,Hal,,,officer@council.example,email;fax;In person,2026-06-01,,Abusive calls to several officers,no,no,none",
    ]
    result = _import(runner, tmp_path, HEADER + "\n".join(rows) + "\n")
    assert result.exit_code == 2
    assert "row 2 (R6), spoc_officer: no officer with e-mail nobody@council.example" in result.output
    assert "row 3 (R7), review_due: the review date must be after the start [R42]" in result.output
    assert "row 4 (R8), social_work_known: required for a restriction in force" in result.output
    assert "row 5 (R9), channels: unknown: 'fax' (use email, telephone, letter, in_person, " in result.output


def test_an_ended_restriction_is_not_imported_as_in_force(runner, tmp_path, cast):
    header = (
        "reference,name,spoc_inbox,channels,starts_on,ends_on,why_necessary,social_work_known,"
        "adjustments_needed,other_services\n"
    )
    row = (
        "R1,Ann,restricted.contact@council.example,email,2025-01-06,2025-07-06,Abusive calls to several "
        "officers,no,no,none\n"
    )
    result = _import(runner, tmp_path, header + row)
    assert result.exit_code == 2
    assert "row 2 (R1), ends_on: the restriction ended on 2025-07-06; it is no longer in force [R30]" in result.output
    inbox = _import(runner, tmp_path, header + row.replace("2025-07-06", "2027-01-06"))
    assert inbox.exit_code == 0, inbox.output
    (shown,) = _json(runner, "restrictions", "list")
    assert shown["sole_point_of_contact"] == {
        "kind": "shared_inbox",
        "officer": None,
        "deputy": None,
        "inbox": "restricted.contact@council.example",
        "external": None,
    }


def test_a_legacy_restriction_without_review_date_is_overdue(runner, tmp_path, cast):
    row = GOOD.replace("2026-06-01", "2025-01-06").replace("2026-12-01", "")
    assert _import(runner, tmp_path, HEADER + row + PLAIN).exit_code == 0
    overdue = runner.invoke(cli, ["reviews", "--overdue"])
    assert overdue.exit_code == 0
    assert overdue.output.split() == ["1", "R1", "review", "due", "2025-07-06", "(506", "days", "overdue)"]
    listed = json.loads(runner.invoke(cli, ["--json", "reviews", "--overdue"]).output)
    assert [(r["customer"], r["review_due"]) for r in listed] == [("R1", "2025-07-06")]


def test_only_a_named_senior_officer_imports(runner, tmp_path, cast, sessions):
    officer = _import(runner, tmp_path, HEADER + GOOD, who="officer")
    assert officer.exit_code == 4
    assert "only a senior officer may import a register; you are officer [R2]" in officer.output
    path = tmp_path / "register.csv"
    nobody = runner.invoke(cli, ["import", str(path)])
    assert nobody.exit_code == 4 and "say which officer is acting: --as EMAIL" in nobody.output
    assert _count(sessions, Customer) == 1


def test_help_lists_the_columns(runner):
    result = runner.invoke(cli, ["import", "--help"])
    assert result.exit_code == 0
    for column in ("reference", "spoc_inbox", "review_due", "social_work_known", "adjustments_needed"):
        assert f"\n    {column} " in result.output
    assert "--skip-bad-rows" in result.output and "--dry-run" in result.output


def test_the_shipped_example_file_imports(runner, cast, tmp_path):
    from plugin.services import register as reg

    with cast.act() as ctx:
        reg.add_officer(ctx, {"email": "olly.officer@council.example", "name": "Olly", "role": "officer"})
    result = runner.invoke(cli, ["--as", "senior@council.example", "import", str(EXAMPLE), "--quiet"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "imported 4 customers (3 restrictions in force)"
    overdue = json.loads(runner.invoke(cli, ["--json", "reviews", "--overdue"]).output)
    assert [r["customer"] for r in overdue] == ["GCC-0101"]

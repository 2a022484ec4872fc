"""`contactguard import`: all or nothing, a per-row report, skip-bad-rows, dry run, BOM and UK dates."""
import json

from plugin.cli import cli

HEADER = "reference,name,emails,phones,spoc_officer,channels,starts_on,review_due,why_necessary,social_work_known," \
         "adjustments_needed,other_services\n"
GOOD = "R1,Ann One,ann@example.com,07700 900001,officer@council.example,email;letter,2025-01-06,2025-07-07," \
       "Abusive calls to several officers after a warning,no,no,none\n"
GOOD2 = "R2,Bob Two,bob@example.com,,,,,,,,,\n"
BAD = "R3,Cat Three,not-an-email,,officer@council.example,,2025-01-06,,Too short,no,no,none\n"


def _run(runner, tmp_path, content, *args, encoding="utf-8"):
    path = tmp_path / "register.csv"
    path.write_bytes(content.encode(encoding))
    return runner.invoke(cli, ["--as", "senior@council.example", "import", str(path), "--quiet", *args])


def _customers(runner):
    return json.loads(runner.invoke(cli, ["--json", "--as", "senior@council.example", "customers", "find", "@"]).output)


def test_a_good_file_imports_customers_and_restrictions_in_force(runner, tmp_path, cast):
    result = _run(runner, tmp_path, HEADER + GOOD + GOOD2)
    assert result.exit_code == 0, result.output
    assert "imported 2 customers (1 restrictions in force)" in result.output
    overdue = runner.invoke(cli, ["--json", "reviews", "--overdue"])
    assert [r["customer"] for r in json.loads(overdue.output)] == ["R1"], "the legacy review is long overdue"


def test_a_file_with_errors_imports_nothing_and_reports_each_row(runner, tmp_path, cast):
    result = _run(runner, tmp_path, HEADER + GOOD + BAD)
    assert result.exit_code == 2
    assert "nothing imported: 1 rows have errors" in result.output
    assert "row 3 identities.0" in result.output and "not an e-mail address" in result.output
    assert {c["reference"] for c in _customers(runner)} == {"C1"}


def test_skip_bad_rows_imports_the_good_ones_and_writes_a_report(runner, tmp_path, cast):
    report = tmp_path / "errors.csv"
    result = _run(runner, tmp_path, HEADER + GOOD + BAD + GOOD2, "--skip-bad-rows", "--report", str(report))
    assert result.exit_code == 0, result.output
    assert "imported 2 customers" in result.output and "skipped 1 bad rows" in result.output
    assert report.read_text().splitlines()[0] == "row,column,message"
    assert all(line.startswith("3,") for line in report.read_text().splitlines()[1:])


def test_dry_run_checks_without_importing(runner, tmp_path, cast):
    result = _run(runner, tmp_path, HEADER + GOOD, "--dry-run")
    assert "dry run: 1 rows would import" in result.output
    assert {c["reference"] for c in _customers(runner)} == {"C1"}


def test_excel_bom_and_uk_dates(runner, tmp_path, cast):
    row = GOOD.replace("2025-01-06", "06/01/2025").replace("2025-07-07", "07/07/2025")
    result = _run(runner, tmp_path, "\ufeff" + HEADER + row)
    assert result.exit_code == 0, result.output
    shown = json.loads(runner.invoke(cli, ["--json", "--as", "senior@council.example", "customers", "show",
                                           "R1"]).output)
    assert shown["restrictions"][0]["review_due"] == "2025-07-07"


def test_missing_or_unknown_header_is_named(runner, tmp_path, cast):
    result = _run(runner, tmp_path, "reference,emails\nR1,a@example.com\n")
    assert result.exit_code != 0 and "missing required column: name" in result.output
    result = _run(runner, tmp_path, "name,emial\nAnn,a@example.com\n")
    assert "unknown column: emial" in result.output


def test_running_the_same_file_twice_creates_no_duplicates(runner, tmp_path, cast):
    _run(runner, tmp_path, HEADER + GOOD)
    again = _run(runner, tmp_path, HEADER + GOOD)
    assert again.exit_code == 2 and "exists already" in again.output


def test_only_a_senior_officer_imports(runner, tmp_path, cast):
    path = tmp_path / "r.csv"
    path.write_text(HEADER + GOOD)
    result = runner.invoke(cli, ["--as", "officer@council.example", "import", str(path)])
    assert result.exit_code == 4 and "senior" in result.output


def test_the_shipped_example_file_imports(runner, cast, tmp_path):
    from pathlib import Path

    from plugin.services import register as reg

    with cast.act() as ctx:
        reg.add_officer(ctx, {"email": "olly.officer@council.example", "name": "Olly", "role": "officer"})
    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "register.csv"
    result = runner.invoke(cli, ["--as", "senior@council.example", "import", str(example), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "imported 3 customers (2 restrictions in force)" in result.output

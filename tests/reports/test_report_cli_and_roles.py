"""Who may read reports, the `contactguard reports` commands, their errors, and the audit of each reading."""

import csv
import json

import pytest
import time_machine
from sqlalchemy import select

from plugin.cli import cli
from plugin.models import AuditEntry
from plugin.reports import render_report
from plugin.services import reports
from plugin.services.errors import Forbidden, InvalidInput, NotFound
from tests.helpers import email_of
from tests.reports.conftest import TODAY


def _cli(runner, *args, who="senior"):
    head = ["--as", email_of(who)] if who else []
    with time_machine.travel(TODAY, tick=False):
        return runner.invoke(cli, [*head, *args])


@pytest.mark.parametrize("who", ["agent", "officer"])
def test_agents_and_officers_are_refused(who, cast, today):
    with pytest.raises(Forbidden) as refused, cast.act(who) as ctx:
        render_report(ctx, "warnings", "csv")
    assert refused.value.status == 403
    assert refused.value.message == f"reports need a senior officer or an admin; you are {who}"


@pytest.mark.parametrize("who", ["agent", "officer"])
def test_the_cli_refuses_them_too_and_records_nothing(who, cast, runner, sessions):
    result = _cli(runner, "reports", "show", "warnings", who=who)
    assert result.exit_code == 4
    assert f"error: reports need a senior officer or an admin; you are {who}" in result.output
    with sessions() as s:
        assert s.scalar(select(AuditEntry.id).where(AuditEntry.action == "report.viewed")) is None


def test_an_admin_may_read_them(cast, today):
    with cast.act("admin") as ctx:
        assert render_report(ctx, "restrictions-by-type", "csv").startswith("type,in_force\n")


def test_each_reading_is_audited_with_the_report_and_range(cast, sessions, today):
    with cast.act("senior") as ctx:
        render_report(ctx, "reviews", "svg", "2026-06-01", "2026-11-30")
    with sessions() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "report.viewed"))
    senior_id = cast.ids["senior"][0]
    assert (entry.actor_officer_id, entry.entity_type, entry.customer_id) == (senior_id, "report", None)
    assert entry.details == {"report": "reviews", "from": "2026-06-01", "to": "2026-11-30", "format": "svg"}


@pytest.mark.parametrize(
    "start, end, error, message",
    [
        (None, None, NotFound, "no report 'nonsense'; reports: warnings, restrictions-by-type"),
        ("2026-06-01", "2026-05-31", InvalidInput, "the range starts (2026-06-01) after it ends (2026-05-31)"),
        ("2016-01-01", "2026-05-31", InvalidInput, "a report covers at most 120 months"),
        ("1 June", None, InvalidInput, "from must be a date like 2026-01-31, not '1 June'"),
    ],
)
def test_bad_requests_get_a_clear_message(start, end, error, message, cast, today):
    report_id = "nonsense" if error is NotFound else "warnings"
    with pytest.raises(error) as bad, cast.act("senior") as ctx:
        reports.run(ctx, report_id, start, end)
    assert bad.value.status in (404, 422) and bad.value.message.startswith(message)


def test_reports_list_names_every_report(runner, cast):
    result = _cli(runner, "reports", "list", who=None)
    assert result.exit_code == 0
    for report_id in reports.REPORTS:
        assert report_id in result.output
    listed = json.loads(_cli(runner, "--json", "reports", "list", who=None).output)
    assert [item["id"] for item in listed] == list(reports.REPORTS)


def test_reports_show_prints_text_for_a_range(history, runner):
    result = _cli(runner, "reports", "show", "warnings", "--from", "2026-03-01", "--to", "2026-03-31")
    assert result.exit_code == 0, result.output
    assert "From 2026-03-01 to 2026-03-31" in result.output
    assert "Share followed by a restriction (follow-up over): 50%" in result.output


def test_reports_show_writes_csv_to_a_file(history, runner, tmp_path):
    out = tmp_path / "appeals.csv"
    result = _cli(runner, "reports", "show", "appeals", "--format", "csv", "--out", str(out))
    assert result.exit_code == 0 and f"report appeals written to {out} (csv)" in result.output
    with out.open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["month", "lodged", "upheld", "varied", "quashed", "undecided"]
    assert ["2026-11", "1", "0", "0", "0", "1"] in rows


def test_reports_show_json_and_svg(history, runner):
    data = json.loads(_cli(runner, "reports", "show", "contacts", "--json").output)
    assert data["rows"][5] == ["2026-06", 3, 1]
    svg = _cli(runner, "reports", "show", "contacts", "--format", "svg").output
    assert svg.startswith("<svg") and "<title" in svg


def test_reports_show_errors_have_their_exit_codes(cast, runner):
    unknown = _cli(runner, "reports", "show", "nonsense")
    assert unknown.exit_code == 3 and "error: no report 'nonsense'" in unknown.output
    backwards = _cli(runner, "reports", "show", "warnings", "--from", "2026-06-01", "--to", "2026-05-01")
    assert backwards.exit_code == 2 and "the range starts (2026-06-01) after it ends (2026-05-01)" in backwards.output
    bad_date = _cli(runner, "reports", "show", "warnings", "--from", "June")
    assert bad_date.exit_code == 2 and "--from" in bad_date.output


def test_an_unknown_format_is_refused_before_anything_is_read(cast, sessions, today):
    with pytest.raises(InvalidInput) as bad, cast.act("senior") as ctx:
        render_report(ctx, "warnings", "pdf")
    assert bad.value.status == 422
    assert bad.value.message == "unknown format 'pdf'; formats: text, csv, json, svg, html"
    with sessions() as s:
        assert s.scalar(select(AuditEntry.id).where(AuditEntry.action == "report.viewed")) is None

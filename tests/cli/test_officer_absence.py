"""`contactguard officers absence add|list|remove` (issue 8 item 13): recorded, listed, removed, audited."""

from __future__ import annotations

import datetime as dt
import json

import time_machine
from sqlalchemy import select

from plugin.cli import cli
from plugin.models import AuditEntry
from plugin.models.register import OfficerAbsence

OLLY = "officer@council.example"


def run(runner, *args, code=0, day="2026-11-24"):
    with time_machine.travel(f"{day} 10:00:00+00:00", tick=False):
        result = runner.invoke(cli, list(args))
    assert result.exit_code == code, f"contactguard {' '.join(args)} -> {result.exit_code}\n{result.output}"
    return result.output


def test_add_list_and_remove_an_absence_with_audit(runner, cast, sessions):
    out = run(
        runner,
        "officers",
        "absence",
        "add",
        OLLY,
        "--from",
        "2026-12-01",
        "--to",
        "2026-12-05",
        "--note",
        "annual leave",
    )
    assert "away 2026-12-01 to 2026-12-05" in out
    added = json.loads(
        run(runner, "--json", "officers", "absence", "add", OLLY.upper(), "--from", "2027-01-04", "--to", "2027-01-04")
    )
    assert added["officer"] == OLLY and added["starts_on"] == added["ends_on"] == "2027-01-04"

    listed = json.loads(run(runner, "--json", "officers", "absence", "list"))
    assert [(a["starts_on"], a["note"]) for a in listed] == [("2026-12-01", "annual leave"), ("2027-01-04", None)]
    assert "2026-12-01 to 2026-12-05  annual leave" in run(runner, "officers", "absence", "list", OLLY)
    assert "no absences" in run(runner, "officers", "absence", "list", "deputy@council.example")
    assert "no absences" not in run(runner, "officers", "absence", "list", day="2026-12-05")
    later = json.loads(run(runner, "--json", "officers", "absence", "list", day="2026-12-06"))
    assert [a["starts_on"] for a in later] == ["2027-01-04"], "absences that are over are hidden"
    assert len(json.loads(run(runner, "--json", "officers", "absence", "list", "--all", day="2026-12-06"))) == 2

    assert "removed" in run(runner, "officers", "absence", "remove", str(added["id"]))
    with sessions() as s:
        assert s.scalars(select(OfficerAbsence.starts_on)).all() == [dt.date(2026, 12, 1)]
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "officers")).all()
        details = s.scalars(select(AuditEntry.details).where(AuditEntry.action == "officer.absence_added")).all()
    assert actions.count("officer.absence_added") == 2 and actions.count("officer.absence_removed") == 1
    assert all("note" not in d for d in details), "the audit holds dates and ids, not the note"


def test_bad_input_is_refused_with_a_clear_exit_code(runner, cast):
    err = run(runner, "officers", "absence", "add", OLLY, "--from", "2026-12-05", "--to", "2026-12-01", code=2)
    assert "ends_on" in err
    run(
        runner,
        "officers",
        "absence",
        "add",
        "nobody@council.example",
        "--from",
        "2026-12-01",
        "--to",
        "2026-12-01",
        code=3,
    )
    run(runner, "officers", "absence", "add", OLLY, "--from", "1 Dec", "--to", "2026-12-01", code=2)
    run(runner, "officers", "absence", "remove", "999", code=3)


def test_only_an_admin_records_absences(runner, cast):
    run(
        runner,
        "--as",
        "agent@council.example",
        "officers",
        "absence",
        "add",
        OLLY,
        "--from",
        "2026-12-01",
        "--to",
        "2026-12-02",
        code=4,
    )
    run(
        runner,
        "--as",
        "admin@council.example",
        "officers",
        "absence",
        "add",
        OLLY,
        "--from",
        "2026-12-01",
        "--to",
        "2026-12-02",
    )

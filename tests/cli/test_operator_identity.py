"""The CLI is an operator tool (issue 9 item 3): every entry it writes names the operating-system user
and host as well as the officer named by `--as`, and reads of the register are audited by id."""

from __future__ import annotations

import getpass
import json
import socket

import pytest
from sqlalchemy import select

from plugin.cli import cli
from plugin.models import AuditEntry, Customer, Letter
from plugin.services.audit import READ_ACTION
from tests.helpers import active_restriction, email_of

OPERATOR = "cli:opsuser@council-server1"


@pytest.fixture(autouse=True)
def _operator(monkeypatch):
    monkeypatch.setattr(getpass, "getuser", lambda: "opsuser")
    monkeypatch.setattr(socket, "gethostname", lambda: "council-server1")


def run(runner, *args, who=None, code=0):
    result = runner.invoke(cli, [*(["--as", email_of(who)] if who else []), *args])
    assert result.exit_code == code, f"contactguard {' '.join(args)} -> {result.exit_code}\n{result.output}"
    return result.output


def entries(sessions, **where) -> list[AuditEntry]:
    with sessions() as s:
        query = select(AuditEntry).order_by(AuditEntry.id)
        for key, value in where.items():
            query = query.where(getattr(AuditEntry, key) == value)
        return list(s.scalars(query))


def test_administration_records_the_operating_system_user_and_host(runner, cast, sessions):
    run(
        runner,
        "officers",
        "add",
        "new.senior@council.example",
        "--name",
        "New Senior",
        "--role",
        "senior",
        "--service",
        "housing",
    )
    run(runner, "officers", "update", email_of("officer"), "--role", "admin")
    (added,) = entries(sessions, action="officer.added", actor=OPERATOR)
    (changed,) = entries(sessions, action="officer.changed")
    assert (added.actor_officer_id, added.details["role"]) == (None, "senior")
    assert (changed.actor, changed.actor_officer_id, changed.details) == (OPERATOR, None, {"fields": ["role"]})


def test_acting_for_an_officer_records_the_operator_and_the_officer(runner, cast, sessions):
    run(runner, "customers", "add", "--reference", "C2", "--name", "John Caller", who="officer")
    (entry,) = entries(sessions, action="customer.added", actor=f"{OPERATOR} as officer:{cast.ids['officer'][0]}")
    assert entry.actor_officer_id == cast.ids["officer"][0]


def test_an_operator_without_a_login_name_is_recorded_by_uid(runner, cast, sessions, monkeypatch):
    def no_login():
        raise OSError("No username set in the environment")

    monkeypatch.setattr(getpass, "getuser", no_login)
    run(runner, "services", "add", "roads", "Roads")
    entry = entries(sessions, action="service.added")[-1]
    assert entry.actor.startswith("cli:uid") and entry.actor.endswith("@council-server1")


def test_the_as_option_says_who_the_operator_acts_for():
    help_text = " ".join(run_help().split())
    assert "The officer you act for" in help_text and "the audit trail records you" in help_text


def run_help() -> str:
    from click.testing import CliRunner

    return CliRunner().invoke(cli, ["--help"]).output


@pytest.fixture
def restricted(cast):
    return active_restriction(cast)


def _reads(sessions) -> list[AuditEntry]:
    return entries(sessions, action=READ_ACTION)


@pytest.mark.parametrize(
    "args, view, entity_type",
    [
        (["customers", "show", "C1"], "customers show", "customers"),
        (["customers", "find", "Jane"], "customers find", "customers"),
        (["restrictions", "show", "{rid}"], "restrictions show", "restrictions"),
        (["restrictions", "list"], "restrictions list", "restrictions"),
        (["appeals", "list"], "appeals list", "appeals"),
        (["reviews", "--within", "400"], "reviews", "restrictions"),
    ],
)
def test_reads_of_the_register_are_audited_by_id_without_content(
    args, view, entity_type, runner, cast, sessions, restricted
):
    before = len(_reads(sessions))
    out = run(runner, *[a.format(rid=restricted) for a in args], who="officer")
    reads = _reads(sessions)[before:]
    assert len(reads) == 1, "one entry per command, however many records it shows"
    (read,) = reads
    with sessions() as s:
        customer_id = s.scalar(select(Customer.id).where(Customer.reference == "C1"))
    assert (read.actor, read.actor_officer_id) == (
        f"{OPERATOR} as officer:{cast.ids['officer'][0]}",
        cast.ids["officer"][0],
    )
    assert (read.entity_type, read.details["view"]) == (entity_type, view)
    if entity_type == "restrictions":
        assert read.details["ids"] == [restricted] and read.customer_id == customer_id
    if entity_type == "customers":
        assert read.details["ids"] == [customer_id] and read.entity_id == customer_id
    if view == "appeals list":
        assert read.details == {"view": view, "count": 0, "ids": []}
    assert set(read.details) <= {"view", "count", "ids", "customers"}
    assert "Jane" not in json.dumps(read.details) and "Jane" not in read.actor
    assert out


def test_letters_list_is_audited_with_the_letter_ids(runner, cast, sessions, restricted):
    with sessions() as s:
        letter_ids = sorted(s.scalars(select(Letter.id)))
    assert letter_ids
    run(runner, "letters", "list")
    run(runner, "letters", "list", "--all")
    reads = _reads(sessions)
    assert [(r.actor, r.details["view"], r.details["ids"]) for r in reads] == [
        (OPERATOR, "letters list", letter_ids),
        (OPERATOR, "letters list", letter_ids),
    ]


def test_a_long_listing_keeps_the_count_and_the_first_ids(runner, cast, sessions, monkeypatch):
    from plugin.services import audit

    monkeypatch.setattr(audit, "MAX_IDS_PER_READ", 2)
    for n in range(4):
        run(runner, "customers", "add", "--reference", f"X{n}", "--name", f"Xavier {n}", who="officer")
    run(runner, "customers", "find", "Xavier", who="officer")
    (read,) = _reads(sessions)
    assert read.details["count"] == 4 and len(read.details["ids"]) == 2 and len(read.details["customers"]) == 2
    assert read.customer_id is None and read.entity_id is None


def test_a_read_that_fails_leaves_no_entry(runner, cast, sessions):
    run(runner, "customers", "show", "NOSUCH", who="officer", code=3)
    assert _reads(sessions) == []


def test_the_cli_trail_verifies(runner, cast, restricted):
    run(runner, "customers", "show", "C1", who="officer")
    run(runner, "letters", "list")
    out = run(runner, "audit", "verify")
    assert "chain intact" in out

"""The README's worked example end to end through the CLI: exit codes, messages and --json, step by step."""
import json

import pytest
import time_machine

from plugin.cli import cli

SAM, PAT = "sam.senior@council.example", "pat.senior@council.example"
OLLY, DEE = "olly.officer@council.example", "dee.deputy@council.example"


class Steps:
    """Run commands as someone, on a given day, and check the exit code."""

    def __init__(self, runner):
        self.runner = runner

    def run(self, *args, who=None, code=0, day="2026-11-24"):
        head = ["--as", who] if who else []
        with time_machine.travel(f"{day} 10:00:00+00:00", tick=False):
            result = self.runner.invoke(cli, [*head, *args])
        assert result.exit_code == code, f"contactguard {' '.join(args)} -> {result.exit_code}\n{result.output}"
        return result.output

    def json(self, *args, who=None, day="2026-11-24"):
        return json.loads(self.run("--json", *(["--as", who] if who else []), *args, day=day))


@pytest.fixture
def steps(runner):
    """Administration as in the README: a service, two senior officers, an officer and a deputy."""
    s = Steps(runner)
    assert s.run("services", "add", "housing", "Housing Services").strip()
    for email, name, role in ((SAM, "Sam Senior", "senior"), (PAT, "Pat Senior", "senior"),
                              (DEE, "Dee Deputy", "officer")):
        s.run("officers", "add", email, "--name", name, "--role", role, "--service", "housing")
    s.run("officers", "add", OLLY, "--name", "Olly Officer", "--role", "officer", "--service", "housing",
          "--deputy", DEE, "--helpdesk-id", "7")
    return s


def _proposed(steps) -> None:
    """Customer, incident, warning, proposal and checks, as the officer."""
    assert steps.run("customers", "add", "--reference", "C1001", "--name", "Jane Customer", "--email",
                     "jane.customer@example.com", "--phone", "07700 900123", who=OLLY).strip() \
        == "customer C1001 added (2 identities)"
    assert steps.run("incidents", "record", "C1001", "--experienced-by", OLLY, "--at", "2026-11-20T10:15Z",
                     "--channel", "telephone", "--category", "verbal_abuse", "--description",
                     "Shouted and swore at the officer", "--immediate-action", "call ended", who=OLLY).strip() \
        == "incident 1 recorded (verbal_abuse, telephone)"
    assert steps.run("warnings", "issue", "C1001", "--incident", "1", "--behaviour",
                     "You shouted and swore at an officer on 20 November", "--why-unacceptable",
                     "Staff are entitled to work without abuse", "--change", "Please keep calls civil",
                     "--consequences", "Your contact may be restricted", who=OLLY).startswith("warning 1 issued")
    proposed = steps.run("restrictions", "propose", "C1001", "--path", "after_warning", "--why-necessary",
                         "Abusive calls continued after the warning of 20 November", "--spoc-officer", OLLY,
                         "--channel", "email", "--channel", "letter", who=OLLY)
    assert proposed.strip() == "restriction 1 proposed; review due 2027-05-24"
    checks = steps.run("restrictions", "checks", "1", "--social-work", "no", "--no-adjustments",
                       "--other-services", "none", who=OLLY)
    assert checks.strip() == "checks recorded for restriction 1"


def test_the_worked_example_end_to_end(steps):
    _proposed(steps)

    refused = steps.run("restrictions", "activate", "1", who=OLLY, code=4)
    assert "only a senior officer may activate a restriction; you are officer [R2]" in refused
    assert steps.json("restrictions", "show", "1", who=OLLY)["state"] == "proposed", "a refusal changes nothing"

    activated = steps.run("restrictions", "activate", "1", who=SAM)
    assert activated.strip() == "restriction 1 active until review on 2027-05-24; letter queued"
    shown = steps.run("restrictions", "show", "1", who=SAM).splitlines()
    assert shown == [
        "restriction 1 for C1001: active (after_warning)",
        f"  sole point of contact: {OLLY} (officer), deputy {DEE}",
        "  channels open: email, letter",
        "  scope: council-wide; starts 2026-11-24; review 2027-05-24; ends -",
    ]

    due = steps.run("due")
    assert "reviews due within 30 days: 0" in due and "letters waiting to be sent: 2" in due
    letters = steps.json("letters", "list", who=OLLY)
    (letter,) = [x for x in letters if x["kind"] == "restriction"]
    sent = steps.run("letters", "sent", str(letter["id"]), "--method", "post_first_class", who=OLLY)
    assert sent.strip() == f"letter {letter['id']} sent by post_first_class; deemed received 2026-11-26"
    again = steps.run("letters", "sent", str(letter["id"]), "--method", "email", who=OLLY, code=5)
    assert f"letter {letter['id']} was already sent on 2026-11-24" in again

    involved = steps.run("appeals", "lodge", "--restriction", "1", "--grounds", "disproportionate", "--statement",
                         "I only raised my voice once", "--heard-by", SAM, who=OLLY, code=4, day="2026-11-30")
    assert "that officer cannot hear this appeal" in involved
    lodged = steps.run("appeals", "lodge", "--restriction", "1", "--grounds", "disproportionate", "--statement",
                       "I only raised my voice once", "--heard-by", PAT, who=OLLY, day="2026-11-30")
    assert lodged.startswith("appeal ") and lodged.strip().endswith(" lodged; decision due 2026-12-14")
    assert steps.json("restrictions", "show", "1", who=OLLY)["state"] == "under_appeal"

    assert steps.run("reviews", "--overdue", day="2027-05-24").strip() == "no overdue reviews"
    overdue = steps.run("reviews", "--overdue", day="2027-06-01")
    assert overdue.split() == ["1", "C1001", "review", "due", "2027-05-24", "(8", "days", "overdue)"]
    due_later = steps.json("due", day="2027-06-01")
    assert [(a["restriction"], a["decision_due"]) for a in due_later["appeals"]] == [(1, "2026-12-14")]


def test_json_output_parses_and_carries_the_arrangement(steps):
    _proposed(steps)
    activated = steps.json("restrictions", "activate", "1", who=SAM)
    assert activated["state"] == "active" and activated["customer"] == "C1001"
    assert activated["sole_point_of_contact"] == {"kind": "officer", "officer": OLLY, "deputy": DEE,
                                                  "inbox": None, "external": None}
    assert activated["allowed_channels"] == ["email", "letter"] and activated["review_due"] == "2027-05-24"
    customer = steps.json("customers", "show", "C1001", who=OLLY)
    assert {i["value"] for i in customer["identities"]} == {"jane.customer@example.com", "+447700900123"}
    assert [r["id"] for r in customer["restrictions"]] == [1]
    due = steps.json("due")
    assert set(due) == {"reviews", "interims", "appeals", "letters"}
    assert sorted(x["kind"] for x in due["letters"]) == ["restriction", "warning"]
    listed = steps.json("reviews", "--within", "200")
    assert [(r["id"], r["review_due"]) for r in listed] == [(1, "2027-05-24")]


def test_errors_have_their_exit_codes_and_messages(steps, runner):
    _proposed(steps)
    assert "no restriction with id 99" in steps.run("restrictions", "show", "99", who=OLLY, code=3)
    assert "no customer with reference NOPE" in steps.run("customers", "show", "NOPE", who=OLLY, code=3)
    bad = steps.run("restrictions", "propose", "C1001", "--path", "after_warning", "--spoc-officer", "not-an-email",
                    "--channel", "email", who=OLLY, code=2)
    assert "spoc_officer: Not a valid email address." in bad
    assert "error: say which officer is acting: --as EMAIL" in steps.run("restrictions", "activate", "1", code=4)
    assert "nobody@council.example is not an active officer" in steps.run(
        "restrictions", "activate", "1", who="nobody@council.example", code=4)
    envelope = json.loads(runner.invoke(cli, ["--json", "--as", OLLY, "restrictions", "activate", "1"]).output)
    assert envelope["code"] == "senior_required" and envelope["status"] == 409
    assert envelope["errors"] == {"actor": ["only a senior officer may activate a restriction; you are officer [R2]"]}
    assert steps.json("restrictions", "show", "1", who=OLLY)["state"] == "proposed"

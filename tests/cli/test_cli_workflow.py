"""The README's worked example end to end through the CLI: exit codes, messages and --json, step by step."""

import json

import pytest
import time_machine
from sqlalchemy import select

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
    for email, name, role in (
        (SAM, "Sam Senior", "senior"),
        (PAT, "Pat Senior", "senior"),
        (DEE, "Dee Deputy", "officer"),
    ):
        s.run("officers", "add", email, "--name", name, "--role", role, "--service", "housing")
    s.run(
        "officers",
        "add",
        OLLY,
        "--name",
        "Olly Officer",
        "--role",
        "officer",
        "--service",
        "housing",
        "--deputy",
        DEE,
        "--helpdesk-id",
        "7",
    )
    return s


def _proposed(steps) -> None:
    """Customer, incident, warning, proposal and checks, as the officer."""
    assert (
        steps.run(
            "customers",
            "add",
            "--reference",
            "C1001",
            "--name",
            "Jane Customer",
            "--email",
            "jane.customer@example.com",
            "--phone",
            "07700 900123",
            "--address-line-1",
            "12 Example Street",
            "--town",
            "Glenburn",
            "--postcode",
            "g2 1ab",
            who=OLLY,
        ).strip()
        == "customer C1001 added (2 identities, with a postal address)"
    )
    assert (
        steps.run(
            "incidents",
            "record",
            "C1001",
            "--experienced-by",
            OLLY,
            "--at",
            "2026-11-20T10:15Z",
            "--channel",
            "telephone",
            "--category",
            "verbal_abuse",
            "--description",
            "Shouted and swore at the officer",
            "--immediate-action",
            "call ended",
            who=OLLY,
        ).strip()
        == "incident 1 recorded (verbal_abuse, telephone)"
    )
    assert steps.run(
        "warnings",
        "issue",
        "C1001",
        "--incident",
        "1",
        "--behaviour",
        "You shouted and swore at an officer on 20 November",
        "--why-unacceptable",
        "Staff are entitled to work without abuse",
        "--change",
        "Please keep calls civil",
        "--consequences",
        "Your contact may be restricted",
        who=OLLY,
    ).startswith("warning 1 issued")
    proposed = steps.run(
        "restrictions",
        "propose",
        "C1001",
        "--path",
        "after_warning",
        "--why-necessary",
        "Abusive calls continued after the warning of 20 November",
        "--spoc-officer",
        OLLY,
        "--channel",
        "email",
        "--channel",
        "letter",
        who=OLLY,
    )
    assert proposed.strip() == "restriction 1 proposed; review due 2027-05-24"
    checks = steps.run(
        "restrictions", "checks", "1", "--social-work", "no", "--no-adjustments", "--other-services", "none", who=OLLY
    )
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
        "  letter: restriction letter 2 waiting to be sent; the appeal window runs from its deemed receipt",
    ]

    due = steps.run("due")
    assert "reviews due within 30 days: 0" in due and "letters waiting to be sent: 2" in due
    letters = steps.json("letters", "list", who=OLLY)
    (letter,) = [x for x in letters if x["kind"] == "restriction"]
    sent = steps.run("letters", "sent", str(letter["id"]), "--method", "post_first_class", who=OLLY)
    assert sent.strip() == (
        f"letter {letter['id']} sent by post_first_class; deemed received 2026-11-26; appeal by 2026-12-11"
    ), "10 working days, St Andrew's Day (30 November) excluded"
    again = steps.run("letters", "sent", str(letter["id"]), "--method", "email", who=OLLY, code=5)
    assert f"letter {letter['id']} was already sent on 2026-11-24" in again

    involved = steps.run(
        "appeals",
        "lodge",
        "--restriction",
        "1",
        "--grounds",
        "disproportionate",
        "--statement",
        "I only raised my voice once",
        "--heard-by",
        SAM,
        who=OLLY,
        code=4,
        day="2026-11-30",
    )
    assert "that officer cannot hear this appeal" in involved
    lodged = steps.run(
        "appeals",
        "lodge",
        "--restriction",
        "1",
        "--grounds",
        "disproportionate",
        "--statement",
        "I only raised my voice once",
        "--heard-by",
        PAT,
        who=OLLY,
        day="2026-11-30",
    )
    assert lodged.startswith("appeal ") and lodged.strip().endswith(" lodged; decision due 2026-12-14")
    assert steps.json("restrictions", "show", "1", who=OLLY)["state"] == "under_appeal"

    assert steps.run("reviews", "--overdue", day="2027-05-24").strip() == "no overdue reviews"
    overdue = steps.run("reviews", "--overdue", day="2027-06-01")
    assert overdue.split() == [
        "1",
        "C1001",
        "review",
        "due",
        "2027-05-24",
        "(8",
        "days",
        "overdue);",
        "waits",
        "for",
        "the",
        "appeal",
        "decision",
    ]
    due_later = steps.json("due", day="2027-06-01")
    assert [(a["restriction"], a["decision_due"]) for a in due_later["appeals"]] == [(1, "2026-12-14")]


def test_json_output_parses_and_carries_the_arrangement(steps):
    _proposed(steps)
    activated = steps.json("restrictions", "activate", "1", who=SAM)
    assert activated["state"] == "active" and activated["customer"] == "C1001"
    assert activated["sole_point_of_contact"] == {
        "kind": "officer",
        "officer": OLLY,
        "deputy": DEE,
        "inbox": None,
        "external": None,
    }
    assert activated["allowed_channels"] == ["email", "letter"] and activated["review_due"] == "2027-05-24"
    customer = steps.json("customers", "show", "C1001", who=OLLY)
    assert {i["value"] for i in customer["identities"]} == {"jane.customer@example.com", "+447700900123"}
    assert [r["id"] for r in customer["restrictions"]] == [1]
    due = steps.json("due")
    assert set(due) == {"reviews", "interims", "appeals", "appeal_windows", "letters", "dead_actions"}
    assert sorted(x["kind"] for x in due["letters"]) == ["restriction", "warning"]
    listed = steps.json("reviews", "--within", "200")
    assert [(r["id"], r["review_due"]) for r in listed] == [(1, "2027-05-24")]


def test_errors_have_their_exit_codes_and_messages(steps, runner):
    _proposed(steps)
    assert "no restriction with id 99" in steps.run("restrictions", "show", "99", who=OLLY, code=3)
    assert "no customer with reference NOPE" in steps.run("customers", "show", "NOPE", who=OLLY, code=3)
    bad = steps.run(
        "restrictions",
        "propose",
        "C1001",
        "--path",
        "after_warning",
        "--spoc-officer",
        "not-an-email",
        "--channel",
        "email",
        who=OLLY,
        code=2,
    )
    assert "spoc_officer: Not a valid email address." in bad
    assert "error: say which officer is acting: --as EMAIL" in steps.run("restrictions", "activate", "1", code=4)
    assert "nobody@council.example is not an active officer" in steps.run(
        "restrictions", "activate", "1", who="nobody@council.example", code=4
    )
    envelope = json.loads(runner.invoke(cli, ["--json", "--as", OLLY, "restrictions", "activate", "1"]).output)
    assert envelope["code"] == "senior_required" and envelope["status"] == 403
    assert envelope["errors"] == {"actor": ["only a senior officer may activate a restriction; you are officer [R2]"]}
    assert steps.json("restrictions", "show", "1", who=OLLY)["state"] == "proposed"


# -- issue 8: one-step serious threat, deadlines shown, refusals, dead actions, --json anywhere ---------

THREAT = [
    "restrictions",
    "propose",
    "C1001",
    "--path",
    "serious_threat",
    "--incident",
    "2",
    "--why-necessary",
    "Threatened violence against an officer at the counter",
    "--spoc-officer",
    DEE,
    "--channel",
    "letter",
]
CHECKS = ["--social-work", "no", "--no-adjustments", "--other-services", "none"]


def _threatened(steps) -> None:
    """Customer C1001 with a threat recorded (incident 2 after the verbal abuse of incident 1)."""
    _proposed(steps)
    steps.run(
        "incidents",
        "record",
        "C1001",
        "--experienced-by",
        DEE,
        "--at",
        "2026-11-23T15:40Z",
        "--channel",
        "in_person",
        "--category",
        "threat",
        "--description",
        "Threatened to hit the officer",
        who=DEE,
    )


def _restriction_count(steps) -> int:
    return len(steps.json("restrictions", "list", who=OLLY))


def test_propose_takes_the_checks_and_activates_a_serious_threat_in_one_command(steps):
    """Article 6119: after 'a serious threat of violence ... a warning letter is not necessary' and the
    restricted-contact letter is issued at once (R61); the checks of R9 still come first, in the same command."""
    _threatened(steps)
    before = _restriction_count(steps)
    refused = steps.run(*THREAT, "--activate", who=SAM, code=4)
    assert "checks.social_work_known" in refused and "[R9]" in refused
    assert _restriction_count(steps) == before, "a refusal records nothing, not even the proposal"
    partial = steps.run(*THREAT, "--social-work", "no", "--activate", who=SAM, code=2)
    assert "adjustments_needed" in partial and "other_services" in partial
    done = steps.run(*THREAT, *CHECKS, "--activate", who=SAM).split()
    assert " ".join(done[2:]) == "active until review on 2027-05-24; letter queued"
    checks = steps.json("restrictions", "show", done[1], who=SAM)  # ids: PostgreSQL keeps rolled-back sequences
    assert checks["state"] == "active" and checks["path"] == "serious_threat"
    only_checks = steps.run(*THREAT, *CHECKS, who=OLLY).split()
    assert " ".join(only_checks[2:]) == "proposed; review due 2027-05-24; checks recorded"
    assert steps.json("restrictions", "activate", only_checks[1], who=SAM)["state"] == "active"


def test_unknown_social_work_answer_needs_the_enquiry_recorded(steps):
    """Article 6119: 'we will always try to ascertain if that customer is known to Social Work Services' (R9):
    'unknown' is an answer only when who was asked, and when, is recorded."""
    _threatened(steps)
    unknown = ["--social-work", "unknown", "--no-adjustments", "--other-services", "none"]
    refused = steps.run(*THREAT, *unknown, "--activate", who=SAM, code=4)
    assert "checks.social_work_enquiry: " in refused and "who was asked and when" in refused
    future = steps.run(
        *THREAT,
        *unknown,
        "--social-work-asked",
        "Duty team",
        "--social-work-asked-on",
        "2026-11-25",
        "--activate",
        who=SAM,
        code=4,
    )
    assert "social_work_enquired_on" in future
    done = steps.json(
        *THREAT,
        *unknown,
        "--social-work-asked",
        "Social Work Services duty team",
        "--social-work-asked-on",
        "2026-11-24",
        "--activate",
        who=SAM,
    )
    assert done["state"] == "active"


def test_deemed_receipt_and_appeal_deadline_are_shown_wherever_the_letter_is(steps):
    """Article 6120: appeal 'within 10 working days of receipt' (R36), counted from deemed receipt (R41);
    the customer reference, not an internal id, names the customer."""
    _proposed(steps)
    steps.run("restrictions", "activate", "1", who=SAM)
    waiting = steps.run("letters", "list")
    assert "customer 1" not in waiting
    assert [line.split()[:3] for line in waiting.splitlines()] == [
        ["1", "warning", "C1001"],
        ["2", "restriction", "C1001"],
    ]
    steps.run("letters", "sent", "2", "--method", "post_first_class", who=OLLY)
    listed = steps.run("letters", "list").splitlines()
    assert listed[1].split() == [
        "2",
        "restriction",
        "C1001",
        "sent",
        "2026-11-24",
        "by",
        "post_first_class;",
        "deemed",
        "received",
        "2026-11-26;",
        "appeal",
        "by",
        "2026-12-11",
    ]
    (letter,) = [x for x in steps.json("letters", "list") if x["id"] == 2]
    assert (letter["customer"], letter["deemed_receipt"], letter["appeal_deadline"]) == (
        "C1001",
        "2026-11-26",
        "2026-12-11",
    )
    shown = steps.run("restrictions", "show", "1", who=OLLY)
    assert "  letter: restriction letter 2 sent 2026-11-24 by post_first_class; deemed received 2026-11-26" in shown
    assert "  appeal: the customer may appeal until 2026-12-11" in shown
    data = steps.json("restrictions", "show", "1", who=OLLY)
    assert (data["deemed_receipt"], data["appeal_deadline"], data["appeal_window_open"]) == (
        "2026-11-26",
        "2026-12-11",
        True,
    )
    due = steps.run("due")
    assert (
        "appeal windows open: 1\n  restriction letter 2 (C1001) deemed received 2026-11-26; appeal by 2026-12-11" in due
    )
    assert "letters waiting to be sent: 1\n  warning letter 1 (C1001)" in due
    windows = steps.json("due")["appeal_windows"]
    assert [(x["id"], x["deemed_receipt"], x["appeal_deadline"]) for x in windows] == [(2, "2026-11-26", "2026-12-11")]
    closed = steps.run("restrictions", "show", "1", who=OLLY, day="2026-12-14")
    assert "  appeal: the window closed on 2026-12-11" in closed
    assert steps.json("due", day="2026-12-14")["appeal_windows"] == []


def test_a_late_appeal_accepted_with_a_reason_is_marked_late(steps, sessions):
    """R38: late appeals are accepted only in exceptional circumstances, so the record says which were late
    (R46a: auditable and challengeable)."""
    from plugin.models import AuditEntry

    _proposed(steps)
    steps.run("restrictions", "activate", "1", who=SAM)
    steps.run("letters", "sent", "2", "--method", "post_first_class", who=OLLY)
    lodge = [
        "appeals",
        "lodge",
        "--restriction",
        "1",
        "--grounds",
        "disproportionate",
        "--statement",
        "Unfair",
        "--heard-by",
        PAT,
    ]
    refused = steps.run(*lodge, who=OLLY, code=4, day="2026-12-14")
    assert "the appeal window closed on 2026-12-11" in refused
    lodged = steps.run(*lodge, "--late-reason", "In hospital for the whole window", who=OLLY, day="2026-12-14")
    assert lodged.strip() == (
        "appeal 1 lodged (late: the window closed on 2026-12-11; accepted for the reason "
        "recorded); decision due 2026-12-30"
    )
    listed = steps.run("appeals", "list", who=OLLY, day="2026-12-14")
    assert "LATE (window closed 2026-12-11; accepted: In hospital for the whole window)" in listed
    (appeal,) = steps.json("appeals", "list", who=OLLY, day="2026-12-14")
    assert (appeal["late"], appeal["window_closes_on"], appeal["customer"]) == (True, "2026-12-11", "C1001")
    assert "(late: window closed 2026-12-11)" in steps.run("restrictions", "show", "1", who=OLLY, day="2026-12-14")
    assert "(lodged after the window closed)" in steps.run("due", day="2026-12-14")
    with sessions() as s:
        details = s.scalar(select(AuditEntry.details).where(AuditEntry.action == "appeal.lodged"))
    assert details["late"] is True and details["window_closes_on"] == "2026-12-11"


def test_letter_dates_that_cannot_be_true_are_refused(steps):
    """R41: the appeal clock runs from deemed receipt, so the sending date must be true: not before the
    decision (R32: the decision is confirmed in writing after it is made) and not in the future."""
    _proposed(steps)
    steps.run("restrictions", "activate", "1", who=SAM)
    early = steps.run("letters", "sent", "2", "--method", "email", "--sent-on", "2026-11-23", who=OLLY, code=4)
    assert (
        "sent_on: the letter cannot have been sent on 2026-11-23, before the decision it reports was made "
        "on 2026-11-24 [R32]" in early
    )
    future = steps.run("letters", "sent", "2", "--method", "email", "--sent-on", "2026-11-25", who=OLLY, code=4)
    assert "sent_on: the letter cannot be recorded as sent on 2026-11-25, which is after today" in future
    envelope = json.loads(
        steps.run("letters", "sent", "2", "--method", "email", "--sent-on", "2026-11-25", "--json", who=OLLY, code=4)
    )
    assert envelope["code"] == "sent_in_future" and list(envelope["errors"]) == ["sent_on"]
    (letter,) = [x for x in steps.json("letters", "list") if x["id"] == 2]
    assert letter["state"] == "queued", "nothing changed"


def test_review_dates_in_the_past_or_after_the_end_are_refused(steps):
    """Article 6121: restrictions are reviewed (R42); a review set in the past, or after the restriction has
    ended, is no review at all (R44: reviewed before it lapses)."""
    _proposed(steps)
    base = [
        "restrictions",
        "propose",
        "C1001",
        "--path",
        "after_warning",
        "--why-necessary",
        "Abusive calls continued after the warning",
        "--spoc-officer",
        OLLY,
        "--channel",
        "email",
    ]
    past = steps.run(*base, "--review", "2026-11-23", who=OLLY, code=4)
    assert "review_due: the review date 2026-11-23 is in the past (today is 2026-11-24)" in past
    after = steps.run(*base, "--review", "2027-03-01", "--ends", "2027-02-01", who=OLLY, code=4)
    assert "review_due: the review date 2027-03-01 is after the restriction ends on 2027-02-01" in after
    assert _restriction_count(steps) == 1
    steps.run("restrictions", "activate", "1", who=SAM)
    amend = steps.run(
        "restrictions", "amend", "1", "--reasons", "Shorter restriction", "--ends", "2027-01-31", who=SAM, code=4
    )
    assert "ends_on: the review date 2027-05-24 is after the restriction ends on 2027-01-31" in amend
    steps.run("restrictions", "amend", "1", "--reasons", "Ends after its first review", "--ends", "2027-06-30", who=SAM)
    review = steps.run(
        "reviews",
        "hold",
        "1",
        "--outcome",
        "continue",
        "--reasons",
        "Behaviour has not changed",
        "--next-review",
        "2027-08-01",
        who=SAM,
        code=4,
    )
    assert "next_review_due: the review date 2027-08-01 is after the restriction ends on 2027-06-30" in review
    assert steps.json("restrictions", "show", "1", who=SAM)["review_due"] == "2027-05-24", "nothing changed"


def test_a_token_time_window_does_not_keep_contact_open(steps):
    """R12: 'at least one form of contact' stays open; R15: time windows limit it, but five minutes a week
    is not contact (CONTACTGUARD_MIN_WEEKLY_CONTACT_MINUTES, 60 by default)."""
    _proposed(steps)
    steps.run(
        "restrictions",
        "amend",
        "1",
        "--reasons",
        "Telephone only, Monday mornings",
        "--channel",
        "telephone",
        "--window",
        "mon 10:00-10:05",
        who=OLLY,
    )
    refused = steps.run("restrictions", "activate", "1", who=SAM, code=4)
    assert (
        "time_windows: the time windows leave at most 5 minutes a week on any open channel; at least 60 "
        "minutes a week must stay open" in refused
    )
    steps.run(
        "restrictions",
        "amend",
        "1",
        "--reasons",
        "Telephone on Monday and Wednesday mornings",
        "--window",
        "mon,wed 10:00-10:30",
        who=OLLY,
    )
    assert steps.json("restrictions", "activate", "1", who=SAM)["state"] == "active"
    shown = steps.run("restrictions", "show", "1", who=SAM)
    assert "  times: mon,wed 10:00-10:30" in shown


def test_due_lists_dead_lettered_helpdesk_actions(steps, sessions):
    """R24: a contact is never silently lost; a helpdesk action given up on after every retry (a flag or a
    routing not applied) needs a person, so `due` shows it with what failed (R47: a dashboard of what is due)."""
    from plugin.models import Connection, OutboxAction

    assert "helpdesk actions dead-lettered: 0" in steps.run("due")
    with sessions() as s, s.begin():
        s.add(Connection(id="c" * 40, adapter="zendesk", name="Housing helpdesk", settings={}, secrets_encrypted=b"-"))
        for n in range(7):
            s.add(
                OutboxAction(
                    connection_id="c" * 40,
                    ticket_id=str(100 + n),
                    kind="set_flag",
                    payload={},
                    idempotency_key=f"k{n}",
                    state="dead" if n else "done",
                    attempts=8,
                    last_error=f"HTTP 500 from helpdesk\nattempt {n}",
                )
            )
    due = steps.run("due")
    assert "helpdesk actions dead-lettered: 6 (see `contactguard outbox dead`" in due
    assert "  action 2 set_flag on ticket 101 via Housing helpdesk: HTTP 500 from helpdesk attempt 1" in due
    assert "  ... and 1 more" in due and "ticket 100 " not in due and "c" * 40 not in due
    dead = steps.json("due")["dead_actions"]
    assert dead["count"] == 6 and len(dead["first"]) == 5
    assert dead["first"][0] == {
        "id": 2,
        "connection": "Housing helpdesk",
        "adapter": "zendesk",
        "ticket": "101",
        "kind": "set_flag",
        "attempts": 8,
        "last_error": "HTTP 500 from helpdesk\nattempt 1",
    }


@pytest.mark.parametrize(
    "args",
    [
        ["restrictions", "list"],
        ["restrictions", "show", "1"],
        ["letters", "list"],
        ["due"],
        ["reviews"],
        ["reviews", "--overdue"],
        ["appeals", "list"],
        ["officers", "list"],
        ["customers", "show", "C1001"],
    ],
)
def test_json_works_after_the_subcommand_too(args, steps):
    """`--json` is accepted before or after the command's name, with the same output."""
    _proposed(steps)
    before = steps.json(*args, who=OLLY)
    after = json.loads(steps.run(*args, "--json", who=OLLY))
    assert after == before


def test_json_after_the_subcommand_also_gives_the_error_envelope(steps):
    _proposed(steps)
    out = steps.run("restrictions", "activate", "1", "--json", who=OLLY, code=4)
    envelope = json.loads(out)
    assert envelope["code"] == "senior_required" and envelope["status"] == 403

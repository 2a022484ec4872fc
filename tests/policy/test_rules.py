"""The list of rule ids (plugin/policy/rules.py): each has a test naming it, and the policy core cites no other.

Also the rules that had no test of their own: R23 (disregard), R55 (incident categories), R56 and R58
(reasonable adjustments)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path as FilePath

from plugin.policy.decision import Contact, Outcome, Terms, decide
from plugin.policy.restrictions import ActivationFacts, Arrangement, Checks, check_arrangement, check_prerequisites
from plugin.policy.rules import RULES
from plugin.policy.vocabulary import (
    VIOLENT_CATEGORIES,
    Adjustment,
    Channel,
    IncidentCategory,
    Path,
    Role,
    SpocKind,
    Tristate,
)

ROOT = FilePath(__file__).resolve().parents[2]
RULE_ID = re.compile(r"\bR\d{1,3}[a-z]?\b")


def _cited(folder: FilePath, skip: FilePath | None = None) -> dict[str, set[Path]]:
    found: dict[str, set[Path]] = {}
    for path in folder.rglob("*.py"):
        if path != skip:
            for rule in RULE_ID.findall(path.read_text(encoding="utf-8")):
                found.setdefault(rule, set()).add(path)
    return found


def test_every_listed_rule_has_a_test_that_names_it():
    tested = _cited(ROOT / "tests", skip=FilePath(__file__).resolve())
    tested_here = set(RULE_ID.findall(FilePath(__file__).read_text(encoding="utf-8").split("# Rule tests", 1)[1]))
    untested = sorted((set(RULES) - set(tested) - tested_here), key=lambda r: int(re.sub(r"\D", "", r)))
    assert not untested, f"rules with no test naming them: {', '.join(untested)}"


def test_the_policy_core_cites_only_listed_rules():
    cited = set(_cited(ROOT / "plugin" / "policy", skip=ROOT / "plugin" / "policy" / "rules.py"))
    assert cited <= set(RULES), f"cited but not listed in plugin/policy/rules.py: {sorted(cited - set(RULES))}"


# Rule tests


AT = dt.datetime(2026, 3, 3, 11, 0, tzinfo=dt.UTC)


def test_contact_outside_the_arrangement_is_disregarded():
    """R23: a contact on a channel the arrangement closed is disregarded; through it, it is flagged."""
    terms = Terms(id=1, spoc_kind="shared_inbox", spoc_inbox="spoc@council.example", allowed_channels=("email",))
    assert decide(Contact(at=AT, channel="telephone"), [terms]).outcome == Outcome.DISREGARD
    assert decide(Contact(at=AT, channel="email", addressed_inbox="spoc@council.example"), [terms]).outcome == (
        Outcome.FLAG
    )


def test_incident_categories_cover_verbal_and_written_abuse_and_threats():
    """R55: HSE's definition of work-related violence covers more than physical attack."""
    assert {"verbal_abuse", "written_abuse", "threat", "physical_violence"} <= {c.value for c in IncidentCategory}
    assert IncidentCategory.THREAT in VIOLENT_CATEGORIES


def test_needed_adjustments_are_recorded_and_the_arrangement_names_a_person():
    """R56: needed adjustments must be named before a restriction comes into force. R58: a single point of
    contact is itself an adjustment, so a shared inbox is refused once adjustments are needed."""
    inbox = Arrangement(
        spoc_kind=SpocKind.SHARED_INBOX,
        spoc_inbox="spoc@council.example",
        allowed_channels=(Channel.EMAIL,),
        starts_on=dt.date(2026, 3, 1),
        review_due=dt.date(2026, 9, 1),
    )
    needed = Checks(
        social_work_known=Tristate.NO,
        mental_health_client=False,
        adjustments_needed=True,
        adjustments=(),
        other_services="none",
    )
    facts = ActivationFacts(
        actor_role=Role.SENIOR,
        path=Path.AFTER_WARNING,
        path_justification=None,
        has_standing_warning=True,
        has_violent_incident=False,
        why_necessary="Abuse continued after the warning",
        checks=needed,
        arrangement=inbox,
    )
    assert "checks.adjustments" in {p.field for p in check_prerequisites(facts)}
    recorded = replace(needed, adjustments=(Adjustment.LARGE_PRINT,))
    assert "checks.adjustments" not in {p.field for p in check_prerequisites(replace(facts, checks=recorded))}
    codes = {p.code for p in check_arrangement(inbox, recorded, 0)}
    assert "named_officer_required" in codes
    named = replace(inbox, spoc_kind=SpocKind.OFFICER, spoc_officer_active=True, spoc_inbox=None)
    assert "named_officer_required" not in {p.code for p in check_arrangement(named, recorded, 0)}
    offered = {a.value for a in Adjustment}
    assert {"advocate", "telephone_instead_of_writing", "easy_read", "large_print", "more_time"} <= offered

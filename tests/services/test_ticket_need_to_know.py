"""Need to know on the ticket (R50, issue 8 item 17): whatever the outcome, nothing written to the helpdesk
names an external worker's role or any health or social-work detail; the agent gets a name and a way in."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from plugin.models import Restriction
from plugin.policy.decision import Contact, Outcome, Terms, decide
from plugin.services.outbox import Action, AddNote, SetFlag
from plugin.services.ticket_actions import plan

AT = dt.datetime(2026, 3, 3, 11, 0, tzinfo=dt.UTC)
HEALTH_WORDS = (
    "mental",
    "health",
    "social",
    "care",
    "psychiatr",
    "nurse",
    "cpn",
    "clinic",
    "therap",
    "community",
    "recovery",
    "addiction",
    "alcohol",
    "drug",
    "disab",
    "autis",
    "dementia",
    "consent",
    "article 9",
    "9(2)",
)
GENERIC = ("and", "the", "team", "leader", "worker")  # words the notes use anyway ("information-rights team")
ROLES = [
    "Community Mental Health Team Leader",
    "social worker",
    "CPN (psychiatric nurse)",
    "drug and alcohol recovery worker",
    "learning disability care coordinator",
]
CONTACTS = {  # one contact per outcome, against the restriction's own terms
    Outcome.FLAG: Contact(at=AT, channel="email"),
    Outcome.DISREGARD: Contact(at=AT, channel="telephone"),
    Outcome.ESCALATE: Contact(at=AT, channel="telephone", subject="I am going to hurt myself"),
    Outcome.STATUTORY: Contact(at=AT, channel="email", text="Subject access request please"),
}


def external(kind: str, role: str, **extra) -> Restriction:
    return Restriction(
        id=7,
        spoc_kind=kind,
        spoc_external_name="Sam Brown",
        spoc_external_role=role,
        spoc_external_email="sam.brown@partner.example",
        spoc_external_phone="0141 496 0000",
        consent_basis=f"Art 9(2)(g): client of the {role}; customer agreed",
        allowed_channels=["email"],
        time_windows=[],
        premises={},
        subjects={},
        **extra,
    )


def terms_of(r: Restriction) -> Terms:
    return Terms(
        id=r.id, spoc_kind=r.spoc_kind, external_email=r.spoc_external_email, allowed_channels=tuple(r.allowed_channels)
    )


def written(actions: list[Action]) -> str:
    return json.dumps([a.payload() for a in actions]).lower()


@pytest.mark.parametrize("kind", ["external_worker", "representative"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("outcome", list(CONTACTS), ids=[o.value for o in CONTACTS])
@pytest.mark.parametrize("routing", [(None, None), ("7", None), ("7", "9"), ("7", "7")], ids=str)
def test_no_role_or_health_detail_reaches_any_action(kind, role, outcome, routing):
    restriction = external(kind, role, review_due=dt.date(2027, 3, 1))
    decision = decide(CONTACTS[outcome], [terms_of(restriction)])
    assert decision.outcome == outcome
    text = written(plan(decision, restriction, {"info_rights_queue": "foi"}, *routing))
    role_words = [w for w in re.findall(r"[a-z]{3,}", role.lower()) if w not in GENERIC]
    leaked = [w for w in (role.lower(), *HEALTH_WORDS, *role_words) if w in text]
    assert not leaked, (leaked, text)


@pytest.mark.parametrize("kind, label", [("external_worker", "external contact"), ("representative", "representative")])
def test_the_flag_says_who_and_how_to_reach_them(kind, label):
    restriction = external(kind, "social worker")
    actions = plan(decide(CONTACTS[Outcome.FLAG], [terms_of(restriction)]), restriction, {}, None, None)
    flag = next(a.value for a in actions if isinstance(a, SetFlag))
    note = next(a.text for a in actions if isinstance(a, AddNote))
    for shown in (flag, note):
        assert f"Sam Brown ({label}: sam.brown@partner.example, 0141 496 0000)" in shown


def test_without_contact_details_the_label_stands_alone():
    restriction = external("external_worker", "social worker")
    restriction.spoc_external_email = restriction.spoc_external_phone = None
    actions = plan(decide(CONTACTS[Outcome.FLAG], [terms_of(restriction)]), restriction, {}, None, None)
    assert next(a.value for a in actions if isinstance(a, SetFlag)).startswith(
        "RESTRICTED: contact via Sam Brown (external contact);"
    )

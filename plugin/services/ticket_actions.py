"""From a decision to the actions for the helpdesk: tags, the flag field, a note, routing.

Need to know (Clift v Slough, R50): the ticket shows the arrangement (services.terms.terms_of), never
the reasons, incidents or health and social-work details. services.outbox.write queues what `plan` returns.
"""

from __future__ import annotations

from .. import notes
from ..models import Restriction
from ..policy.decision import Decision, Outcome
from .outbox import Action, AddNote, AddTags, Assign, ClearFlag, MoveQueue, RemoveTags, SetFlag
from .terms import terms_of

DEFAULT_TAGS = {
    "restricted": "cg-restricted",
    "disregarded": "cg-disregarded",
    "escalated": "cg-escalated",
    "information_request": "cg-information-request",
}


def tag_names(connection_settings: dict) -> dict:
    """The connection's tag names, over the defaults."""
    return {**DEFAULT_TAGS, **(connection_settings.get("tags") or {})}


def flag_action(restriction: Restriction) -> SetFlag:
    """The arrangement as the ticket's flag field shows it (the projection agents and triggers read)."""
    terms = terms_of(restriction)
    return SetFlag(
        notes.render(
            "flag_field",
            who=terms.contact,
            channels=terms.channels_text,
            review=terms.review_due.isoformat() if terms.review_due else None,
        )
    )


def unflag_actions(connection_settings: dict) -> list[Action]:
    """Take contactguard's flag and tags off a ticket (the restriction ended)."""
    tags = tag_names(connection_settings)
    return [ClearFlag(), RemoveTags((tags["restricted"], tags["disregarded"], tags["escalated"]))]


def plan(
    decision: Decision,
    restriction: Restriction | None,
    connection_settings: dict,
    spoc_agent_id: str | None,
    assigned_agent_id: str | None,
) -> list[Action]:
    """The actions, in order, for this decision on this ticket."""
    if decision.outcome == Outcome.ALLOW or restriction is None:
        return []
    tags = tag_names(connection_settings)
    terms = terms_of(restriction)
    route = spoc_agent_id is not None and spoc_agent_id != assigned_agent_id
    actions: list[Action] = [flag_action(restriction)]
    outcome = decision.outcome
    if outcome == Outcome.STATUTORY:
        queue = connection_settings.get("info_rights_queue")
        actions.append(AddTags((tags["restricted"], tags["information_request"])))
        if queue is not None:
            actions.append(MoveQueue(queue))
        actions.append(_note("statutory", routed=queue is not None))
        return actions
    if outcome == Outcome.FLAG:
        actions.append(AddTags((tags["restricted"],)))
        note = _note(
            "flag",
            who=terms.contact,
            deputy=terms.deputy,
            channels=terms.channels_text,
            windows=terms.windows_text,
            routed=route and assigned_agent_id is None,
        )
    elif outcome == Outcome.DISREGARD:
        actions.append(AddTags((tags["restricted"], tags["disregarded"])))
        note = _note("disregard", reason=decision.reason, who=terms.contact, routed=route)
    else:
        actions.append(AddTags((tags["restricted"], tags["escalated"])))
        note = _note(
            "escalate",
            reason=decision.reason.split(";")[0],
            hits=", ".join(decision.screen_hits),
            who=terms.contact,
            routed=route,
        )
    if spoc_agent_id is not None and route and (outcome != Outcome.FLAG or assigned_agent_id is None):
        actions.append(Assign(spoc_agent_id))
    actions.append(note)
    return actions


def _note(template: str, **values) -> AddNote:
    """An internal note; no title: some helpdesks (django-helpdesk) rename the ticket to a follow-up's title."""
    return AddNote(notes.render(template, **values))

"""From a decision to the actions for the helpdesk: tags, the flag field, a note, routing.

Need to know (Clift v Slough, R50): the ticket shows the arrangement (services.terms.terms_of), never
the reasons, incidents or health and social-work details. services.outbox.write queues what `plan` returns.
"""

from __future__ import annotations

from .. import notes
from ..models import Officer, Restriction
from ..policy.decision import Decision, Outcome
from .outbox import Action, AddNote, AddTags, Assign, ClearFlag, MoveQueue, RemoveTags, SetFlag, SetPriority
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


def flag_action(restriction: Restriction, away: Officer | None = None, cover: Officer | None = None) -> SetFlag:
    """The arrangement as the ticket's flag field shows it (the projection agents and triggers read); while the
    sole point of contact is `away`, it names who covers (`cover`), or says to ask for cover when nobody can."""
    terms = terms_of(restriction)
    return SetFlag(
        notes.render(
            "flag_field",
            who=f"{cover.name} <{cover.email}>" if cover is not None else terms.contact,
            away=away.name if away is not None else None,
            covered=cover is not None,
            channels=terms.channels_text,
            review=terms.review_due.isoformat() if terms.review_due else None,
        )
    )


def unflag_actions(connection_settings: dict) -> list[Action]:
    """Take contactguard's flag and tags off a ticket (the restriction ended)."""
    tags = tag_names(connection_settings)
    return [
        ClearFlag(),
        RemoveTags((tags["restricted"], tags["disregarded"], tags["escalated"], tags["information_request"])),
    ]


def outcome_tags(outcome: Outcome, screen_hits, tags: dict) -> tuple[str, ...]:
    """The tags a ticket carries after this outcome: each outcome's own, never an earlier one's."""
    if outcome == Outcome.ALLOW:
        return ()
    extra = {
        Outcome.FLAG: (),
        Outcome.DISREGARD: (tags["disregarded"],),
        Outcome.ESCALATE: (tags["escalated"],),
        Outcome.STATUTORY: (tags["information_request"],) + ((tags["escalated"],) if screen_hits else ()),
    }[outcome]
    return (tags["restricted"], *extra)


def plan(
    decision: Decision,
    restriction: Restriction | None,
    connection_settings: dict,
    spoc_agent_id: str | None,
    assigned_agent_id: str | None,
    earlier: tuple[tuple[str, tuple[str, ...]], ...] = (),
) -> list[Action]:
    """The actions, in order, for this decision on this ticket.

    `earlier` holds the (outcome, screen hits) of the decisions already written to this ticket: their tags
    that this outcome does not carry are taken off, so the ticket shows the latest outcome only (the notes
    keep the history)."""
    if decision.outcome == Outcome.ALLOW or restriction is None:
        return []
    tags = tag_names(connection_settings)
    current = outcome_tags(decision.outcome, decision.screen_hits, tags)
    stale = {t for outcome, hits in earlier for t in outcome_tags(Outcome(outcome), hits, tags)} - set(current)
    actions: list[Action] = [flag_action(restriction), AddTags(current)]
    if stale:
        actions.append(RemoveTags(tuple(sorted(stale))))
    if decision.screen_hits:
        actions.append(SetPriority())  # a safeguarding concern: wherever it was written, it is read first
    return actions + _routing_and_note(decision, restriction, connection_settings, spoc_agent_id, assigned_agent_id)


def _routing_and_note(decision, restriction, connection_settings, spoc_agent_id, assigned_agent_id) -> list[Action]:
    """Where the ticket goes (the SPOC, the information-rights queue) and the note that says why."""
    terms = terms_of(restriction)
    outcome = decision.outcome
    hits = ", ".join(decision.screen_hits)
    if outcome == Outcome.STATUTORY:
        queue = connection_settings.get("info_rights_queue")
        note = _note("statutory", routed=queue is not None, hits=hits, kinds=decision.requests)
        return [MoveQueue(queue), note] if queue is not None else [note]
    # Within the arrangement the ticket is with the right person already unless nobody holds it.
    route = spoc_agent_id is not None and spoc_agent_id != assigned_agent_id
    if decision.within_arrangement:
        route = route and assigned_agent_id is None
    if outcome == Outcome.FLAG:
        note = _note(
            "flag",
            who=terms.contact,
            deputy=terms.deputy,
            channels=terms.channels_text,
            windows=terms.windows_text,
            routed=route,
        )
    elif outcome == Outcome.DISREGARD:
        note = _note("disregard", reason=decision.reason, who=terms.contact, routed=route)
    else:
        reason = None if decision.within_arrangement else decision.reason.split(";")[0]
        note = _note("escalate", reason=reason, hits=hits, who=terms.contact, routed=route)
    return ([Assign(spoc_agent_id)] if route and spoc_agent_id is not None else []) + [note]


def _note(template: str, **values) -> AddNote:
    """An internal note; no title: some helpdesks (django-helpdesk) rename the ticket to a follow-up's title."""
    return AddNote(notes.render(template, **values))

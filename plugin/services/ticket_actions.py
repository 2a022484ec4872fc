"""From a decision to the actions for the helpdesk: tags, the flag field, a note, routing.

Need to know (Clift v Slough, R50): the ticket shows the arrangement, never the reasons,
incidents or health and social-work details.
"""

from __future__ import annotations

from adapters.base import NOTE_MARKER

from .. import notes
from ..models import Restriction
from ..policy.decision import Decision, Outcome
from ..policy.vocabulary import SpocKind

DEFAULT_TAGS = {
    "restricted": "cg-restricted",
    "disregarded": "cg-disregarded",
    "escalated": "cg-escalated",
    "information_request": "cg-information-request",
}


def tag_names(connection_settings: dict) -> dict:
    """The connection's tag names, over the defaults."""
    return {**DEFAULT_TAGS, **(connection_settings.get("tags") or {})}


def _windows(r: Restriction) -> str:
    return "; ".join(f"{','.join(w['days'])} {w['start']}-{w['end']}" for w in r.time_windows or [])


def _who(r: Restriction) -> tuple[str, str | None]:
    """Who the customer deals with, as the ticket may show it: a name and how to reach them.

    Need to know (R50): an external worker's role ("community mental health team leader", "social
    worker") tells every agent about the customer's health or care, so it never reaches the ticket;
    the label says only which kind of arrangement this is. The role stays in contactguard.
    """
    if r.spoc_officer is not None:
        return f"{r.spoc_officer.name} <{r.spoc_officer.email}>", (
            f"{r.deputy_officer.name} <{r.deputy_officer.email}>" if r.deputy_officer else None
        )
    if r.spoc_inbox:
        return r.spoc_inbox, None
    label = "representative" if r.spoc_kind == SpocKind.REPRESENTATIVE.value else "external contact"
    reach = ", ".join(x for x in (r.spoc_external_email, r.spoc_external_phone) if x)
    name = r.spoc_external_name or "the person named in the arrangement"
    return f"{name} ({label}: {reach})" if reach else f"{name} ({label})", None


def flag_action(restriction: Restriction) -> dict:
    """The arrangement as the ticket's flag field shows it (the projection agents and triggers read)."""
    who, _deputy = _who(restriction)
    channels = ", ".join(restriction.allowed_channels or []) or "none"
    return {
        "kind": "set_flag",
        "value": notes.render(
            "flag_field",
            who=who,
            channels=channels,
            review=restriction.review_due.isoformat() if restriction.review_due else None,
        ),
    }


def unflag_actions(connection_settings: dict) -> list[dict]:
    """Take contactguard's flag and tags off a ticket (the restriction ended)."""
    tags = tag_names(connection_settings)
    return [
        {"kind": "clear_flag"},
        {"kind": "remove_tags", "tags": [tags["restricted"], tags["disregarded"], tags["escalated"]]},
    ]


def plan(
    decision: Decision,
    restriction: Restriction | None,
    connection_settings: dict,
    spoc_agent_id: str | None,
    assigned_agent_id: str | None,
) -> list[dict]:
    """The actions, in order, for this decision on this ticket."""
    if decision.outcome == Outcome.ALLOW or restriction is None:
        return []
    tags = tag_names(connection_settings)
    who, deputy = _who(restriction)
    channels = ", ".join(restriction.allowed_channels or []) or "none"
    route = spoc_agent_id is not None and spoc_agent_id != assigned_agent_id
    actions = [flag_action(restriction)]
    outcome = decision.outcome
    if outcome == Outcome.STATUTORY:
        queue = connection_settings.get("info_rights_queue")
        actions.append({"kind": "add_tags", "tags": [tags["restricted"], tags["information_request"]]})
        if queue is not None:
            actions.append({"kind": "move_queue", "queue": queue})
        actions.append(_note("statutory", routed=queue is not None))
        return actions
    if outcome == Outcome.FLAG:
        actions.append({"kind": "add_tags", "tags": [tags["restricted"]]})
        note = _note(
            "flag",
            who=who,
            deputy=deputy,
            channels=channels,
            windows=_windows(restriction),
            routed=route and assigned_agent_id is None,
        )
    elif outcome == Outcome.DISREGARD:
        actions.append({"kind": "add_tags", "tags": [tags["restricted"], tags["disregarded"]]})
        note = _note("disregard", reason=decision.reason, who=who, routed=route)
    else:
        actions.append({"kind": "add_tags", "tags": [tags["restricted"], tags["escalated"]]})
        note = _note(
            "escalate",
            reason=decision.reason.split(";")[0],
            hits=", ".join(decision.screen_hits),
            who=who,
            routed=route,
        )
    if route and (outcome != Outcome.FLAG or assigned_agent_id is None):
        actions.append({"kind": "assign", "agent_id": spoc_agent_id})
    actions.append(note)
    return actions


def _note(template: str, **values) -> dict:
    """An internal note; no title: some helpdesks (django-helpdesk) rename the ticket to a follow-up's title."""
    return {"kind": "add_note", "text": notes.render(template, **values)}


def with_marker(action: dict, key: str) -> dict:
    """Notes carry a marker with their idempotency key: never posted twice, never re-trigger us."""
    if action["kind"] != "add_note":
        return action
    marker = f"{NOTE_MARKER} ref {key}"
    return {**action, "marker": marker, "text": f"{action['text']}\n\n{marker}"}

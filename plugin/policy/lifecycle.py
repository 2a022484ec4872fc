"""Restriction lifecycle: the states a restriction passes through and the only legal moves.

An illegal move fails with a message naming both states and the moves that are allowed,
and the caller changes nothing.
"""

from __future__ import annotations

import enum

from .errors import PolicyViolation


class State(str, enum.Enum):
    """Where a restriction stands."""

    INTERIM = "interim"  # immediate frontline action, awaiting senior confirmation
    PROPOSED = "proposed"  # considered restriction drafted, not yet in force
    ACTIVE = "active"  # in force
    UNDER_APPEAL = "under_appeal"  # in force while an appeal is heard
    LAPSED = "lapsed"  # ended by the clock (end date, or interim not confirmed)
    LIFTED = "lifted"  # ended by a senior officer (review, appeal quashed, behaviour changed)
    WITHDRAWN = "withdrawn"  # proposal not taken forward


class Action(str, enum.Enum):
    """The moves the workflow knows."""

    ACTIVATE = "activate"
    CONFIRM_INTERIM = "confirm_interim"
    WITHDRAW = "withdraw"
    AMEND = "amend"
    LODGE_APPEAL = "lodge_appeal"
    DECIDE_APPEAL = "decide_appeal"
    REVIEW = "review"
    LIFT = "lift"
    LAPSE = "lapse"


IN_FORCE = frozenset({State.INTERIM, State.ACTIVE, State.UNDER_APPEAL})
ENDED = frozenset({State.LAPSED, State.LIFTED, State.WITHDRAWN})

TRANSITIONS: dict[tuple[State, Action], frozenset[State]] = {
    (State.PROPOSED, Action.ACTIVATE): frozenset({State.ACTIVE}),
    (State.PROPOSED, Action.AMEND): frozenset({State.PROPOSED}),
    (State.PROPOSED, Action.WITHDRAW): frozenset({State.WITHDRAWN}),
    (State.INTERIM, Action.CONFIRM_INTERIM): frozenset({State.ACTIVE}),
    (State.INTERIM, Action.LAPSE): frozenset({State.LAPSED}),
    (State.INTERIM, Action.LIFT): frozenset({State.LIFTED}),
    (State.ACTIVE, Action.AMEND): frozenset({State.ACTIVE}),
    (State.ACTIVE, Action.LODGE_APPEAL): frozenset({State.UNDER_APPEAL}),
    (State.ACTIVE, Action.REVIEW): frozenset({State.ACTIVE, State.LIFTED}),
    (State.ACTIVE, Action.LIFT): frozenset({State.LIFTED}),
    (State.ACTIVE, Action.LAPSE): frozenset({State.LAPSED}),
    (State.UNDER_APPEAL, Action.DECIDE_APPEAL): frozenset({State.ACTIVE, State.LIFTED}),
    (State.UNDER_APPEAL, Action.AMEND): frozenset({State.UNDER_APPEAL}),
    (State.UNDER_APPEAL, Action.LIFT): frozenset({State.LIFTED}),
}


# R47 with R36-R39: a review is held only while the restriction stands on its own terms; while an appeal is
# heard the review waits for the appeal's decision (which may vary the review date), so the clock does not
# escalate it as overdue then (the late appeal decision escalates instead). Derived from the transitions, so
# the two cannot disagree.
REVIEWABLE = frozenset(state for (state, action) in TRANSITIONS if action == Action.REVIEW)


# Named state lists, so no other layer spells a set of states out (issue 13 item 4).
IN_FORCE_VALUES = tuple(sorted(s.value for s in IN_FORCE))  # for SQL: Restriction.state.in_(IN_FORCE_VALUES)
# Before a restriction is in force on its own terms: the pre-restriction checks (R9) are recorded then.
BEFORE_CONFIRMED = frozenset({State.PROPOSED, State.INTERIM})
# A senior officer changes the terms of a restriction in force (R2); a proposal's drafter may amend it freely.
AMENDED_IN_FORCE = frozenset(state for (state, action) in TRANSITIONS if action == Action.AMEND) & IN_FORCE
# Confirmed restrictions whose review date runs (R42, R47): listed as due or overdue, an appeal notwithstanding
# (an interim one has a confirm-by date instead). Only the REVIEWABLE ones can be reviewed there and then.
REVIEW_DATE_RUNS = frozenset({State.ACTIVE, State.UNDER_APPEAL})
# An appeal is lodged against a restriction in these states only (R36): derived from the transitions.
APPEALABLE = frozenset(state for (state, action) in TRANSITIONS if action == Action.LODGE_APPEAL)


def values_of(states: frozenset[State]) -> list[str]:
    """The states as the database stores them, in a stable order (for `column.in_(...)`)."""
    return sorted(s.value for s in states)


def allowed_actions(state: State) -> list[Action]:
    """The actions a restriction in `state` accepts."""
    return [action for (from_state, action) in TRANSITIONS if from_state == state]


def check_transition(state: State, action: Action, target: State) -> None:
    """Refuse an illegal move; return silently when `action` may take `state` to `target`."""
    targets = TRANSITIONS.get((State(state), Action(action)))
    if targets is None:
        allowed = ", ".join(a.value for a in allowed_actions(State(state))) or "none (it has ended)"
        raise PolicyViolation(
            "illegal_transition",
            f"cannot {Action(action).value.replace('_', ' ')} a restriction that is "
            f"{State(state).value.replace('_', ' ')}; allowed: {allowed}",
            field="state",
        )
    if State(target) not in targets:
        raise PolicyViolation(
            "illegal_transition",
            f"{Action(action).value} takes a {State(state).value} restriction to "
            f"{' or '.join(sorted(t.value for t in targets))}, not {State(target).value}",
            field="state",
        )

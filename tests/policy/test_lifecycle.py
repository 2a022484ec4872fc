"""Lifecycle: every move not in the table is refused with a message naming the states (issue 2, item 5)."""

import itertools

import pytest

from plugin.policy.errors import PolicyViolation
from plugin.policy.lifecycle import ENDED, IN_FORCE, TRANSITIONS, Action, State, allowed_actions, check_transition

ALL_PAIRS = list(itertools.product(State, Action))


@pytest.mark.parametrize("state, action", [p for p in ALL_PAIRS if p not in TRANSITIONS], ids=lambda v: v.value)
def test_moves_not_in_the_table_are_refused_naming_state_and_allowed_moves(state, action):
    with pytest.raises(PolicyViolation) as refused:
        check_transition(state, action, State.ACTIVE)
    assert refused.value.code == "illegal_transition"
    assert state.value.replace("_", " ") in refused.value.message
    assert "allowed:" in refused.value.message


@pytest.mark.parametrize("pair", list(TRANSITIONS), ids=lambda p: f"{p[0].value}-{p[1].value}")
def test_moves_in_the_table_reach_only_their_targets(pair):
    state, action = pair
    for target in State:
        if target in TRANSITIONS[pair]:
            check_transition(state, action, target)
        else:
            with pytest.raises(PolicyViolation):
                check_transition(state, action, target)


def test_ended_restrictions_accept_nothing_and_in_force_ones_can_always_be_lifted():
    """R44: a restriction ends by lapse or lift; ended is final (a new decision starts a new restriction)."""
    for state in ENDED:
        assert allowed_actions(state) == []
    for state in IN_FORCE:
        assert Action.LIFT in allowed_actions(state)

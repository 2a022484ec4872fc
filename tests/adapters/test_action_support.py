"""Each helpdesk client declares the outbox actions it carries out (issue 13 item 3); the declarations are true.

The outbox writer (plugin/services/outbox.py) queues only the kinds a connection's client declares, so a
declaration that claims too much dead-letters actions and one that claims too little silently drops them."""

from __future__ import annotations

import json
import typing

import pytest
import responses

from adapters import REGISTRY
from adapters.base import ACTION_KINDS, TICKET_ACTIONS, ActionClient, ActionKind
from adapters.errors import PermanentFailure
from adapters.generic.adapter import GenericCallbackClient
from plugin.policy.decision import Decision, Outcome
from plugin.services.outbox import Action
from plugin.services.ticket_actions import plan, unflag_actions
from tests.services.test_ticket_need_to_know import external

KEYS = sorted(REGISTRY)


def client_class(key: str) -> type:
    """The class the adapter's client() is annotated to return (where the writer reads the declaration)."""
    return typing.get_type_hints(type(REGISTRY[key]).client)["return"]


@pytest.mark.parametrize("key", KEYS)
def test_a_client_declares_exactly_the_kinds_it_has_handlers_for(key):
    cls = client_class(key)
    declared = REGISTRY[key].supported_actions()
    assert declared, f"{key}: its client declares no actions"
    if issubclass(cls, ActionClient):
        handled = {kind for kind in TICKET_ACTIONS if callable(getattr(cls, f"_do_{kind.value}", None))}
        assert declared - {ActionKind.LOOKUP} == handled, (key, sorted(k.value for k in declared ^ handled))
    else:  # the generic adapter posts every action to the council's own endpoint
        assert cls is GenericCallbackClient and declared == TICKET_ACTIONS
    assert (ActionKind.LOOKUP in declared) == callable(getattr(cls, "lookup", None)), (
        f"{key}: declares lookup without a lookup() method, or the other way round"
    )


def test_every_kind_is_described_for_adapter_authors():
    assert set(ACTION_KINDS) == set(ActionKind)


UNDECLARED = [
    (key, kind)
    for key in KEYS
    if issubclass(client_class(key), ActionClient)
    for kind in sorted(TICKET_ACTIONS - REGISTRY[key].supported_actions())
]


@pytest.mark.parametrize("key, kind", UNDECLARED, ids=[f"{k}-{kind.value}" for k, kind in UNDECLARED])
def test_an_undeclared_kind_is_refused_by_the_client_as_permanent(key, kind):
    """What the writer's check prevents: a client without the handler dead-letters the action."""
    cls = client_class(key)
    client = cls.__new__(cls)  # no connection needed: the handler lookup fails before any call
    with pytest.raises(PermanentFailure, match=f"cannot {kind.value}"):
        client.apply("1", {"kind": kind.value})


def _every_planned_kind() -> set[ActionKind]:
    """What a decision or a lifted restriction can ask of any helpdesk."""
    restriction = external("external_worker", "social worker")
    kinds: set[ActionKind] = {a.kind for a in unflag_actions({})}
    for outcome in (Outcome.FLAG, Outcome.DISREGARD, Outcome.ESCALATE, Outcome.STATUTORY):
        decision = Decision(outcome=outcome, reason="a reason; more", restriction_id=7, screen_hits=("x",))
        actions: list[Action] = plan(decision, restriction, {"info_rights_queue": "foi"}, "7", None)
        kinds |= {a.kind for a in actions}
    return kinds


@pytest.mark.parametrize("key", KEYS)
def test_every_helpdesk_supports_what_a_decision_or_a_lift_writes(key):
    needed = _every_planned_kind()
    assert needed == {
        ActionKind.SET_FLAG,
        ActionKind.CLEAR_FLAG,
        ActionKind.ADD_TAGS,
        ActionKind.REMOVE_TAGS,
        ActionKind.ADD_NOTE,
        ActionKind.ASSIGN,
        ActionKind.MOVE_QUEUE,
        ActionKind.SET_PRIORITY,
    }
    # Raising the priority is written where the helpdesk has priorities; Front, Help Scout and Intercom have none.
    required = needed - {ActionKind.SET_PRIORITY}
    assert required <= REGISTRY[key].supported_actions(), sorted(
        k.value for k in required - REGISTRY[key].supported_actions()
    )


@pytest.mark.parametrize("key", ["django_helpdesk", "zendesk", "freshdesk", "zammad", "hubspot", "generic"])
def test_helpdesks_with_priorities_raise_a_safeguarding_ticket(key):
    assert ActionKind.SET_PRIORITY in REGISTRY[key].supported_actions()


@responses.activate
def test_the_generic_callback_receives_every_kind_it_declares():
    """The generic adapter's documented contract (docs/adapters/generic.md): every action is POSTed as JSON."""
    responses.post("https://council.example/callback", json={})
    client = GenericCallbackClient({"callback_url": "https://council.example/callback"}, {"signing_secret": "s"})
    for kind in sorted(GenericCallbackClient.actions):
        client.apply("9", {"kind": kind.value, "idempotency_key": f"k-{kind.value}"})
    posted = [json.loads(c.request.body)["action"]["kind"] for c in responses.calls]
    assert posted == [k.value for k in sorted(GenericCallbackClient.actions)]

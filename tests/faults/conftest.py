"""A fake django-helpdesk on loopback (benchmarks/fake_helpdesk.py) and a connection pointing at it."""

import pytest

from benchmarks.fake_helpdesk import FakeHelpdesk
from plugin.services import connections as conns
from plugin.services import register as reg


@pytest.fixture
def fake_helpdesk():
    helpdesk = FakeHelpdesk().start()
    yield helpdesk
    helpdesk.stop()


@pytest.fixture
def fake_connection_id(cast, fake_helpdesk):
    """A django-helpdesk connection to the fake; the officer (the SPOC) is agent 7 there."""
    with cast.act() as ctx:
        reg.update_officer(ctx, "officer@council.example", {"helpdesk_ids": [{"connection": "", "agent_id": "7"}]})
        c = conns.add(
            ctx,
            "django_helpdesk",
            "Fake helpdesk",
            {"base_url": fake_helpdesk.api, "rate_limit_per_minute": 6000, "allow_private_network": True},
            {"username": "cg", "password": "cg-password"},
            test=False,
        )
        return c.id

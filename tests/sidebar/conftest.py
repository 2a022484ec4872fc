"""A helpdesk connection and a second customer for the sidebar tests."""

import pytest

from plugin.services import connections as conns
from plugin.services import register as reg


@pytest.fixture
def connection(cast):
    """A django-helpdesk connection (not called: the panel reads only contactguard's database)."""
    with cast.act() as ctx:
        c = conns.add(
            ctx,
            "django_helpdesk",
            "Housing helpdesk",
            {"base_url": "http://helpdesk.test/helpdesk/api/"},
            {"username": "cgadmin", "password": "s3cret-pass"},
            test=False,
        )
        ctx.session.flush()
        ctx.session.expunge(c)
        return c


@pytest.fixture
def other_customer(cast):
    with cast.act() as ctx:
        reg.add_customer(
            ctx,
            {
                "reference": "C2",
                "name": "Sam Other",
                "identities": [{"kind": "email", "value": "sam.other@example.com"}],
            },
        )
    return "C2"

"""Fixtures shared with the webhook tests: a django-helpdesk connection, and stored events built directly."""

import pytest
from sqlalchemy import select

from adapters.base import InboundEvent
from plugin.models import WebhookEvent
from tests.webhooks.conftest import connection_id  # noqa: F401 - the fixture, for the tests here

RESTRICTED_EMAIL = "jane.customer@example.com"  # C1 in tests/conftest.py's cast


def new_ticket(delivery: str, ticket: str = "44", email: str = RESTRICTED_EMAIL) -> InboundEvent:
    """A customer's new ticket, as an adapter reduces it."""
    return InboundEvent(delivery_key=delivery, event_type="ticket.created", ticket_id=ticket, emails=(email,))


@pytest.fixture
def stored(sessions):
    """The stored events' delivery keys, oldest first."""

    def keys() -> list[str]:
        with sessions() as session:
            return list(session.scalars(select(WebhookEvent.delivery_key).order_by(WebhookEvent.id)))

    return keys

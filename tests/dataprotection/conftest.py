"""Fixtures shared with the webhook tests: a django-helpdesk connection with officers mapped to agent ids."""

from tests.webhooks.conftest import connection_id  # noqa: F401

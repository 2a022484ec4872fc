"""Fixtures shared with the webhook tests."""

from tests.webhooks.conftest import connection_id  # noqa: F401

"""Operations: the server, /metrics, matching through the webhook, outbound address checks."""

from tests.webhooks.conftest import connection_id  # noqa: F401 - the django-helpdesk connection fixture

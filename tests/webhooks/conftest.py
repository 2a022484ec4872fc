"""A django-helpdesk connection with officers mapped to its agent ids."""

import json
from pathlib import Path

import pytest

from plugin.services import connections as conns
from plugin.services import register as reg

FIXTURES = Path(__file__).resolve().parent.parent / "adapters" / "django_helpdesk" / "fixtures"
HELPDESK_API = "http://helpdesk.test/helpdesk/api/"


def fixture_body(name: str, **changes) -> dict:
    body = json.loads((FIXTURES / f"{name}.json").read_text())
    for key, value in changes.items():
        if key in ("followup_id", "queue_slug"):
            body[key] = value
        else:
            body["ticket"][key] = value
    return body


@pytest.fixture
def connection_id(cast):
    with cast.act() as ctx:
        reg.update_officer(ctx, "officer@council.example", {"helpdesk_ids": [{"connection": "", "agent_id": "7"}]})
        reg.update_officer(ctx, "senior2@council.example", {"helpdesk_ids": [{"connection": "", "agent_id": "9"}]})
        c = conns.add(
            ctx,
            "django_helpdesk",
            "Housing helpdesk",
            {"base_url": HELPDESK_API},
            {"username": "cgadmin", "password": "s3cret-pass"},
            test=False,
        )
        return c.id

"""Steps shared by the workflow tests."""

import datetime as dt

import pytest
import time_machine

from plugin.services import incidents as inc
from plugin.services import restrictions as rs
from tests.helpers import email_of

UTC = dt.timezone.utc
TODAY = dt.datetime(2026, 3, 2, 10, tzinfo=UTC)  # a Monday


@pytest.fixture
def today():
    with time_machine.travel(TODAY, tick=False):
        yield TODAY.date()


@pytest.fixture
def steps(cast, today):
    return Steps(cast)


class Steps:
    """Small workflow steps, each in its own committed transaction."""

    def __init__(self, cast):
        self.cast = cast

    def incident(self, category="verbal_abuse", who="officer", days_ago=1, customer="C1"):
        with self.cast.act(who) as ctx:
            return inc.record_incident(
                ctx,
                {
                    "customer": customer,
                    "experienced_by": email_of(who),
                    "channel": "telephone",
                    "occurred_at": (ctx.now() - dt.timedelta(days=days_ago)).isoformat(),
                    "category": category,
                    "description": "Shouted and swore at the officer",
                },
            ).id

    def warning(self, incident_id=None, who="officer"):
        incident_id = incident_id or self.incident()
        with self.cast.act(who) as ctx:
            return inc.issue_warning(
                ctx,
                {
                    "customer": "C1",
                    "incidents": [incident_id],
                    "behaviour": "Shouting and swearing on the phone",
                    "why_unacceptable": "Staff must work free of abuse",
                    "change_requested": "Keep calls civil",
                    "consequences": "Your contact may be restricted",
                },
            ).id

    def propose(self, who="officer", **data):
        base = {
            "customer": "C1",
            "path": "after_warning",
            "why_necessary": "Abuse continued after the warning",
            "spoc_officer": email_of("officer"),
            "allowed_channels": ["email", "letter"],
        }
        with self.cast.act(who) as ctx:
            return rs.propose(ctx, {**base, **data}).id

    def checks(self, restriction_id, **data):
        base = {"social_work_known": "no", "adjustments_needed": False, "other_services": "none"}
        with self.cast.act("officer") as ctx:
            rs.record_checks(ctx, restriction_id, {**base, **data})

    def activate(self, restriction_id, who="senior"):
        with self.cast.act(who) as ctx:
            return rs.activate(ctx, restriction_id)

    def ready(self, **data):
        """A proposal with a standing warning and its checks answered: only activation is missing."""
        self.warning()
        restriction_id = self.propose(**data)
        self.checks(restriction_id)
        return restriction_id

    def active(self, **data):
        restriction_id = self.ready(**data)
        self.activate(restriction_id)
        return restriction_id

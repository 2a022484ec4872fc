"""Freshdesk connection settings and secrets."""

from __future__ import annotations

from marshmallow import fields, validate

from ..settings import HelpdeskSecrets, HelpdeskSettings, optional, previous_secret, rate_limit, secret


class Settings(HelpdeskSettings):
    domain = fields.String(
        required=True,
        validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]*$"),
        metadata={"description": "The account: <domain>.freshdesk.com (v2 API needs this host)"},
    )
    restriction_field = optional(fields.String, "Custom ticket field (cf_...) showing the arrangement")
    review_queue = optional(fields.Integer, "Group id where review reminders become tasks")
    task_requester_email = optional(fields.Email, "Requester on review-task tickets")
    escalation_priority = fields.Integer(
        load_default=4,
        validate=validate.Range(min=1, max=4),
        metadata={"description": "Priority a safeguarding concern raises a ticket to (1 low ... 4 urgent)"},
    )
    rate_limit_per_minute = rate_limit(200, 1000)


class Secrets(HelpdeskSecrets):
    api_key = secret()
    webhook_username = secret(required=False)
    webhook_password = secret(required=False)
    webhook_password_previous = previous_secret()

"""Zammad connection settings and secrets."""

from __future__ import annotations

from marshmallow import fields, validate

from ..settings import HelpdeskSecrets, HelpdeskSettings, optional, previous_secret, rate_limit, secret


class Settings(HelpdeskSettings):
    base_url = fields.Url(
        required=True, require_tld=False, metadata={"description": "e.g. https://zammad.council.example/"}
    )
    restriction_field = optional(fields.String, "Ticket object attribute showing the arrangement")
    review_queue = optional(fields.Integer, "Group id where review reminders become tasks")
    task_customer_email = optional(fields.Email, "Customer on review-task tickets")
    escalation_priority_id = fields.Integer(
        load_default=3,
        validate=validate.Range(min=1),
        metadata={"description": "Priority id a safeguarding concern raises a ticket to (default 3 high)"},
    )
    rate_limit_per_minute = rate_limit(600, 10000)


class Secrets(HelpdeskSecrets):
    api_token = secret()
    signature_token = secret()
    signature_token_previous = previous_secret()

"""The register's tables."""

from .accounts import Account, ApiToken, WebSession
from .audit import AuditEntry
from .base import Base
from .cases import Appeal, FormalWarning, Incident, Letter, PreRestrictionCheck, Restriction, Review
from .clock import ClockNotice, WorkerHeartbeat
from .register import Customer, Identity, Officer, OfficerHelpdeskId, Service
from .webhooks import Connection, OutboxAction, RateLimitBucket, WebhookEvent

__all__ = [
    "Account",
    "ApiToken",
    "Appeal",
    "AuditEntry",
    "Base",
    "ClockNotice",
    "Connection",
    "Customer",
    "FormalWarning",
    "Identity",
    "Incident",
    "Letter",
    "Officer",
    "OfficerHelpdeskId",
    "OutboxAction",
    "PreRestrictionCheck",
    "RateLimitBucket",
    "Restriction",
    "Review",
    "Service",
    "WebSession",
    "WebhookEvent",
    "WorkerHeartbeat",
]

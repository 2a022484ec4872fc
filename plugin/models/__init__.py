"""The register's tables."""
from .accounts import Account, ApiToken
from .audit import AuditEntry
from .base import Base
from .clock import ClockNotice, WorkerHeartbeat
from .cases import Appeal, Incident, Letter, PreRestrictionCheck, Restriction, Review, FormalWarning
from .register import Customer, Identity, Officer, OfficerHelpdeskId, Service
from .webhooks import Connection, OutboxAction, WebhookEvent

__all__ = [
    "Account", "ApiToken",
    "Appeal", "AuditEntry", "ClockNotice", "Connection", "OutboxAction", "WebhookEvent", "Base", "Customer", "Identity", "Incident", "Letter", "Officer",
    "OfficerHelpdeskId", "PreRestrictionCheck", "Restriction", "Review", "Service", "FormalWarning", "WorkerHeartbeat",
]

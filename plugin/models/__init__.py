"""The register's tables."""
from .audit import AuditEntry
from .base import Base
from .cases import Appeal, Incident, Letter, PreRestrictionCheck, Restriction, Review, FormalWarning
from .register import Customer, Identity, Officer, OfficerHelpdeskId, Service

__all__ = [
    "Appeal", "AuditEntry", "Base", "Customer", "Identity", "Incident", "Letter", "Officer",
    "OfficerHelpdeskId", "PreRestrictionCheck", "Restriction", "Review", "Service", "FormalWarning",
]

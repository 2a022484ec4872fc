"""Administration in the browser: officers and their accounts, absences, services, helpdesk connections (their
secrets and sidebar key), the outbox, webhook decisions, the audit trail, subject access, and API tokens.

The rules stay where the CLI finds them: plugin/services/register.py (officers, services, absences),
plugin/services/accounts.py (accounts, TOTP, tokens), plugin/services/connections.py (test before saving, secrets
sealed and shown masked, deactivate, rotate the webhook URL), plugin/worker/outbox.py (pending, dead letters,
retry), plugin/services/events.py (recent decisions), plugin/services/audit.py (entries, chain verification) and
plugin/services/subject_access.py. Each of those checks the role and writes the audit trail; a page never decides
whether something is allowed. Administration is for admins; the audit trail and subject access also for senior
officers; everyone issues and revokes their own API tokens. No page shows a stored secret, a message's content, or
the reason text of a decision.

Each page is in the module named after what it serves: officers.py, accounts.py (an officer's account),
absences.py, services.py, connections.py (with connection_forms.py, and connection_secrets.py for secrets and the
sidebar key), outbox.py (dead-lettered helpdesk actions), decisions.py (webhook decisions), audit.py (the audit
trail and its verification), subject_access.py, tokens.py (your API tokens) and index.py (every admin task). What
they share is in base.py (the blueprint, its navigation, the form and confirmation pages).
"""

from . import (  # importing each registers its pages
    absences,
    accounts,
    audit,
    connection_secrets,
    connections,
    decisions,
    index,
    officers,
    outbox,
    services,
    subject_access,
    tokens,
)
from .base import bp

__all__ = [
    "absences",
    "accounts",
    "audit",
    "bp",
    "connection_secrets",
    "connections",
    "decisions",
    "index",
    "officers",
    "outbox",
    "services",
    "subject_access",
    "tokens",
]
